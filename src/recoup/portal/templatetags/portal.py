"""Tags of the customer portal: amounts and dates in the customer's locale, and the panel on the
call-prep sheet from which a collector copies or withdraws the customer's link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from django import template
from django.utils import timezone

from recoup.kernel.money import Money, UnknownCurrency, format_money
from recoup.ledger.models import Customer
from recoup.portal import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def amount(context: template.Context, minor: int, currency: str) -> str:
    """``{% amount 123456 "EUR" %}`` → "1.234,56 €" for a German reader (the page's ``locale``)."""
    try:
        return format_money(Money(int(minor), currency), str(context.get("locale") or "en_US"))
    except UnknownCurrency:
        return f"{minor} {currency}"


@register.simple_tag(takes_context=True)
def day(context: template.Context, value: dt.date | None, style: str = "medium") -> str:
    return format_date(value, format=style, locale=str(context.get("locale") or "en_US")) if value else ""


@register.inclusion_tag("portal/prep_panel.html", takes_context=True)
def portal_panel(context: template.Context, customer: Customer) -> dict[str, Any]:
    """The customer's link on the call-prep sheet: made or copied with one click, withdrawn with
    another. A link just handed out is shown once (it is kept in the collector's session by the
    view that made it, never in an address)."""
    request = context.get("request")
    shown = request.session.pop(f"portal-link-{customer.pk}", None) if request is not None else None
    live = list(selectors.live_links(customer, now=timezone.now()))
    return {"customer": customer, "live": live, "shown": shown, "csrf_token": context.get("csrf_token")}
