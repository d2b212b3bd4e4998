"""The 13-week cash forecast (C16): when the open items are expected to turn into cash.

Pure (Polars and numpy; no Django). Everything is as known at the end of ``as_of``: items issued
and allocations applied on or before it, FX rates dated on or before it. The forecast starts the
next day; week 1 is ``as_of + 1`` … ``as_of + 7``.

Each open debit item gets a pay-date distribution of ``len(QUANTILES)`` equally likely points:

- the customer's days late (settlement date − due date) over the invoices settled by ``as_of``,
  *conditioned on the item still being open*: only past settlements later than the item's own
  current lateness (``as_of − due_date``) count, so an item 40 days overdue is spread over how
  this customer's items that went past 40 days were paid. With fewer than ``MIN_HISTORY`` such
  settlements the whole ledger's are used instead; an item later than anything ever paid gets
  no point at all (it is not expected within any horizon);
- when the prediction model has scored the item (``predicted``: invoice_id, expected_pay_date),
  the points are moved so that their median falls on the model's expected date (the model says
  where, the customer's history how wide).

Not every open item is paid: the share of each item expected at all is its chance of ever being
paid having come this far (:func:`pay_chances`, Kaplan-Meier over the whole ledger, where the items
still open count as "not paid yet"); the points carry that share.

Promises to pay and plan instalments (``commitments``, COMMITMENTS_SCHEMA) replace part of
that: a share ``kept_rate`` of the committed amount (the customer's promise-kept history, shrunk
towards the ledger's rate, :func:`kept_rates`) is expected on the promised date; the rest of the
item follows its distribution. A commitment dated on or before ``as_of`` (not yet judged) is
expected the next day.

Money stays integer: each item is converted to home minor units once (at the rate on ``as_of``),
then split into integer points (the leftover minor units go to the first points), so the weekly
sums never exceed what is open. The band is the 10th–90th percentile of the week's total under a
normal approximation, items independent: expected ± 1.2816 × √Σ amount² p (1 − p), the low end
not below 0 (see docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from recoup.analytics.aging import open_items, settlements
from recoup.analytics.frames import DEBIT_KINDS, Ledger, convert_to_home

__all__ = [
    "COMMITMENTS_SCHEMA",
    "PROMISE_HISTORY_SCHEMA",
    "Forecast",
    "Week",
    "days_late_history",
    "forecast",
    "kept_rates",
    "open_debits",
    "pay_chances",
]

QUANTILES = tuple((k + 0.5) / 10 for k in range(10))
MIN_HISTORY = 5
# Beta prior: a customer without resolved promises keeps them at the ledger's rate; each
# resolved promise moves the estimate as much as one of PRIOR_WEIGHT pseudo-promises.
PRIOR_WEIGHT = 2.0
DEFAULT_KEPT_RATE = 0.5
Z_90 = 1.2815515655446004  # standard normal 90th percentile
DEFAULT_WEEKS = 13

# One row per (commitment, invoice it names); invoice_id null: the customer's open items.
COMMITMENTS_SCHEMA: dict[str, type[pl.DataType]] = {
    "commitment_id": pl.String,
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "amount": pl.Int64,
    "on": pl.Date,
}
PROMISE_HISTORY_SCHEMA: dict[str, type[pl.DataType]] = {
    "customer_id": pl.Int64,
    "amount": pl.Int64,
    "kept_amount": pl.Int64,
    "resolved_on": pl.Date,
}
PREDICTED_SCHEMA: dict[str, type[pl.DataType]] = {"invoice_id": pl.Int64, "expected_pay_date": pl.Date}


@dataclass(frozen=True)
class Week:
    start: dt.date
    expected: int
    low: int
    high: int


@dataclass(frozen=True)
class Forecast:
    """Home-currency minor units; ``days`` is (day, expected) for every day with receipts."""

    as_of: dt.date
    currency: str
    weeks: list[Week]
    days: pl.DataFrame
    open_total: int


def open_debits(ledger: Ledger, as_of: dt.date) -> pl.DataFrame:
    """Open invoices and debit notes at the end of ``as_of`` in home minor units (at its rate):
    invoice_id, customer_id, due_date, open_amount (home), lateness (as_of − due_date)."""
    items = open_items(ledger, as_of).filter(pl.col("kind").is_in(DEBIT_KINDS))
    items = items.with_columns(on=pl.lit(as_of, dtype=pl.Date))
    home = convert_to_home(items, ["open_amount"], "on", fx_rates=ledger.fx_rates, home=ledger.home_currency)
    return home.select(
        pl.col("id").alias("invoice_id"),
        "customer_id",
        "due_date",
        pl.col("currency"),
        pl.col("open_amount"),
        pl.col("days_past_due").alias("lateness"),
        items["open_amount"].alias("open_original"),
    ).sort("invoice_id")


def days_late_history(ledger: Ledger, as_of: dt.date) -> pl.DataFrame:
    """customer_id, days_late for every invoice settled by ``as_of`` (settlement − due date)."""
    settled = settlements(ledger, as_of).filter(pl.col("paid") >= pl.col("amount"))
    return settled.select("customer_id", days_late=(pl.col("last_applied") - pl.col("due_date")).dt.total_days())


def kept_rates(history: pl.DataFrame, as_of: dt.date) -> dict[int, float]:
    """Per customer: the share of promised money paid, over promises (and instalments) judged
    by ``as_of``, shrunk towards the ledger's share with PRIOR_WEIGHT pseudo-promises."""
    judged = history.filter(pl.col("resolved_on") <= as_of).with_columns(
        kept=(pl.col("kept_amount").cast(pl.Float64) / pl.col("amount").cast(pl.Float64)).clip(0.0, 1.0)
    )
    overall = float(judged["kept"].mean()) if judged.height else DEFAULT_KEPT_RATE  # type: ignore[arg-type]
    per = judged.group_by("customer_id").agg(kept=pl.col("kept").sum(), n=pl.len())
    rates = {
        int(row["customer_id"]): (row["kept"] + PRIOR_WEIGHT * overall) / (row["n"] + PRIOR_WEIGHT)
        for row in per.iter_rows(named=True)
    }
    rates[-1] = overall  # customers without history
    return rates


