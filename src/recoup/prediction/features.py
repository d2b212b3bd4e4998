"""Features known at prediction time, and the outcomes they are trained on (pure: no Django).

Time convention. A prediction "at t" is made at the start of day t: it knows every fact dated
*before* t (allocations applied < t) and the invoices issued on or before t (an invoice issued on
t is being predicted on the day it is issued). Nothing dated t or later is read, which is what the
leakage test (tests/prediction/test_leakage.py) checks.

Customer behaviour (recoup.analytics.behaviour) is the costly part. It is computed once per week,
as of the Sunday before the Monday of t's week (``behaviour_date``), and shared by every
prediction made during that week: so the behaviour is at most 7 days stale and never includes
day t itself (an invoice settled on the day it was issued would otherwise describe itself).

Settlement: the date an invoice's allocations first add up to its amount (the open amount reached
0). Targets, for a prediction at t: ``days`` = settlement − t, ``late`` = settlement > due date,
``over_7`` / ``over_30`` = not settled within 7 / 30 days of t.

Censoring: invoices still open at the training cut-off are training examples too, for what is
already known about them (``_known_outcomes``): leaving them out would drop the slowest payers and
the never-paid from the training set and bias every prediction towards faster payment.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from recoup.analytics.behaviour import behaviour_features
from recoup.analytics.frames import DEBIT_KINDS, Ledger, MissingRate

__all__ = [
    "BEHAVIOUR_COLUMNS",
    "CATEGORICAL",
    "MAX_EXAMPLES",
    "NUMERIC",
    "Attributes",
    "Mode",
    "attribute_frame",
    "behaviour_date",
    "issue_rows",
    "prediction_rows",
    "settlement_dates",
    "snapshot_rows",
    "training_examples",
]

Mode = Literal["issue", "open"]

# Behaviour columns taken from recoup.analytics.behaviour (amounts become log1p below).
BEHAVIOUR_COLUMNS = (
    "invoices_paid",
    "avg_days_late",
    "weighted_recent_days_late",
    "days_late_trend",
    "share_paid_late",
    "avg_days_to_pay",
    "largest_overdue_age",
    "partial_payment_share",
    "broken_promise_count",
    "dispute_count",
)
NUMERIC = (
    "log_amount",
    "terms_days",
    "days_to_due",
    "age_days",
    "paid_share",
    "issue_month",
    "issue_weekday",
    "due_month",
    "log_open_exposure",
    "log_overdue_exposure",
    *BEHAVIOUR_COLUMNS,
)
# Always present; attribute columns are added after these when the caller supplies them.
CATEGORICAL = ("kind", "currency", "segment")
WEEK = 7


@dataclass(frozen=True, eq=False)
class Attributes:
    """Optional descriptive columns the Ledger frames do not carry (read by the Django side).

    ``customers``: ``customer_id`` plus string columns (country, imported extra columns);
    ``invoices``: ``invoice_id`` plus string columns. They are current values, not history: an
    attribute set after the fact (a "disputed" flag) can leak, docs/prediction.md says so.
    """

    customers: pl.DataFrame | None = None
    invoices: pl.DataFrame | None = None

    def columns(self) -> list[str]:
        cols: list[str] = []
        for frame, key in ((self.customers, "customer_id"), (self.invoices, "invoice_id")):
            if frame is not None:
                cols += [c for c in frame.columns if c != key and c not in cols]
        return cols


# An attribute is a usable category when it has a few distinct values: free text and references
# (PO numbers, descriptions) would only let the trees memorise individual invoices.
MAX_ATTRIBUTE_LEVELS = 50


def attribute_frame(key: str, ids: list[int], values: list[dict[str, object]], *, prefix: str) -> pl.DataFrame | None:
    """``key`` plus one String column per attribute name that makes a usable category
    (2 to ``MAX_ATTRIBUTE_LEVELS`` distinct values), named ``prefix + name``; None when none does."""
    names = sorted({name for value in values for name in (value or {})})
    columns: dict[str, list[str | None]] = {}
    for name in names:
        column = [None if not value or value.get(name) in (None, "") else str(value[name]) for value in values]
        levels = {v for v in column if v is not None}
        if 2 <= len(levels) <= MAX_ATTRIBUTE_LEVELS:
            columns[prefix + name] = column
    if not columns:
        return None
    return pl.DataFrame({key: ids, **columns}, schema={key: pl.Int64, **dict.fromkeys(columns, pl.String)})


def behaviour_date(t: pl.Expr) -> pl.Expr:
    """The day whose end the behaviour features describe: the Sunday before t's ISO week."""
    # Polars numbers Monday 1 … Sunday 7, so t − weekday is the Sunday before t's Monday.
    return t - pl.duration(days=t.dt.weekday())


