"""How good a cash forecast was: the cash that came, the due-date baseline, WAPE and bias.

Pure (Polars; no Django). "Actual" for a forecast made at the end of ``as_of`` is the cash
*applied* (allocations from payments, not credit notes) to the items open at ``as_of``, per week
after it, in home minor units at the rate of ``as_of`` like the forecast itself: the forecast
speaks of those items only, so money from invoices issued later, unapplied cash and exchange-rate
moves are not errors of it (docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from recoup.analytics.forecast import days_late_history, open_debits
from recoup.analytics.frames import Ledger

__all__ = ["HORIZONS", "actual_by_week", "bias", "due_date_baseline", "wape"]

HORIZONS = (1, 2, 4, 8, 13)


def actual_by_week(ledger: Ledger, as_of: dt.date, weeks: int) -> list[int]:
    """Cash applied to the items open at ``as_of`` in each week after it (home minor units)."""
    items = open_debits(ledger, as_of).select("invoice_id", "open_amount", "open_original")
    end = as_of + dt.timedelta(days=7 * weeks)
    paid = (
        ledger.allocations.filter(
            pl.col("payment_id").is_not_null() & (pl.col("applied_on") > as_of) & (pl.col("applied_on") <= end)
        )
        .join(items, on="invoice_id")
        # The item's own home/original ratio: the rate of as_of, as the forecast used.
        .with_columns(home=pl.col("amount").cast(pl.Int128) * pl.col("open_amount") // pl.col("open_original"))
        .with_columns(week=((pl.col("applied_on") - pl.lit(as_of)).dt.total_days() - 1) // 7)
    )
    sums = paid.group_by("week").agg(pl.col("home").sum().cast(pl.Int64))
    out = [0] * weeks
    for week, amount in sums.iter_rows():
        out[int(week)] = int(amount)
    return out


def due_date_baseline(ledger: Ledger, as_of: dt.date, weeks: int) -> list[int]:
    """Each open item in full on its due date; an overdue one at its due date plus the customer's
    average days late (the ledger's average for a customer with no history); a date already
    past means the first day after ``as_of``."""
    items = open_debits(ledger, as_of)
    history = days_late_history(ledger, as_of)
    overall = float(history["days_late"].mean()) if history.height else 0.0  # type: ignore[arg-type]
    average = history.group_by("customer_id").agg(avg=pl.col("days_late").mean())
    dated = items.join(average, on="customer_id", how="left").with_columns(
        expected_on=pl.when(pl.col("lateness") > 0)
        .then(pl.col("due_date") + pl.duration(days=pl.col("avg").fill_null(overall).round(0).cast(pl.Int64)))
        .otherwise(pl.col("due_date"))
    )
    offsets = dated.select((pl.col("expected_on") - pl.lit(as_of, dtype=pl.Date)).dt.total_days()).to_series()
    out = np.zeros(weeks, dtype=np.int64)
    for offset, amount in zip(offsets.to_list(), dated["open_amount"].to_list(), strict=True):
        week = (max(int(offset), 1) - 1) // 7
        if week < weeks:
            out[week] += amount
    return [int(v) for v in out]


def wape(forecast: Sequence[int], actual: Sequence[int]) -> float | None:
    """Σ|F − A| ÷ Σ A (None when nothing came: no scale to compare with)."""
    total = sum(actual)
    if total <= 0:
        return None
    return sum(abs(f - a) for f, a in zip(forecast, actual, strict=True)) / total


def bias(forecast: Sequence[int], actual: Sequence[int]) -> float | None:
    """Σ(F − A) ÷ Σ A: above 0 the forecast promised more cash than came."""
    total = sum(actual)
    if total <= 0:
        return None
    return sum(f - a for f, a in zip(forecast, actual, strict=True)) / total
