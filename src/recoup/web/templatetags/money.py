"""`{{ amount|money:currency }}`: integer minor units → a localized currency string.

Money is integer minor units everywhere inside (DESIGN §5); formatting is the kernel's
(recoup.kernel.money), so every page shows amounts the same way as exports and letters.
"""

from __future__ import annotations

from django import template

from recoup.kernel.money import Money, UnknownCurrency, format_money

register = template.Library()

DEFAULT_LOCALE = "en_US"


@register.filter
def money(minor: int | None, currency: str) -> str:
    """Blank for a missing amount, so an empty cell stays empty rather than saying $0.00."""
    if minor is None or minor == "":
        return ""
    try:
        return format_money(Money(int(minor), currency), locale=DEFAULT_LOCALE)
    except UnknownCurrency:
        # A bad code from an import must not take the whole page down; show what is stored.
        return f"{minor} {currency}"
