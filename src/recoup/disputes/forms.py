"""Parsing what the dispute pages post into the services' inputs.

Amounts are read by the kernel's strict parser with the separators of the company's locale
(RECOUP_LOCALE), like the call-prep sheet: "1.234,56" where a dot is the decimal point is
refused with the reason, never read as 1.23.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import babel.numbers
from django.conf import settings
from django.http import QueryDict

from recoup.disputes.models import Dispute
from recoup.disputes.selectors import SCOPES, STATUS_FILTERS, CaseFilters
from recoup.disputes.services import DisputeError
from recoup.kernel.money import MoneyParseError, UnknownCurrency, parse_minor


def parse_amount(text: str, currency: str, *, what: str) -> int | None:
    """Minor units of an amount typed in the page's locale; None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    locale = settings.RECOUP_LOCALE
    decimal_sep, group_sep = babel.numbers.get_decimal_symbol(locale), babel.numbers.get_group_symbol(locale)
    try:
        return parse_minor(text, currency, decimal_sep=decimal_sep, thousands_sep=group_sep)
    except (MoneyParseError, UnknownCurrency) as exc:
        raise DisputeError(f"{what}: {exc}") from None


def amounts_by_invoice(post: QueryDict, invoices: Iterable[tuple[int, str]], currency: str, prefix: str) -> dict[int, int]:
    """``{invoice_id: minor units}`` from the fields ``<prefix>_<invoice id>``; empty fields skipped."""
    out = {}
    for pk, ref in invoices:
        amount = parse_amount(post.get(f"{prefix}_{pk}", ""), currency, what=ref)
        if amount is not None:
            out[pk] = amount
    return out


def parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise DisputeError(f"{text!r} is not a date for {what} (YYYY-MM-DD)") from None


def int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def case_filters(query: QueryDict) -> CaseFilters:
    """The list's filters; anything unknown falls back to the default rather than failing."""
    scope = query.get("scope", "team")
    status = query.get("status", "open")
    reason = query.get("reason", "")
    return CaseFilters(
        scope=scope if scope in SCOPES else "team",
        status=status if status in STATUS_FILTERS else "open",
        reason=reason if reason in Dispute.Reason.values else "",
        owner_id=int_or_none(query.get("owner")),
        customer=query.get("customer", "")[:100],
        min_age_days=int_or_none(query.get("min_age")),
    )