def settlement_dates(ledger: Ledger) -> pl.DataFrame:
    """Invoices and debit notes with ``settled_on`` (null while open), from all allocations.

    Only ever used for outcomes (targets, test-set selection); features read allocations < t.
    """
    debits = ledger.invoices.filter(pl.col("kind").is_in(DEBIT_KINDS))
    cum = (
        ledger.allocations.filter(pl.col("invoice_id").is_not_null())
        .select("invoice_id", "applied_on", "amount")
        .sort("invoice_id", "applied_on")
        .with_columns(cum=pl.col("amount").cum_sum().over("invoice_id"))
        .join(debits.select(pl.col("id").alias("invoice_id"), pl.col("amount").alias("due_amount")), on="invoice_id")
        .filter(pl.col("cum") >= pl.col("due_amount"))
        .group_by("invoice_id")
        .agg(settled_on=pl.col("applied_on").min())
    )
    return debits.join(cum, left_on="id", right_on="invoice_id", how="left")


def _behaviour(ledger: Ledger, as_of: dt.date) -> pl.DataFrame:
    """Behaviour as of ``as_of``, exposure in log units.

    Exposure adds a customer's open items, so it needs one currency: converted at FX rates when
    some customer has items in another currency, and left null when no rates allow it (the
    history columns do not depend on currency and are kept).
    """
    exposure_known = True
    try:
        frame = behaviour_features(ledger, as_of)
    except ValueError:
        try:
            frame = behaviour_features(ledger, as_of, home=True)
        except MissingRate:
            # Relabel every item with its customer's currency only to get the history columns.
            own = ledger.customers.select(pl.col("id").alias("customer_id"), pl.col("currency").alias("__own"))
            relabelled = ledger.invoices.join(own, on="customer_id", how="left").with_columns(
                currency=pl.coalesce("__own", "currency")
            )
            frame = behaviour_features(
                Ledger(relabelled.drop("__own"), ledger.allocations, ledger.payments, ledger.customers), as_of
            )
            exposure_known = False
    exposure = [
        pl.col("open_amount").cast(pl.Float64).log1p().alias("log_open_exposure"),
        pl.col("overdue_amount").cast(pl.Float64).log1p().alias("log_overdue_exposure"),
    ]
    if not exposure_known:
        exposure = [pl.lit(None, dtype=pl.Float64).alias(e.meta.output_name()) for e in exposure]
    return frame.select("customer_id", *BEHAVIOUR_COLUMNS, *exposure)


def _uncached(ledger: Ledger, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """Run ``compute`` and drop the per-date entries it left in the ledger's cache.

    recoup.analytics caches a whole-ledger frame per date (the settlements as of that date); kept
    for the 20-odd dates of a training set of millions of invoices they would hold gigabytes that
    no later call reads. The all-time totals, which every date reuses, stay.
    """
    cache = ledger._cache  # no public eviction in recoup.analytics.frames; this reads its own field
    before = set(cache)
    try:
        return compute()
    finally:
        for key in [k for k in cache if k not in before and k != "totals"]:
            del cache[key]


def _with_behaviour(ledger: Ledger, rows: pl.DataFrame) -> pl.DataFrame:
    """Join each row (customer_id, at) with its customer's behaviour as of ``behaviour_date(at)``."""
    rows = rows.with_columns(behaviour_on=behaviour_date(pl.col("at")))
    dates = sorted(rows["behaviour_on"].unique().to_list())
    parts = [
        _uncached(ledger, functools.partial(_behaviour, ledger, d)).with_columns(behaviour_on=pl.lit(d, dtype=pl.Date))
        for d in dates
    ]
    if not parts:
        return rows.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c) for c in (*BEHAVIOUR_COLUMNS, "log_open_exposure", "log_overdue_exposure")
        )
    table = pl.concat(parts, how="vertical_relaxed")
    return rows.join(table, on=["customer_id", "behaviour_on"], how="left")


