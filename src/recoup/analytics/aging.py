"""Open items and aging as of a date (DESIGN §4).

As-of correctness: an item exists as of D when it was issued (or received) on or before D, and
only allocations applied on or before D reduce it, so aging for a past date equals a replay of the
ledger up to that date, whatever happened afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl

from recoup.analytics.frames import DEBIT_KINDS, Ledger, to_home

__all__ = ["DEFAULT_BUCKETS", "GROUPINGS", "aging", "bucket_names", "open_items"]

DEFAULT_BUCKETS: tuple[int, ...] = (0, 30, 60, 90, 120)
GROUPINGS = ("customer", "collector", "segment", "currency")

OPEN_ITEMS_SCHEMA: dict[str, type[pl.DataType]] = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "kind": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "currency": pl.String,
    "open_amount": pl.Int64,
    "days_past_due": pl.Int64,
}


def _used(allocations: pl.DataFrame, key: str) -> pl.DataFrame:
    return allocations.filter(pl.col(key).is_not_null()).group_by(key).agg(used=pl.col("amount").sum()).rename({key: "id"})


def open_items(ledger: Ledger, as_of: dt.date) -> pl.DataFrame:
    """Everything open at the end of ``as_of``: debits (> 0), unused credit notes and unapplied cash (< 0).

    Columns: id, customer_id, kind ("invoice"|"debit_note"|"credit_note"|"payment"), issue_date
    (received_on for cash), due_date (null for cash), currency, open_amount, days_past_due
    (as_of − due_date; null for credits and cash, which are never "late").
    """
    allocs = ledger.allocations.filter(pl.col("applied_on") <= as_of)
    docs = ledger.invoices.filter(pl.col("issue_date") <= as_of)
    # One pass over the allocations for all three sides of the ledger.
    settled = allocs.group_by("invoice_id").agg(used=pl.col("amount").sum()).rename({"invoice_id": "id"})
    credit_used = _used(allocs, "credit_note_id")
    cash_used = _used(allocs, "payment_id")

    is_debit = pl.col("kind").is_in(DEBIT_KINDS)
    debits = (
        docs.filter(is_debit)
        .join(settled, on="id", how="left")
        .with_columns(open_amount=pl.col("amount") - pl.col("used").fill_null(0))
        .filter(pl.col("open_amount") > 0)
        .with_columns(days_past_due=(pl.lit(as_of) - pl.col("due_date")).dt.total_days())
    )
    credits = (
        docs.filter(pl.col("kind") == "credit_note")
        .join(credit_used, on="id", how="left")
        .with_columns(open_amount=-(pl.col("amount") - pl.col("used").fill_null(0)))
        .filter(pl.col("open_amount") < 0)
        .with_columns(days_past_due=pl.lit(None, dtype=pl.Int64))
    )
    cash = (
        ledger.payments.filter(pl.col("received_on") <= as_of)
        .join(cash_used, on="id", how="left")
        .with_columns(
            open_amount=-(pl.col("amount") - pl.col("used").fill_null(0)),
            kind=pl.lit("payment"),
            issue_date=pl.col("received_on"),
            due_date=pl.lit(None, dtype=pl.Date),
            days_past_due=pl.lit(None, dtype=pl.Int64),
        )
        .filter(pl.col("open_amount") < 0)
    )
    cols = list(OPEN_ITEMS_SCHEMA)
    return pl.concat([frame.select(cols).cast(OPEN_ITEMS_SCHEMA) for frame in (debits, credits, cash)], how="vertical")  # type: ignore[arg-type]


def bucket_names(buckets: tuple[int, ...]) -> list[str]:
    """Column names for the edges: (0, 30, 60) → not_due, d1_30, d31_60, over_60.

    The first bucket holds everything at or below the first edge (including items not yet due),
    so it is "not_due" only when that edge is 0; otherwise "upto_<edge>".
    """
    if not buckets or any(b < 0 for b in buckets) or any(a >= b for a, b in itertools.pairwise(buckets)):
        raise ValueError(f"buckets must be strictly increasing non-negative day counts, got {buckets!r}")
    first = "not_due" if buckets[0] == 0 else f"upto_{buckets[0]}"
    middle = [f"d{lo + 1}_{hi}" for lo, hi in itertools.pairwise(buckets)]
    return [first, *middle, f"over_{buckets[-1]}"]


def _keys(by: str | list[str]) -> list[str]:
    groups = [by] if isinstance(by, str) else list(by)
    unknown = [g for g in groups if g not in GROUPINGS]
    if unknown or not groups:
        raise ValueError(f"by: unknown grouping {unknown or groups!r}, expected some of {GROUPINGS}")
    return list(dict.fromkeys(groups))


def bucket_columns(items: pl.DataFrame, buckets: tuple[int, ...]) -> list[pl.Expr]:
    """Aggregations (for a group_by) splitting ``open_amount`` into the aging columns + credits."""
    names = bucket_names(buckets)
    dpd = pl.col("days_past_due")
    debit = pl.col("kind").is_in(DEBIT_KINDS)
    amount = pl.col("open_amount")
    exprs: list[pl.Expr] = []
    for i, name in enumerate(names):
        # Bucket i holds buckets[i-1] < dpd ≤ buckets[i]; the first has no lower edge, the last no upper.
        cond = debit
        if i > 0:
            cond = cond & (dpd > buckets[i - 1])
        if i < len(buckets):
            cond = cond & (dpd <= buckets[i])
        exprs.append(amount.filter(cond).sum().alias(name))
    exprs.append(amount.filter(~debit).sum().alias("credits"))
    return exprs


def aging(
    ledger: Ledger,
    as_of: dt.date,
    *,
    by: str | list[str] = "customer",
    buckets: tuple[int, ...] = DEFAULT_BUCKETS,
    home: bool = False,
) -> pl.DataFrame:
    """Aging as of ``as_of``: one row per group (and per currency unless ``home``), sorted by the keys.

    Columns: the group keys (``customer`` gives customer_id, customer_ref, name; cash whose payer is
    unknown lands in a null customer row), currency, the buckets, credits (≤ 0: credit notes and
    unapplied cash, kept apart), total = Σ buckets + credits (the open balance). With ``home`` every
    open item is converted at the rate in force on ``as_of`` (rounded once, per item) and summed.
    """
    keys = _keys(by)
    if home and "currency" in keys:
        raise ValueError("by='currency' with home=True would label home-currency amounts with foreign codes")
    names = bucket_names(buckets)
    items = open_items(ledger, as_of)
    if home:
        items = to_home(ledger, items.with_columns(__as_of=pl.lit(as_of)), ["open_amount"], "__as_of").drop("__as_of")
    group = [k for k in keys if k != "customer"]
    needs = [k for k in group if k in ("collector", "segment")]
    if needs:
        items = items.join(ledger.customers.select(pl.col("id").alias("customer_id"), *needs), on="customer_id", how="left")
    if "customer" in keys:
        group.insert(keys.index("customer"), "customer_id")
    if "currency" not in group:
        group.append("currency")
    out = items.group_by(group).agg(bucket_columns(items, buckets))
    if "customer" in keys:
        refs = ledger.customers.select(pl.col("id").alias("customer_id"), "customer_ref", "name")
        out = out.join(refs, on="customer_id", how="left")
        at = group.index("customer_id") + 1
        group = [*group[:at], "customer_ref", "name", *group[at:]]
    amounts = [*names, "credits"]
    out = out.with_columns(pl.col(amounts).fill_null(0).cast(pl.Int64)).with_columns(total=pl.sum_horizontal(amounts))
    keys_only = [g for g in group if g not in ("customer_ref", "name")]
    return out.select(*group, *amounts, "total").sort(keys_only, nulls_last=True)
