"""Template helpers for report tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django import template
from django.conf import settings

register = template.Library()


@register.filter
def get_amount(row: dict[str, Any], key: str) -> Any:
    """`row|get_amount:b`: a column picked by a loop variable (templates cannot index by one)."""
    return row.get(key)


@register.filter
def cell(value: Any) -> str:
    """A report table's value as a person reads it: dates as "30 Jun 2026", numbers grouped in the
    company's locale ("5,000.00"); the CSV/XLSX exports keep the plain values."""
    if value is None:
        return "–"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return format_decimal(value, locale=settings.RECOUP_LOCALE)
    if isinstance(value, Decimal | float):
        places = -Decimal(str(value)).as_tuple().exponent  # type: ignore[operator]
        pattern = "#,##0" + ("." + "0" * int(places) if isinstance(places, int) and places > 0 else "")
        return format_decimal(value, format=pattern, locale=settings.RECOUP_LOCALE)
    return str(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
