"""Collector performance by day or week, column-wise. Pure: frames in, one frame out, no Django.

Who a figure belongs to (docs/team.md has the reasons):

- **Calls and right-party contacts** to the person who logged the call; a right-party contact is
  a call whose outcome says the customer was reached (``right_party``).
- **Promises made** to the person who took the promise, on the company date it was taken;
  **kept and broken** on the date it was judged. The kept rate is kept / (kept + partially kept
  + broken) among the promises judged in the period: a partial payment is not a kept promise.
- **Cash collected, disputes opened and resolved, days to collect** to the collector whose
  portfolio the customer is in (the portfolio frame). Cash is in the home currency at each
  payment's date. Days to collect: for every application of a payment received in the period
  to an invoice, the days from the invoice's issue date to the payment's receipt; the mean.

Days are the company's dates (``zone``); a week starts on Monday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from recoup.analytics.frames import Ledger, to_home

Period = Literal["day", "week", "all"]

CALLS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "user_id": pl.Int64,
    "at": pl.Datetime("us", "UTC"),
    "right_party": pl.Boolean,
}
PROMISES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "user_id": pl.Int64,
    "made_at": pl.Datetime("us", "UTC"),
    "status": pl.String,
    "resolved_on": pl.Date,
}
DISPUTES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "customer_id": pl.Int64,
    "opened_on": pl.Date,
    "resolved_on": pl.Date,
}
PORTFOLIO_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"customer_id": pl.Int64, "collector_id": pl.Int64}

KEPT = ("kept",)
JUDGED = ("kept", "partially_kept", "broken")

COUNTS = (
    "calls",
    "right_party_contacts",
    "promises_made",
    "promises_kept",
    "promises_judged",
    "cash_collected",
    "disputes_opened",
    "disputes_resolved",
)


@dataclass(frozen=True, eq=False)
class Activity:
    """What the team did: calls, promises and disputes, the ledger, and who holds which customer."""

    calls: pl.DataFrame
    promises: pl.DataFrame
    disputes: pl.DataFrame
    portfolio: pl.DataFrame
    ledger: Ledger
    zone: str = "UTC"


def _bucket(column: pl.Expr, period: Period, start: dt.date) -> pl.Expr:
    if period == "day":
        return column.alias("period")
    if period == "week":
        return column.dt.truncate("1w").alias("period")
    return pl.lit(start, dtype=pl.Date).alias("period")


def _local_day(column: str, zone: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(zone).dt.date()


def _within(column: str, start: dt.date, end: dt.date) -> pl.Expr:
    return pl.col(column).is_between(start, end, closed="both")


def _grid(collectors: list[int], start: dt.date, end: dt.date, period: Period) -> pl.DataFrame:
    days = pl.date_range(start, end, interval="1d", eager=True).alias("day").to_frame()
    periods = days.select(_bucket(pl.col("day"), period, start)).unique()
    people = pl.DataFrame({"collector_id": collectors}, schema={"collector_id": pl.Int64})
    return people.join(periods, how="cross").sort("collector_id", "period")


def _per_person(activity: Activity, start: dt.date, end: dt.date, period: Period) -> list[pl.DataFrame]:
    calls = (
        activity.calls.with_columns(day=_local_day("at", activity.zone))
        .filter(_within("day", start, end))
        .group_by(pl.col("user_id").alias("collector_id"), _bucket(pl.col("day"), period, start))
        .agg(calls=pl.len(), right_party_contacts=pl.col("right_party").sum())
    )
    made = (
        activity.promises.with_columns(day=_local_day("made_at", activity.zone))
        .filter(_within("day", start, end))
        .group_by(pl.col("user_id").alias("collector_id"), _bucket(pl.col("day"), period, start))
        .agg(promises_made=pl.len())
    )
    judged = (
        activity.promises.filter(pl.col("status").is_in(JUDGED) & _within("resolved_on", start, end))
        .group_by(pl.col("user_id").alias("collector_id"), _bucket(pl.col("resolved_on"), period, start))
        .agg(promises_judged=pl.len(), promises_kept=pl.col("status").is_in(KEPT).sum())
    )
    return [calls, made, judged]


def _per_portfolio(activity: Activity, start: dt.date, end: dt.date, period: Period) -> list[pl.DataFrame]:
    portfolio = activity.portfolio.filter(pl.col("collector_id").is_not_null())
    ledger = activity.ledger
    payments = ledger.payments.filter(_within("received_on", start, end)).join(portfolio, on="customer_id")
    cash = (
        to_home(ledger, payments, ["amount"], "received_on")
        .group_by("collector_id", _bucket(pl.col("received_on"), period, start))
        .agg(cash_collected=pl.col("amount").sum())
    )
    days = (
        ledger.allocations.filter(pl.col("payment_id").is_not_null())
        .join(payments.select(pl.col("id").alias("payment_id"), "received_on", "collector_id"), on="payment_id")
        .join(ledger.invoices.select(pl.col("id").alias("invoice_id"), "issue_date"), on="invoice_id")
        .group_by("collector_id", _bucket(pl.col("received_on"), period, start))
        .agg(avg_days_to_collect=(pl.col("received_on") - pl.col("issue_date")).dt.total_days().mean())
    )
    disputes = activity.disputes.join(portfolio, on="customer_id")
    opened = (
        disputes.filter(_within("opened_on", start, end))
        .group_by("collector_id", _bucket(pl.col("opened_on"), period, start))
        .agg(disputes_opened=pl.len())
    )
    resolved = (
        disputes.filter(_within("resolved_on", start, end))
        .group_by("collector_id", _bucket(pl.col("resolved_on"), period, start))
        .agg(disputes_resolved=pl.len())
    )
    return [cash, days, opened, resolved]


def performance(activity: Activity, *, collectors: list[int], start: dt.date, end: dt.date, period: Period) -> pl.DataFrame:
    """One row per collector and period (every period from ``start`` to ``end``, zeros included).

    Columns: collector_id, period (the day, the Monday of the week, or ``start`` for "all"),
    the counts of ``COUNTS`` (cash in home-currency minor units), right_party_rate and
    kept_rate (null when nothing to divide by) and avg_days_to_collect (null without cash).
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    frame = _grid(collectors, start, end, period)
    for part in _per_person(activity, start, end, period) + _per_portfolio(activity, start, end, period):
        frame = frame.join(part.with_columns(pl.col("collector_id").cast(pl.Int64)), on=["collector_id", "period"], how="left")
    frame = frame.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS)
    return frame.with_columns(
        right_party_rate=pl.when(pl.col("calls") > 0).then(pl.col("right_party_contacts") / pl.col("calls")),
        kept_rate=pl.when(pl.col("promises_judged") > 0).then(pl.col("promises_kept") / pl.col("promises_judged")),
    ).select("collector_id", "period", *COUNTS, "right_party_rate", "kept_rate", "avg_days_to_collect")
