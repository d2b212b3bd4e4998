"""Customer-local time: which timezone a customer is in, when they may be called, holidays.

Every function that depends on "now" takes the instant or date as an argument. Instants are
timezone-aware; the functions return UTC instants unless they say "local".

The work is done in three modules, re-exported here so that callers need one import:
``zones`` (which zone, wall-clock time there), ``public_holidays`` (holidays and business days)
and ``hours`` (business hours and call windows).
"""

from __future__ import annotations

from .hours import (
    CONSUMER_HOURS,
    BusinessHours,
    CallWindow,
    NoCallWindow,
    call_window,
    is_callable,
    next_callable,
    next_window_start,
)
from .public_holidays import add_business_days, holiday_country, holiday_name, is_business_day, is_public_holiday
from .zones import ResolvedZone, UnknownTimezone, at_local, country_zones, local_time, resolve_timezone, zone_for_region

__all__ = [
    "CONSUMER_HOURS",
    "BusinessHours",
    "CallWindow",
    "NoCallWindow",
    "ResolvedZone",
    "UnknownTimezone",
    "add_business_days",
    "at_local",
    "call_window",
    "country_zones",
    "holiday_country",
    "holiday_name",
    "is_business_day",
    "is_callable",
    "is_public_holiday",
    "local_time",
    "next_callable",
    "next_window_start",
    "resolve_timezone",
    "zone_for_region",
]
