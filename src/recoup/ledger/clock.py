"""The one business date: "today" is the company's date (RECOUP_DEFAULT_TIMEZONE) at an instant.

Amounts are overdue, promises due and reports dated by the company's calendar, whatever the
server's zone (UTC) or the customer's: at 20:00 in New York it is already tomorrow in UTC, and
a report, the worklist and a customer's page must still agree on which day it is. Rules never
call this: they take ``as_of``; the edges (views, commands, jobs) decide it here, once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def company_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.RECOUP_DEFAULT_TIMEZONE)


def business_date(at: dt.datetime) -> dt.date:
    """The company's date at the instant ``at`` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return at.astimezone(company_zone()).date()


def today() -> dt.date:
    """The company's date now: for the edges only (a view, a command, a job)."""
    return business_date(timezone.now())