def _pools(history: pl.DataFrame) -> tuple[dict[int, np.ndarray], np.ndarray]:
    everyone = np.sort(history["days_late"].to_numpy().astype(np.int64))
    per: dict[int, np.ndarray] = {}
    for (customer,), group in history.group_by(["customer_id"]):
        per[int(customer)] = np.sort(group["days_late"].to_numpy().astype(np.int64))  # type: ignore[call-overload]
    return per, everyone


def _conditional_points(pool: np.ndarray, lateness: int, minimum: int) -> np.ndarray | None:
    """Quantile points of the pool's values later than ``lateness`` (None: fewer than ``minimum``)."""
    start = int(np.searchsorted(pool, lateness, side="right"))
    left = pool[start:]
    if left.size < max(minimum, 1):
        return None
    return np.quantile(left, QUANTILES, method="inverted_cdf").astype(np.int64)


def item_offsets(
    items: pl.DataFrame, history: pl.DataFrame, as_of: dt.date, predicted: pl.DataFrame | None
) -> dict[int, np.ndarray]:
    """Per invoice: days after ``as_of`` (≥ 1) of its equally likely pay-date points; an item
    with no point (later than anything ever paid) is left out."""
    per, everyone = _pools(history)
    centres: dict[int, dt.date] = {}
    if predicted is not None:
        centres = dict(zip(predicted["invoice_id"].to_list(), predicted["expected_pay_date"].to_list(), strict=True))
    offsets: dict[int, np.ndarray] = {}
    for row in items.iter_rows(named=True):
        lateness = int(row["lateness"])
        own = per.get(row["customer_id"])
        points = None if own is None else _conditional_points(own, lateness, MIN_HISTORY)
        if points is None:
            points = _conditional_points(everyone, lateness, 1)
        if points is None:
            continue
        days = points - lateness  # days late − current lateness = days after as_of
        centre = centres.get(row["invoice_id"])
        if centre is not None:
            days = days + ((centre - as_of).days - int(np.median(days)))
        offsets[row["invoice_id"]] = np.maximum(days, 1)
    return offsets


def pay_chances(paid_late: np.ndarray, open_late: np.ndarray, lateness: np.ndarray) -> np.ndarray:
    """P(an item still open at each ``lateness`` is ever paid), Kaplan-Meier over the ledger:
    settlements are events at their days late, items open at the as-of date are censored at
    their current lateness. "Ever" = by the latest lateness anything was paid at. An open item
    is at risk while it could still be paid, so the very late ones that never paid weigh in."""
    if paid_late.size == 0:
        return np.zeros(lateness.size)
    paid, still_open = np.sort(paid_late), np.sort(open_late)
    times = np.unique(paid)
    first = np.searchsorted(paid, times, side="left")
    events = np.searchsorted(paid, times, side="right") - first
    at_risk = (paid.size - first) + (still_open.size - np.searchsorted(still_open, times, side="left"))
    survival = np.cumprod(1.0 - events / at_risk)  # survival just after each event time
    # S(d): survival after the last event time ≤ d (1 before the first).
    at = np.searchsorted(times, lateness, side="right") - 1
    s_d = np.where(at >= 0, survival[np.maximum(at, 0)], 1.0)
    s_end = survival[-1]
    return np.where(s_d > 0, 1.0 - s_end / np.where(s_d > 0, s_d, 1.0), 0.0)  # type: ignore[no-any-return]


def _split(amount: int, parts: int) -> list[int]:
    base, extra = divmod(amount, parts)
    return [base + (1 if k < extra else 0) for k in range(parts)]


