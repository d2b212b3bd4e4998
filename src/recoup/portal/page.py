"""What the customer's page shows, written in their language: the context of account.html.

Amounts and dates are written by babel in the customer's locale (the page's language as spoken
in their country); the words come from the portal's translations (recoup/locale). Reasons for a
dispute are worded for a customer here, not as the team's reason codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date, format_time, get_day_names
from django.conf import settings
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext_lazy

from recoup.disputes.models import Dispute
from recoup.kernel.calendar import BusinessHours, local_time
from recoup.kernel.locales import locale_for
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_zone
from recoup.portal import rules, selectors
from recoup.portal.models import PortalLink
from recoup.worklist import services as worklist

customer_language = selectors.customer_language

REASONS: dict[str, Any] = {
    Dispute.Reason.PRICING: gettext_lazy("The price is wrong"),
    Dispute.Reason.QUANTITY: gettext_lazy("The quantity is wrong"),
    Dispute.Reason.QUALITY: gettext_lazy("The goods are damaged or faulty"),
    Dispute.Reason.NOT_RECEIVED: gettext_lazy("We did not receive the goods or service"),
    Dispute.Reason.DUPLICATE: gettext_lazy("We were invoiced twice"),
    Dispute.Reason.ALREADY_PAID: gettext_lazy("We have already paid"),
    Dispute.Reason.TERMS: gettext_lazy("The terms or the due date are wrong"),
    Dispute.Reason.OTHER: gettext_lazy("Something else"),
}
# Each language named in itself, so that a reader of any of them finds their own.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}


def locale_of(customer: Customer) -> str:
    return locale_for(translation.get_language() or "en", customer.country)


def long_date(day: dt.date, customer: Customer) -> str:
    return format_date(day, format="long", locale=locale_of(customer))


def clock(instant: dt.datetime, customer: Customer) -> str:
    """The time of ``instant`` on the customer's own clock."""
    zone = customer_zone(customer).zone
    return format_time(local_time(instant, zone), format="short", locale=locale_of(customer))


def hours_text(hours: BusinessHours, locale: str) -> str:
    """ "Monday–Friday, 09:00–17:00" in the customer's words."""
    names = get_day_names("wide", locale=locale)
    days = sorted(hours.weekdays)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = f"{names[days[0]]}–{names[days[-1]]}"
    else:
        day_text = ", ".join(names[d] for d in days)
    start, end = (format_time(t, format="short", locale=locale) for t in (hours.start, hours.end))
    return f"{day_text}, {start}–{end}"


def context(
    link: PortalLink, *, now: dt.datetime, error: dict[str, str] | None = None, posted: QueryDict | None = None
) -> dict[str, Any]:
    customer = link.customer
    as_of = business_date(now)
    locale = locale_of(customer)
    data = selectors.account(customer, as_of=as_of, now=now)
    max_days = worklist.strategy_for(customer).promise_max_days
    hours = worklist.hours_for(customer)
    local_now = local_time(now, data["zone"])
    return {
        **data,
        "locale": locale,
        "company": settings.RECOUP_COMPANY_NAME,
        "expires_on": long_date(local_time(link.expires_at, data["zone"]).date(), customer),
        "as_of_text": long_date(as_of, customer),
        "promise_max_days": max_days,
        "promise_min": as_of.isoformat(),
        "promise_max": (as_of + dt.timedelta(days=max_days)).isoformat(),
        "default_promise": (as_of + dt.timedelta(days=min(7, max_days))).isoformat(),
        "callback_min": local_now.date().isoformat(),
        "callback_max": (local_now.date() + dt.timedelta(days=rules.CALLBACK_HORIZON_DAYS)).isoformat(),
        "slots": [(t.strftime("%H:%M"), format_time(t, format="short", locale=locale)) for t in rules.slots(hours)],
        "hours_text": hours_text(hours, locale),
        "local_now_text": format_time(local_now, format="short", locale=locale),
        "reasons": [(code, REASONS[code]) for code in Dispute.Reason.values],
        "languages": list(LANGUAGE_NAMES.items()),
        "language": translation.get_language(),
        "error": error or {},
        "posted": posted,
        "chosen": set(posted.getlist("invoices")) if posted is not None else set(),
    }
