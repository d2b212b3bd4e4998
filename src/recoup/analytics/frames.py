"""The ledger as Polars frames, and conversion to the home currency with integer arithmetic.

Everything in ``recoup.analytics`` takes a :class:`Ledger`: five frames whose column names and
dtypes are fixed here. Amounts are Int64 minor units; floats never carry money. Loading the
frames (Arrow-native reads from SQLite or PostgreSQL) lives outside this package, which must
stay pure: no Django, nothing of recoup's except ``recoup.kernel``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from recoup.kernel.money import currency_exponent

__all__ = [
    "ALLOCATIONS_SCHEMA",
    "CUSTOMERS_SCHEMA",
    "DEBIT_KINDS",
    "FX_RATES_SCHEMA",
    "INVOICES_SCHEMA",
    "PAYMENTS_SCHEMA",
    "Ledger",
    "MissingRate",
    "convert_minor",
    "convert_to_home",
    "to_home",
]

INVOICES_SCHEMA: dict[str, type[pl.DataType]] = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "kind": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "currency": pl.String,
    "amount": pl.Int64,
}
ALLOCATIONS_SCHEMA: dict[str, type[pl.DataType]] = {
    "invoice_id": pl.Int64,
    "payment_id": pl.Int64,
    "credit_note_id": pl.Int64,
    "amount": pl.Int64,
    "applied_on": pl.Date,
}
PAYMENTS_SCHEMA: dict[str, type[pl.DataType]] = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "received_on": pl.Date,
    "amount": pl.Int64,
    "currency": pl.String,
}
CUSTOMERS_SCHEMA: dict[str, type[pl.DataType]] = {
    "id": pl.Int64,
    "customer_ref": pl.String,
    "name": pl.String,
    "segment": pl.String,
    "collector": pl.String,
    "currency": pl.String,
}
FX_RATES_SCHEMA: dict[str, type[pl.DataType]] = {
    "currency": pl.String,
    "on": pl.Date,
    "rate_ppb": pl.Int64,
}

# Kinds that make a customer owe money; credit notes are the one kind that reduces it.
DEBIT_KINDS = ("invoice", "debit_note")
KINDS = ("invoice", "credit_note", "debit_note")

# Rates are home-currency units per foreign unit, in parts per billion: 1.0843 EUR→USD is 1_084_300_000.
PPB = 10**9
T = TypeVar("T")


class MissingRate(LookupError):
    """No rate on or before ``on`` for ``currency``: converting would mean guessing."""

    def __init__(self, currency: str, on: dt.date) -> None:
        super().__init__(f"no FX rate for {currency} on or before {on.isoformat()}")
        self.currency = currency
        self.on = on


def _check(name: str, frame: object, schema: dict[str, type[pl.DataType]]) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise ValueError(f"{name}: expected a polars DataFrame, got {type(frame).__name__}")
    missing = [col for col in schema if col not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    wrong = [f"{col} is {frame.schema[col]}, expected {dtype}" for col, dtype in schema.items() if frame.schema[col] != dtype]
    if wrong:
        raise ValueError(f"{name}: wrong dtype: {'; '.join(wrong)}")


@dataclass(frozen=True, eq=False)
class Ledger:
    """The receivables ledger as frames (see the module docstring and docs/analytics.md).

    ``eq=False``: DataFrames have no meaningful ``==``/hash, so identity is the only equality.
    """

    invoices: pl.DataFrame
    allocations: pl.DataFrame
    payments: pl.DataFrame
    customers: pl.DataFrame
    fx_rates: pl.DataFrame | None = None
    home_currency: str = "USD"
    # Work shared between calls on the same ledger (per-document allocation totals, open items by
    # date): aging, DSO and CEI at one date then cost one pass. Frames must not be mutated in place.
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)

    def cached(self, key: Any, build: Callable[[], T]) -> T:
        """``build()`` once per key for this ledger; a few dates are kept (a 12-month trend needs 13)."""
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[no-any-return]

    def validate(self) -> Ledger:
        """Raise ValueError naming the first frame with a missing column, wrong dtype or bad value."""
        _check("invoices", self.invoices, INVOICES_SCHEMA)
        _check("allocations", self.allocations, ALLOCATIONS_SCHEMA)
        _check("payments", self.payments, PAYMENTS_SCHEMA)
        _check("customers", self.customers, CUSTOMERS_SCHEMA)
        if self.fx_rates is not None:
            _check("fx_rates", self.fx_rates, FX_RATES_SCHEMA)
            if self.fx_rates.filter(pl.col("rate_ppb") <= 0).height:
                raise ValueError("fx_rates: rate_ppb must be > 0")
        bad_kinds = self.invoices.filter(~pl.col("kind").is_in(KINDS))["kind"].unique().to_list()
        if bad_kinds:
            raise ValueError(f"invoices: unknown kind(s) {sorted(map(str, bad_kinds))}, expected one of {KINDS}")
        if self.invoices.filter(pl.col("amount") <= 0).height:
            raise ValueError("invoices: amount must be > 0 for every kind (credit notes are positive too)")
        if self.allocations.filter(pl.col("amount") <= 0).height:
            raise ValueError("allocations: amount must be > 0")
        both = self.allocations.filter(pl.col("payment_id").is_null() == pl.col("credit_note_id").is_null()).height
        if both:
            raise ValueError("allocations: each row needs exactly one of payment_id and credit_note_id")
        return self


def convert_minor(amount: int, currency: str, rate_ppb: int, home: str) -> int:
    """Scalar twin of :func:`to_home` (tests and replays use it): integer maths, half away from zero."""
    shift = currency_exponent(home) - currency_exponent(currency)
    num = abs(amount) * rate_ppb * 10 ** max(shift, 0)
    den = PPB * 10 ** max(-shift, 0)
    out = (num + den // 2) // den
    return -out if amount < 0 else out


def _rates_on(frame: pl.DataFrame, date_col: str, fx_rates: pl.DataFrame | None, home: str, *, strict: bool) -> pl.DataFrame:
    """Attach ``rate_ppb`` (the latest rate with ``on`` ≤ the row's date) to every foreign row.

    ``strict``: a foreign row without a rate raises MissingRate; otherwise its rate stays null.
    """
    foreign = frame.filter(pl.col("currency") != home)
    if foreign.height == 0:
        return frame.with_columns(rate_ppb=pl.lit(PPB, dtype=pl.Int64))
    if fx_rates is None:
        if strict:
            row = foreign.row(0, named=True)
            raise MissingRate(row["currency"], row[date_col])
        fx_rates = pl.DataFrame(schema=FX_RATES_SCHEMA)
    rates = fx_rates.select("currency", pl.col("on").alias("__rate_on"), "rate_ppb").sort("currency", "__rate_on")
    # join_asof needs both sides sorted on the key; a row index restores the caller's order.
    joined = (
        frame.with_row_index("__row")
        .sort(date_col)
        .join_asof(
            rates.sort("__rate_on"),
            left_on=date_col,
            right_on="__rate_on",
            by="currency",
            strategy="backward",
            check_sortedness=False,
        )
        .sort("__row")
        .drop("__row", "__rate_on")
        .with_columns(rate_ppb=pl.when(pl.col("currency") == home).then(PPB).otherwise(pl.col("rate_ppb")))
    )
    missing = joined.filter(pl.col("rate_ppb").is_null())
    if strict and missing.height:
        row = missing.sort(date_col).row(0, named=True)
        raise MissingRate(row["currency"], row[date_col])
    return joined


def to_home(ledger: Ledger, frame: pl.DataFrame, amounts: list[str], date_col: str) -> pl.DataFrame:
    """Convert the ``amounts`` columns of ``frame`` to the home currency at each row's ``date_col``.

    minor_home = minor × rate_ppb × 10^(e_home − e_cur) / 10^9, computed in Int128 (an Int64
    product overflows from about 92 million units at rate 1) and rounded once, half away from
    zero so that a credit converts to exactly minus its debit. ``currency`` becomes the home code.
    Raises MissingRate when a foreign row has no rate on or before its date.
    """
    return convert_to_home(frame, amounts, date_col, fx_rates=ledger.fx_rates, home=ledger.home_currency)


def convert_to_home(
    frame: pl.DataFrame,
    amounts: list[str],
    date_col: str,
    *,
    fx_rates: pl.DataFrame | None,
    home: str,
    strict: bool = True,
) -> pl.DataFrame:
    """:func:`to_home` for callers that hold rates (FX_RATES_SCHEMA) but no whole Ledger.

    ``strict=False`` leaves the amounts of a row without a rate null instead of raising: a list
    ordered by home value can then put those rows apart rather than refuse to show anything.
    """
    if not amounts or frame.filter(pl.col("currency") != home).height == 0:
        # Nothing foreign (or nothing at all): no rate is needed and amounts are already home minor units.
        return frame.with_columns(currency=pl.lit(home))
    rated = _rates_on(frame, date_col, fx_rates, home, strict=strict)
    home_exp = currency_exponent(home)
    codes = rated["currency"].unique().to_list()
    shift = {code: home_exp - currency_exponent(code) for code in codes}
    # Per-row multiplier/divisor from the exponent difference: integers, never floats.
    mul = pl.col("currency").replace_strict({c: 10 ** max(s, 0) for c, s in shift.items()}, return_dtype=pl.Int128)
    div = pl.col("currency").replace_strict({c: PPB * 10 ** max(-s, 0) for c, s in shift.items()}, return_dtype=pl.Int128)
    exprs = []
    for col in amounts:
        value = pl.col(col).cast(pl.Int128)
        num = value.abs() * pl.col("rate_ppb").cast(pl.Int128) * mul
        # Back to Int64 before the sign (Polars has no Int128 negation); the result fits, the product may not.
        rounded = ((num + div // 2) // div).cast(pl.Int64)
        exprs.append(pl.when(value < 0).then(-rounded).otherwise(rounded).alias(col))
    return rated.with_columns(exprs).drop("rate_ppb").with_columns(currency=pl.lit(home))