def _invoice_features(ledger: Ledger, rows: pl.DataFrame, attributes: Attributes | None) -> pl.DataFrame:
    """Add everything else known at ``at``: the invoice itself, what was paid on it before ``at``."""
    paid = (
        rows.select("invoice_id", "at")
        .join(ledger.allocations.select("invoice_id", "applied_on", "amount"), on="invoice_id", how="inner")
        .filter(pl.col("applied_on") < pl.col("at"))
        .group_by("invoice_id", "at")
        .agg(paid_before=pl.col("amount").sum())
    )
    segment = ledger.customers.select(pl.col("id").alias("customer_id"), "segment")
    out = (
        rows.join(paid, on=["invoice_id", "at"], how="left")
        .join(segment, on="customer_id", how="left")
        .with_columns(paid_before=pl.col("paid_before").fill_null(0))
        .with_columns(
            open_amount=pl.col("amount") - pl.col("paid_before"),
            log_amount=pl.col("amount").cast(pl.Float64).log1p(),
            terms_days=(pl.col("due_date") - pl.col("issue_date")).dt.total_days(),
            days_to_due=(pl.col("due_date") - pl.col("at")).dt.total_days(),
            age_days=(pl.col("at") - pl.col("issue_date")).dt.total_days(),
            paid_share=pl.col("paid_before") / pl.col("amount"),
            issue_month=pl.col("issue_date").dt.month(),
            issue_weekday=pl.col("issue_date").dt.weekday(),
            due_month=pl.col("due_date").dt.month(),
        )
    )
    if attributes is not None:
        if attributes.customers is not None:
            out = out.join(attributes.customers, on="customer_id", how="left")
        if attributes.invoices is not None:
            out = out.join(attributes.invoices, on="invoice_id", how="left")
    return _with_behaviour(ledger, out)


def _outcomes(frame: pl.DataFrame) -> pl.DataFrame:
    days = (pl.col("settled_on") - pl.col("at")).dt.total_days()
    return frame.with_columns(
        days=days,
        late=pl.col("settled_on") > pl.col("due_date"),
        over_7=days > 7,
        over_30=days > 30,
    )


def _base(settled: pl.DataFrame) -> pl.DataFrame:
    return settled.select(
        pl.col("id").alias("invoice_id"), "customer_id", "kind", "issue_date", "due_date", "currency", "amount", "settled_on"
    )


