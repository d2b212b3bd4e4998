"""Per-customer payment-behaviour features as of a date (the feature base for prediction).

Leakage-free by construction: only invoices issued on or before ``as_of`` and allocations applied
on or before it are read, so features for a past date are what was knowable on that date.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from recoup.analytics.aging import settlements
from recoup.analytics.frames import Ledger, to_home

__all__ = ["FEATURES", "HALF_LIFE_DAYS", "behaviour_features"]

# Recent settlements weigh more: a settlement 90 days before as_of counts half as much as one on as_of.
HALF_LIFE_DAYS = 90
TREND_MIN_POINTS = 3

FEATURES: dict[str, type[pl.DataType]] = {
    "customer_id": pl.Int64,
    "currency": pl.String,
    "invoices_paid": pl.Int64,
    "avg_days_late": pl.Float64,
    "weighted_recent_days_late": pl.Float64,
    "days_late_trend": pl.Float64,
    "share_paid_late": pl.Float64,
    "avg_days_to_pay": pl.Float64,
    "open_amount": pl.Int64,
    "overdue_amount": pl.Int64,
    "largest_overdue_age": pl.Int64,
    "partial_payment_share": pl.Float64,
    "promise_count": pl.Int64,
    "broken_promise_count": pl.Int64,
    "dispute_count": pl.Int64,
}


def _payment_history(settled: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per customer, from the invoices settled by ``as_of``: how many, how late, and the trend."""
    # x is the settlement date in days relative to as_of (small integers keep the regression sums exact).
    x = (pl.col("last_applied") - pl.lit(as_of)).dt.total_days()
    y = (pl.col("last_applied") - pl.col("due_date")).dt.total_days()
    weight = pl.lit(0.5).pow(-x / HALF_LIFE_DAYS)
    return (
        settled.with_columns(x=x, y=y)
        .with_columns(w=weight)
        .group_by("customer_id")
        .agg(
            invoices_paid=pl.len().cast(pl.Int64),
            avg_days_late=pl.col("y").mean(),
            weighted_recent_days_late=(pl.col("w") * pl.col("y")).sum() / pl.col("w").sum(),
            share_paid_late=(pl.col("y") > 0).mean(),
            avg_days_to_pay=(pl.col("last_applied") - pl.col("issue_date")).dt.total_days().mean(),
            partial_payment_share=(pl.col("n_alloc") >= 2).mean(),
            sx=pl.col("x").sum(),
            sy=pl.col("y").sum(),
            sxy=(pl.col("x") * pl.col("y")).sum(),
            sxx=(pl.col("x") * pl.col("x")).sum(),
        )
        .with_columns(
            # Least-squares slope in days late per day of settlement date, ×30 → per 30 days.
            den=pl.col("invoices_paid") * pl.col("sxx") - pl.col("sx") * pl.col("sx"),
            num=pl.col("invoices_paid") * pl.col("sxy") - pl.col("sx") * pl.col("sy"),
        )
        .with_columns(
            days_late_trend=pl.when((pl.col("invoices_paid") >= TREND_MIN_POINTS) & (pl.col("den") != 0)).then(
                pl.col("num").cast(pl.Float64) * 30 / pl.col("den").cast(pl.Float64)
            )
        )
        .drop("sx", "sy", "sxy", "sxx", "den", "num")
    )


def behaviour_features(ledger: Ledger, as_of: dt.date, *, home: bool = False) -> pl.DataFrame:
    """One row per customer of ``ledger.customers`` (sorted by id); see docs/analytics.md for each column.

    An invoice (or debit note) is settled when its allocations up to ``as_of`` cover its amount;
    its settlement date is then the latest of those allocations' dates (allocations are positive,
    so that is the one that brought the open amount to 0). days late = settlement − due date
    (negative when early). Amounts are in the customer's currency, or converted at the ``as_of``
    rate with ``home`` (then ``currency`` is the home code).
    """
    facts = settlements(ledger, as_of).with_columns(open_amount=pl.col("amount") - pl.col("paid"))
    settled = facts.filter(pl.col("open_amount") <= 0)
    open_ = facts.filter(pl.col("open_amount") > 0).with_columns(
        days_past_due=(pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    )

    history = _payment_history(settled, as_of)

    customers = ledger.customers.select(pl.col("id").alias("customer_id"), "currency")
    if home:
        open_ = to_home(ledger, open_.with_columns(__as_of=pl.lit(as_of)), ["open_amount"], "__as_of").drop("__as_of")
        customers = customers.with_columns(currency=pl.lit(ledger.home_currency))
    else:
        # Never add different currencies: an open item must be in its customer's currency.
        odd = open_.join(customers, on="customer_id", how="inner", suffix="_customer").filter(
            pl.col("currency") != pl.col("currency_customer")
        )
        if odd.height:
            row = odd.row(0, named=True)
            raise ValueError(
                f"customer {row['customer_id']} has open items in {row['currency']} but its currency is "
                f"{row['currency_customer']}: use home=True to convert"
            )
    overdue = pl.col("days_past_due") > 0
    exposure = open_.group_by("customer_id").agg(
        open_amount=pl.col("open_amount").sum(),
        overdue_amount=pl.col("open_amount").filter(overdue).sum(),
        largest_overdue_age=pl.col("days_past_due").filter(overdue).max(),
    )
    out = (
        customers.join(history, on="customer_id", how="left")
        .join(exposure, on="customer_id", how="left")
        .with_columns(
            pl.col("invoices_paid", "open_amount", "overdue_amount", "largest_overdue_age").fill_null(0),
            # Placeholders until promises and disputes exist in the ledger frames (DESIGN §3).
            promise_count=pl.lit(0, dtype=pl.Int64),
            broken_promise_count=pl.lit(0, dtype=pl.Int64),
            dispute_count=pl.lit(0, dtype=pl.Int64),
        )
    )
    return out.select(list(FEATURES)).cast(FEATURES).sort("customer_id")  # type: ignore[arg-type]
