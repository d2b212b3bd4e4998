"""Template helpers for report tables."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_amount(row: dict[str, Any], key: str) -> Any:
    """`row|get_amount:b`: a column picked by a loop variable (templates cannot index by one)."""
    return row.get(key)
