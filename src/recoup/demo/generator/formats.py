"""Phones, money and dates as the demo's files write them."""

from __future__ import annotations

from datetime import date
from functools import cache

import phonenumbers
import polars as pl
from babel.numbers import get_currency_precision

from .randomness import Rng, pick_by_group
from .reference import ACCENTS, COUNTRIES, FX_PER_USD

__all__ = ["by_currency", "currency_precision", "epoch_day", "format_amount", "iso", "phone_pool", "phones", "slug", "to_minor"]


@cache
def phone_pool(country: str, size: int = 400) -> tuple[str, ...]:
    """Valid E.164 numbers for a country, varied from the library's example numbers.

    Built once per country (independent of the seed) and sampled, because validating
    numbers one by one for two million rows would dominate the generation time.
    """
    found: list[str] = []
    seen: set[str] = set()
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        example = phonenumbers.example_number_for_type(country, kind)
        if example is None:
            continue
        national = str(example.national_number)
        tail = min(4, len(national) - 2)
        for i in range(size * 3):
            variant = national[:-tail] + f"{(i * 7919 + 13) % 10**tail:0{tail}d}"
            number = phonenumbers.parse(f"+{example.country_code}{variant}")
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in seen and phonenumbers.is_valid_number_for_region(number, country):
                seen.add(e164)
                found.append(e164)
            if len(found) >= size * (1 if kind == phonenumbers.PhoneNumberType.FIXED_LINE else 2):
                break
    if not found:
        raise ValueError(f"no valid example phone numbers for {country}")
    return tuple(found)


def phones(rng: Rng, name: str, country_idx: pl.Series) -> pl.Series:
    pools = [phone_pool(c.code) for c in COUNTRIES]
    return pick_by_group(rng, name, country_idx, pools)


def format_amount(minor: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """Minor units to the canonical text: '1234.50', JPY '1234'."""
    scale = 10**precision
    fraction = (minor % scale).cast(pl.String).str.zfill(precision)
    return pl.when(precision == 0).then(minor.cast(pl.String)).otherwise((minor // scale).cast(pl.String) + "." + fraction)


def iso(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")


def epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def slug(names: pl.Expr) -> pl.Expr:
    return names.str.to_lowercase().str.replace_many(ACCENTS).str.replace_all(r"[^a-z0-9-]", "")


def by_currency(values: dict[str, float] | dict[str, int], dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """A per-currency constant looked up through the enum's physical code (cheap on millions)."""
    table = pl.Series([values[c] for c in FX_PER_USD], dtype=dtype)
    return pl.lit(table).gather(pl.col("currency").to_physical())


def currency_precision() -> pl.Expr:
    return by_currency({c: get_currency_precision(c) for c in FX_PER_USD}, pl.Int64)


def to_minor(usd: pl.Expr) -> pl.Expr:
    """A US-dollar figure in the row's currency's minor units, at least one major unit."""
    scale = 10 ** currency_precision()
    return (usd * by_currency(FX_PER_USD, pl.Float64) * scale.cast(pl.Float64)).round(0).cast(pl.Int64).clip(lower_bound=scale)