def _commitment_rows(
    items: pl.DataFrame, commitments: pl.DataFrame, rates: dict[int, float], as_of: dt.date
) -> list[tuple[int, int, int, float]]:
    """[(invoice_id, offset, committed home amount, probability it is kept)].

    A commitment (in its items' currency) covers its invoices in due-date order, or, naming
    none, the customer's open items in that order; never more than is open (earlier-dated
    commitments first). Each part is converted with its item's home/original ratio (the rate
    of ``as_of``).
    """
    info = {r["invoice_id"]: r for r in items.iter_rows(named=True)}
    by_customer: dict[int, list[int]] = {}
    for r in items.sort("due_date", "invoice_id").iter_rows(named=True):
        by_customer.setdefault(r["customer_id"], []).append(r["invoice_id"])
    used: dict[int, int] = {}  # original minor units already committed per invoice
    rows: list[tuple[int, int, int, float]] = []
    for (_, on, customer_id), group in commitments.sort("on", "commitment_id").group_by(
        ["commitment_id", "on", "customer_id"], maintain_order=True
    ):
        named = [i for i in group["invoice_id"].to_list() if i is not None]
        targets = sorted((i for i in named if i in info), key=lambda i: (info[i]["due_date"], i))
        if not named:
            targets = by_customer.get(int(customer_id), [])  # type: ignore[call-overload]
        left = int(group["amount"].max())  # type: ignore[arg-type]  # one amount per commitment
        offset = max((on - as_of).days, 1)  # type: ignore[operator]
        rate = rates.get(int(customer_id), rates.get(-1, DEFAULT_KEPT_RATE))  # type: ignore[call-overload]
        for invoice_id in targets:
            item = info[invoice_id]
            part = min(left, item["open_original"] - used.get(invoice_id, 0))
            if part <= 0:
                continue
            used[invoice_id] = used.get(invoice_id, 0) + part
            left -= part
            rows.append((invoice_id, offset, item["open_amount"] * part // item["open_original"], rate))
            if left <= 0:
                break
    return rows


def forecast(
    ledger: Ledger,
    as_of: dt.date,
    *,
    weeks: int = DEFAULT_WEEKS,
    predicted: pl.DataFrame | None = None,
    commitments: pl.DataFrame | None = None,
    promise_history: pl.DataFrame | None = None,
) -> Forecast:
    """Expected receipts per day and week for ``weeks`` weeks after ``as_of`` (module doc)."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    items = open_debits(ledger, as_of)
    history = days_late_history(ledger, as_of)
    offsets = item_offsets(items, history, as_of, predicted)
    lateness = items["lateness"].to_numpy().astype(np.int64)
    chance = dict(
        zip(
            items["invoice_id"].to_list(),
            pay_chances(history["days_late"].to_numpy().astype(np.int64), lateness, lateness).tolist(),
            strict=True,
        )
    )
    rates = kept_rates(promise_history if promise_history is not None else pl.DataFrame(schema=PROMISE_HISTORY_SCHEMA), as_of)
    committed = _commitment_rows(
        items, commitments if commitments is not None else pl.DataFrame(schema=COMMITMENTS_SCHEMA), rates, as_of
    )
    horizon = 7 * weeks
    day_amount = np.zeros(horizon + 1, dtype=np.int64)
    week_var = np.zeros(weeks, dtype=np.float64)
    k = len(QUANTILES)
    # Per item, what is not expected through a commitment follows the item's distribution.
    kept_home: dict[int, int] = {}
    for invoice_id, offset, home, rate in committed:
        expected = math.floor(home * rate)
        kept_home[invoice_id] = kept_home.get(invoice_id, 0) + expected
        if offset <= horizon:
            day_amount[offset] += expected
            week_var[(offset - 1) // 7] += float(home) ** 2 * rate * (1 - rate)
    for row in items.iter_rows(named=True):
        points = offsets.get(row["invoice_id"])
        rest = row["open_amount"] - kept_home.get(row["invoice_id"], 0)
        if points is None or rest <= 0:
            continue
        q = chance[row["invoice_id"]]  # (+1e-9 below: 700 × 5/7 is 499.99… in floating point)
        in_week = np.zeros(weeks, dtype=np.int64)
        for offset, amount in zip(points.tolist(), _split(math.floor(rest * q + 1e-9), k), strict=True):
            if offset <= horizon:
                day_amount[offset] += amount
                in_week[(offset - 1) // 7] += 1
        p = q * in_week / k
        week_var += float(rest) ** 2 * p * (1 - p)
    return _assemble(ledger, as_of, weeks, day_amount, week_var, int(items["open_amount"].sum() or 0))


def _assemble(
    ledger: Ledger, as_of: dt.date, weeks: int, day_amount: np.ndarray, week_var: np.ndarray, open_total: int
) -> Forecast:
    out: list[Week] = []
    for w in range(weeks):
        expected = int(day_amount[1 + 7 * w : 8 + 7 * w].sum())
        spread = Z_90 * math.sqrt(float(week_var[w]))
        low = max(0, math.floor(expected - spread))
        high = math.ceil(expected + spread)
        out.append(Week(as_of + dt.timedelta(days=1 + 7 * w), expected, min(low, expected), max(high, expected)))
    days = pl.DataFrame(
        {
            "day": [as_of + dt.timedelta(days=d) for d in range(1, len(day_amount))],
            "expected": day_amount[1:].tolist(),
        },
        schema={"day": pl.Date, "expected": pl.Int64},
    )
    return Forecast(as_of, ledger.home_currency, out, days, open_total)
