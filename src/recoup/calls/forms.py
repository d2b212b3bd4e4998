"""Parsing what a collector typed on the call-prep sheet into the services' inputs.

Amounts are read by the kernel's strict parser with the separators of the company's locale
(RECOUP_LOCALE): "1.234,56" typed where a dot is the decimal point is refused with the reason,
never read as 1.23; "12.345" for a two-decimal currency is refused, never rounded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import babel.numbers
from django.conf import settings
from django.http import QueryDict

from recoup.calls.services import OutcomeError, OutcomeInput
from recoup.kernel.money import MoneyParseError, UnknownCurrency, parse_minor

SENTIMENTS = ("positive", "neutral", "negative")


def locale_separators(locale: str | None = None) -> tuple[str, str]:
    """(decimal, thousands) of the locale the pages write amounts in."""
    chosen = locale or settings.RECOUP_LOCALE
    return babel.numbers.get_decimal_symbol(chosen), babel.numbers.get_group_symbol(chosen)


def parse_amount(text: str, currency: str, *, what: str, locale: str | None = None) -> int | None:
    """Minor units of an amount typed in the page's locale; None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    decimal_sep, group_sep = locale_separators(locale)
    try:
        return parse_minor(text, currency, decimal_sep=decimal_sep, thousands_sep=group_sep)
    except MoneyParseError as exc:
        raise OutcomeError(f"{what}: {exc}") from None
    except UnknownCurrency as exc:
        raise OutcomeError(f"{what}: {exc}") from None


def parse_date(text: str, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OutcomeError(f"{text!r} is not a date for {what}") from None


def parse_local(text: str) -> dt.datetime | None:
    """The callback time as typed: the customer's wall-clock time, without a zone."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OutcomeError(f"{text!r} is not a date and time for the callback") from None
    return value.replace(tzinfo=None)


def ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def outcome_input(post: QueryDict, currency: str) -> OutcomeInput:
    """The outcome form as the service's input; OutcomeError names the field that is wrong."""
    return OutcomeInput(
        outcome=post.get("outcome", ""),
        contact_id=int(post.get("contact", "")) if post.get("contact", "").isdigit() else None,
        notes=post.get("notes", "").strip()[:5000],
        customer_feedback=post.get("feedback", "").strip()[:2000],
        sentiment=post.get("sentiment", "") if post.get("sentiment") in SENTIMENTS else "",
        promise_amount=parse_amount(post.get("promise_amount", ""), currency, what="The promised amount"),
        promised_date=parse_date(post.get("promised_date", ""), "the promise"),
        invoice_ids=ids(post.getlist("invoices")),
        dispute_reason=post.get("dispute_reason", ""),
        callback_local=parse_local(post.get("callback_at", "")),
        save_despite_tone=post.get("save_anyway") == "1",
    )


def plan_input(post: QueryDict) -> dict[str, Any]:
    """The payment-plan form: instalments, their spacing, the first due date and the invoices."""
    try:
        instalments = int(post.get("instalments", "0"))
        every_days = int(post.get("every_days", "30"))
    except ValueError:
        raise OutcomeError("Enter the number of instalments and the days between them as whole numbers") from None
    first_due = parse_date(post.get("first_due", ""), "the first instalment")
    if first_due is None:
        raise OutcomeError("Enter when the first instalment is due")
    if not 1 <= every_days <= 366:
        raise OutcomeError("Instalments are between 1 and 366 days apart")
    return {
        "instalments": instalments,
        "every_days": every_days,
        "first_due": first_due,
        "invoice_ids": ids(post.getlist("invoices")),
    }
