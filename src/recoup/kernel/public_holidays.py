"""Public holidays and business days, by ISO 3166-1 country (and ISO 3166-2 subdivision)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

__all__ = ["WORKING_WEEK", "add_business_days", "holiday_country", "holiday_name", "is_business_day", "is_public_holiday"]

# Monday = 0 .. Friday = 4.
WORKING_WEEK = frozenset(range(5))


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def holiday_country(country: str | None, region: str | None, phone_country: str | None, fallback: str) -> str:
    """Whose public holidays a customer keeps: their own country, else the country their ISO 3166-2
    region names ("US-IL"), else their phone number's, else ``fallback``, the company's country.

    A customer imported without any of these is most likely in the company's own country, and
    calling them on its Christmas Day is worse than missing a foreign holiday.
    """
    if not _blank(country):
        assert country is not None
        return country.strip().upper()
    if not _blank(region):
        assert region is not None
        prefix, dash, _ = region.strip().partition("-")
        if dash and len(prefix) == 2:
            return prefix.upper()
    if not _blank(phone_country):
        assert phone_country is not None
        return phone_country.strip().upper()
    return fallback.strip().upper()


def _normalize_subdivision(country: str, subdivision: str | None) -> str | None:
    if _blank(subdivision):
        return None
    assert subdivision is not None
    code = subdivision.strip().upper()
    prefix = f"{country}-"
    return code[len(prefix) :] if code.startswith(prefix) else code


@lru_cache(maxsize=1024)
def _holidays_for(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year, language="en_US")
    except NotImplementedError:
        if subdivision is None:
            return MappingProxyType({})
        # An unknown subdivision must not drop the national holidays.
        return _holidays_for(country, None, year)
    return MappingProxyType({day: str(name) for day, name in table.items() if day.year == year})


def holiday_name(day: date, country: str | None, subdivision: str | None = None) -> str | None:
    """English name of the public holiday on ``day`` (None on ordinary or unknown-country days)."""
    if _blank(country):
        return None
    assert country is not None
    code = country.strip().upper()
    return _holidays_for(code, _normalize_subdivision(code, subdivision), day.year).get(day)


def is_public_holiday(day: date, country: str | None, subdivision: str | None = None) -> bool:
    return holiday_name(day, country, subdivision) is not None


def is_business_day(
    day: date, country: str | None = None, subdivision: str | None = None, weekdays: frozenset[int] = WORKING_WEEK
) -> bool:
    return day.weekday() in weekdays and not is_public_holiday(day, country, subdivision)


def add_business_days(
    day: date,
    n: int,
    country: str | None = None,
    subdivision: str | None = None,
    weekdays: frozenset[int] = WORKING_WEEK,
) -> date:
    """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

    ``day`` itself never counts, so n=1 from a Friday is the next Monday; n=0 returns ``day``
    unchanged even when it is not a business day.
    """
    if not frozenset(weekdays) & frozenset(range(7)):
        raise ValueError("weekdays is empty: no day would ever count")
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = day
    while remaining:
        current += step
        if is_business_day(current, country, subdivision, frozenset(weekdays)):
            remaining -= 1
    return current