def _snapshot_index(base: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """(invoice_id, at) for every snapshot ``at = start + 7k`` (< ``end``) at which the invoice is
    open: issued on or before it and not settled before it.

    Each invoice's run of snapshot numbers is computed from its own dates and exploded, so the
    cost follows the rows produced (a cross join with every week would build invoices × weeks
    rows first: 400 million on a two-year ledger of 4 million invoices).
    """
    origin = pl.lit(start, dtype=pl.Date)
    # First snapshot on or after the issue date; last one before end and on or before settlement.
    first = ((pl.col("issue_date") - origin).dt.total_days().clip(lower_bound=0) + WEEK - 1) // WEEK
    stop = pl.min_horizontal(pl.lit(end, dtype=pl.Date), pl.col("settled_on") + pl.duration(days=1))
    last = ((stop - origin).dt.total_days() + WEEK - 1) // WEEK  # exclusive
    return (
        base.select("invoice_id", k=pl.int_ranges(first, pl.max_horizontal(first, last), dtype=pl.Int32))
        .explode("k")
        .drop_nulls("k")
        .select("invoice_id", at=origin + pl.duration(days=pl.col("k") * WEEK))
    )


def _weekly_snapshots(base: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """``base`` rows repeated for every weekly snapshot at which they are open (see ``_snapshot_index``)."""
    return _snapshot_index(base, start, end).join(base, on="invoice_id", how="left").select(*base.columns, "at")


# Large ledgers: at most this many training examples, drawn from about this many weeks of
# prediction dates (see ``_subsample``). Gradient-boosted trees of 100 rounds and 31 leaves learn
# little more from 40 million rows than from under a million (docs/prediction.md "Scale" has the
# evidence), while fitting time grows with the rows (about 50 µs a row on one core, for the five
# fits) and the behaviour features cost one pass over the ledger per week.
# 500k rows from 13 weeks keeps training on 4M settled invoices well inside the 120 s budget even
# when other work holds both cores of a small shared machine (at 750k rows and 26 weeks it took
# 120 s there under a load average of 5).
MAX_EXAMPLES = 500_000
MAX_WEEKS = 13
# Days after a prediction before its days-to-settlement target is used in training (_known_outcomes).
# 60 rather than 30: on the demo backtest it gave the better cash forecast for the same MAE cost.
DAYS_WINDOW = 60


def _keep_share(frame: pl.DataFrame, share: float) -> pl.Series:
    """A deterministic pseudo-random ``share`` of the rows, chosen by (invoice_id, at) only.

    SplitMix64 on the pair (numpy integer arithmetic wraps, as the hash needs): the same rows
    are kept on every run, platform and library version, and whether a row is kept never depends
    on any other row.
    """
    with np.errstate(over="ignore"):
        z = frame["invoice_id"].to_numpy().astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z ^= frame["at"].cast(pl.Int32).to_numpy().astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return pl.Series((z >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share)


def _subsample(rows: pl.DataFrame, cutoff: dt.date, max_examples: int | None) -> pl.DataFrame:
    """At most about ``max_examples`` of ``rows`` (invoice_id, at), deterministically.

    First whole weeks: every k-th week of behaviour dates counted back from the cut-off's (so the
    latest week is always kept and at least ``MAX_WEEKS`` weeks remain spread over the history);
    then, if still too many, a fixed pseudo-random share of the rows of those weeks. The choice
    depends on the cut-off and on the candidate rows only, which are all settled before it, so
    it cannot let the future in. Small ledgers (the demo) are never sampled.
    """
    if max_examples is None or rows.height <= max_examples:
        return rows
    last_day = cutoff - dt.timedelta(days=1)  # the last day a training example can be predicted at
    latest = last_day - dt.timedelta(days=last_day.isoweekday())
    week_no = (pl.lit(latest, dtype=pl.Date) - behaviour_date(pl.col("at"))).dt.total_days() // WEEK
    weeks = int(rows.select(week_no.max()).item()) + 1
    step = max(1, min(math.ceil(rows.height / max_examples), weeks // MAX_WEEKS))
    kept = rows.filter(week_no % step == 0)
    if kept.height > max_examples:
        kept = kept.filter(_keep_share(kept, max_examples / kept.height))
    return kept


def training_examples(
    ledger: Ledger,
    *,
    cutoff: dt.date,
    mode: Mode,
    attributes: Attributes | None = None,
    max_examples: int | None = MAX_EXAMPLES,
) -> pl.DataFrame:
    """Examples whose outcome was known before ``cutoff``, with features as of their prediction time.

    ``issue``: one row per invoice settled before ``cutoff``, predicted at its issue date.
    ``open``: those rows plus one per weekly snapshot (Mondays) while the invoice was open, so the
    model learns how an invoice that is already some weeks old behaves. Beyond ``max_examples``
    candidate rows a deterministic sample is kept (``_subsample``), chosen before any feature is
    computed so that memory and time follow the sample, not the ledger.
    """
    if mode not in ("issue", "open"):
        raise ValueError(f"mode must be 'issue' or 'open', not {mode!r}")
    debits = settlement_dates(ledger).filter(pl.col("issue_date") < cutoff)
    # Not settled before the cut-off: censored. A later settlement, if the ledger holds one, was not
    # known at the cut-off and is dropped; _known_outcomes says what is known about them anyway.
    base = _base(debits.with_columns(settled_on=pl.when(pl.col("settled_on") < cutoff).then(pl.col("settled_on"))))
    index = base.select("invoice_id", at=pl.col("issue_date"))
    if mode == "open" and base.height:
        first = base["issue_date"].min()
        assert isinstance(first, dt.date)
        monday = first - dt.timedelta(days=first.weekday())
        later = _snapshot_index(base, monday, cutoff).join(base.select("invoice_id", "issue_date"), on="invoice_id")
        index = pl.concat([index, later.filter(pl.col("at") > pl.col("issue_date")).select(index.columns)], how="vertical")
    index = _subsample(index, cutoff, max_examples)
    rows = index.join(base, on="invoice_id", how="left").select(*base.columns, "at")
    return _known_outcomes(_outcomes(_invoice_features(ledger, rows, attributes)), cutoff).sort("at", "invoice_id")


def _known_outcomes(frame: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """Each target as far as it is known at ``cutoff``; null where it is not (that row then does
    not train that target).

    A target is kept only where it is known for *every* invoice, paid or not, so that the slow
    payers are not missing from the recent examples: "not paid within H days" of a prediction at t
    once t + H < cutoff (an invoice still open then is a known "yes"); "paid after the due date"
    once the due date has passed (still open: "yes"). ``days`` (the regressor's target) uses the
    same rule with a ``DAYS_WINDOW``-day window: a prediction at least that old enters with its
    true days if paid, and with days = cutoff − t, a lower bound, if still open. Every invoice of
    the same t that was paid, was paid sooner than that, so the censored ones sort above all of
    them and the median the regressor estimates is exact wherever fewer than half were still open.
    """
    censored = pl.col("settled_on").is_null()
    left = (pl.lit(cutoff, dtype=pl.Date) - pl.col("at")).dt.total_days()  # days from t to the cut-off
    known = {name: left > horizon for name, horizon in (("over_7", 7), ("over_30", 30))}
    return frame.with_columns(
        days=pl.when(left > DAYS_WINDOW).then(pl.when(censored).then(left).otherwise(pl.col("days"))),
        late=pl.when(pl.col("due_date") < cutoff).then(pl.col("late").fill_null(True)),
        **{name: pl.when(ok).then(pl.col(name).fill_null(True)) for name, ok in known.items()},
        censored=censored,
    )


def issue_rows(ledger: Ledger, *, issued_from: dt.date, attributes: Attributes | None = None) -> pl.DataFrame:
    """Invoices issued on or after ``issued_from``, predicted at their issue date, with outcomes
    (null while unsettled). For the issue-mode backtest."""
    base = _base(settlement_dates(ledger)).filter(pl.col("issue_date") >= issued_from)
    return _outcomes(_invoice_features(ledger, base.with_columns(at=pl.col("issue_date")), attributes)).sort("invoice_id")


def prediction_rows(ledger: Ledger, *, at: dt.date, attributes: Attributes | None = None) -> pl.DataFrame:
    """Every invoice and debit note open at the start of ``at`` (issued ≤ ``at``, not settled by
    allocations dated before it), with its features. Reads nothing dated ``at`` or later."""
    debits = ledger.invoices.filter(pl.col("kind").is_in(DEBIT_KINDS) & (pl.col("issue_date") <= at))
    rows = debits.select(
        pl.col("id").alias("invoice_id"), "customer_id", "kind", "issue_date", "due_date", "currency", "amount"
    ).with_columns(at=pl.lit(at, dtype=pl.Date))
    out = _invoice_features(ledger, rows, attributes).filter(pl.col("open_amount") > 0)
    return out.sort("invoice_id")


def snapshot_rows(ledger: Ledger, *, start: dt.date, end: dt.date, attributes: Attributes | None = None) -> pl.DataFrame:
    """Invoices open at each weekly snapshot ``start + 7k`` (< ``end``), with features and outcomes
    (outcomes are null for invoices never settled). For the open-mode backtest."""
    base = _base(settlement_dates(ledger))
    rows = _weekly_snapshots(base, start, end)
    return _outcomes(_invoice_features(ledger, rows, attributes).filter(pl.col("open_amount") > 0)).sort("at", "invoice_id")
