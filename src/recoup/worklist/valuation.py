"""The valuation of customers under a strategy: pure, columnar, no Django.

``valuate`` scores a whole ledger at once from two frames:

- ``items``: one row per open debit item (``customer_id``, ``invoice_id``, ``invoice_ref``,
  ``open_home``, ``due_date``, ``p_30``, ``expected_pay_date``, ``disputed``);
- ``customers``: one row per customer with the facts the rules read (see ``CUSTOMER_FACTS``).

Amounts are integer minor units of the home currency (thresholds too); dates are ``date``;
``as_of`` and ``now`` are always arguments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from recoup.worklist.strategy import RuleSpec, StrategySpec

__all__ = ["CUSTOMER_FACTS", "ITEM_FACTS", "exclusion_columns", "valuate"]


# --- facts ---------------------------------------------------------------------------------

ITEM_FACTS: dict[str, Any] = {
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "open_home": pl.Int64,
    # The item's own amount and currency: what the collector reads out on the call.
    "open_amount": pl.Int64,
    "currency": pl.String,
    "due_date": pl.Date,
    "p_30": pl.Float64,
    "expected_pay_date": pl.Date,
    "disputed": pl.Boolean,
}

# One row per customer. Datetimes are UTC instants; null means "never" / "none".
CUSTOMER_FACTS: dict[str, Any] = {
    "customer_id": pl.Int64,
    "status": pl.String,
    "is_consumer": pl.Boolean,
    "credit_limit_home": pl.Int64,
    "do_not_call": pl.Boolean,  # every contact with a phone number is marked do-not-call
    "open_promise_date": pl.Date,  # earliest promised date among open promises
    "last_broken_on": pl.Date,  # when the latest broken promise was judged
    "broken_promises": pl.Int64,
    "open_dispute_home": pl.Int64,
    "last_dispute_resolved_on": pl.Date,
    "open_dispute_sla_due": pl.Date,  # earliest SLA due date of an open dispute case
    "next_instalment_due": pl.Date,  # earliest open instalment of an active plan
    "late_paid_last_year": pl.Int64,
    "last_reached_at": pl.Datetime("us", "UTC"),
    "last_attempt_at": pl.Datetime("us", "UTC"),
    "last_conversation_at": pl.Datetime("us", "UTC"),
    "calls_last_7_days": pl.Int64,
    "next_callback_at": pl.Datetime("us", "UTC"),  # the earliest callback agreed for later
}


def _customer_item_facts(items: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    overdue = pl.col("due_date") < as_of
    live = ~pl.col("disputed")
    days = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    p = pl.col("p_30").fill_null(1.0)
    return items.group_by("customer_id").agg(
        open_home=pl.col("open_home").sum(),
        overdue_home=pl.col("open_home").filter(overdue & live).sum(),
        disputed_home=pl.col("open_home").filter(pl.col("disputed")).sum(),
        all_disputed=pl.col("disputed").all(),
        oldest_overdue_days=days.filter(overdue & live).max(),
        # Cash at risk: what is overdue times the chance it is still unpaid in 30 days; an item
        # without a prediction counts in full (no model yet means no evidence it will come in).
        cash_at_risk=(pl.col("open_home").filter(overdue & live) * p.filter(overdue & live)).sum().round(0).cast(pl.Int64),
        # Only real predictions: without a model nothing is claimed about risk.
        max_p_30=pl.col("p_30").filter(live).max(),
        next_due=pl.col("due_date").filter(~overdue & live).min(),
        predicted_pay_date=pl.col("expected_pay_date").filter(live).max(),
        overdue_currencies=pl.col("currency").filter(overdue & live).n_unique(),
        overdue_currency=pl.col("currency").filter(overdue & live).first(),
        overdue_own=pl.col("open_amount").filter(overdue & live).sum(),
        disputed_own=pl.col("open_amount").filter(pl.col("disputed")).sum(),
        disputed_currencies=pl.col("currency").filter(pl.col("disputed")).n_unique(),
        disputed_currency=pl.col("currency").filter(pl.col("disputed")).first(),
    )


def _rule_expr(rule: RuleSpec, items: pl.DataFrame, as_of: dt.date) -> tuple[pl.Expr, pl.DataFrame | None]:
    """A boolean expression over the joined customer frame, plus any per-customer frame it needs."""
    col = pl.col
    if rule.kind == "overdue_amount":
        min_days = int(rule.param("min_days"))
        cutoff = as_of - dt.timedelta(days=min_days)
        name = f"overdue_{min_days}d"
        extra = (
            items.filter((col("due_date") <= cutoff) & (col("due_date") < as_of) & ~col("disputed"))
            .group_by("customer_id")
            .agg(col("open_home").sum().alias(name))
        )
        return col(name).fill_null(0) > int(rule.param("min_amount")), extra
    if rule.kind == "oldest_overdue":
        return col("oldest_overdue_days").fill_null(0) >= int(rule.param("min_days")), None
    if rule.kind == "promise_broken":
        since = as_of - dt.timedelta(days=int(rule.param("within_days")))
        return col("last_broken_on").is_not_null() & (col("last_broken_on") >= since), None
    if rule.kind == "promise_due_today":
        return col("open_promise_date").is_not_null() & (col("open_promise_date") == as_of), None
    if rule.kind == "no_contact":
        # Measured in whole days of the as-of date, so the answer does not change during the day.
        cutoff_day = as_of - dt.timedelta(days=int(rule.param("days")))
        last = col("last_reached_at").dt.date()
        return (col("overdue_home") > 0) & (last.is_null() | (last <= cutoff_day)), None
    if rule.kind == "risk":
        return col("max_p_30").fill_null(0.0) > float(rule.param("min_probability")), None
    if rule.kind == "preventive":
        horizon = as_of + dt.timedelta(days=int(rule.param("within_days")))
        return (
            col("next_due").is_not_null()
            & (col("next_due") <= horizon)
            & (col("late_paid_last_year").fill_null(0) >= int(rule.param("min_late")))
        ), None
    if rule.kind == "credit_limit":
        return col("credit_limit_home").is_not_null() & (col("open_home") > col("credit_limit_home")), None
    if rule.kind == "dispute_resolved":
        since = as_of - dt.timedelta(days=int(rule.param("within_days")))
        return col("last_dispute_resolved_on").is_not_null() & (col("last_dispute_resolved_on") >= since), None
    if rule.kind == "dispute_sla_breached":
        return col("open_dispute_sla_due").is_not_null() & (col("open_dispute_sla_due") < as_of), None
    if rule.kind == "instalment_due":
        horizon = as_of + dt.timedelta(days=int(rule.param("within_days")))
        return col("next_instalment_due").is_not_null() & (col("next_instalment_due") <= horizon), None
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def exclusion_columns(spec: StrategySpec, as_of: dt.date, now: dt.datetime) -> list[tuple[str, pl.Expr]]:
    """(code, condition) in the order they are reported; the first that holds is the reason."""
    col = pl.col
    ex = spec.exclusions
    out: list[tuple[str, pl.Expr]] = []
    if ex.on_hold:
        out.append(("on_hold", col("status").is_in(["on_hold", "with_agency"])))
    # Not a strategy's choice: the customer asked to be called at a time, so not before it.
    out.append(("callback", col("next_callback_at").is_not_null() & (col("next_callback_at") > now)))
    if ex.all_disputed:
        out.append(("all_disputed", col("all_disputed")))
    if ex.open_promise:
        out.append(("open_promise", col("open_promise_date").is_not_null() & (col("open_promise_date") > as_of)))
    if ex.contacted_within_days > 0:
        since = as_of - dt.timedelta(days=ex.contacted_within_days)
        out.append(("recently_contacted", col("last_reached_at").dt.date().fill_null(dt.date.min) > since))
    if spec.attempt_spacing_days > 0:
        since = as_of - dt.timedelta(days=spec.attempt_spacing_days)
        out.append(("cadence", col("last_attempt_at").dt.date().fill_null(dt.date.min) > since))
    if ex.do_not_call:
        out.append(("do_not_call", col("do_not_call").fill_null(False)))
    # Regulation F (consumers only): 7 calls in 7 days, or a conversation in the last 7 days.
    week_ago = now - dt.timedelta(days=7)
    out.append(("consumer_7_in_7", col("is_consumer") & (col("calls_last_7_days").fill_null(0) >= 7)))
    out.append(
        (
            "consumer_conversation",
            col("is_consumer") & col("last_conversation_at").is_not_null() & (col("last_conversation_at") > week_ago),
        )
    )
    return out


def valuate(
    items: pl.DataFrame, customers: pl.DataFrame, spec: StrategySpec, *, as_of: dt.date, now: dt.datetime
) -> pl.DataFrame:
    """Points, fired rules, exclusion and escalation per customer with anything open.

    Returns ``customers`` (restricted to those with open debit items) joined with the item
    aggregates, plus ``points``, ``fired`` (list of rule indexes into ``spec.rules``),
    ``exclusion`` (code or null) and ``escalated``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    aggregated = _customer_item_facts(items, as_of)
    frame = aggregated.join(customers, on="customer_id", how="left")
    conditions: list[pl.Expr] = []
    for i, rule in enumerate(spec.rules):
        expr, extra = _rule_expr(rule, items, as_of)
        if extra is not None and extra.columns[-1] not in frame.columns:
            frame = frame.join(extra, on="customer_id", how="left")
        conditions.append(expr.fill_null(False).alias(f"__fired_{i}"))
    if conditions:
        frame = frame.with_columns(conditions)
        fired_cols = [f"__fired_{i}" for i in range(len(spec.rules))]
        points = pl.sum_horizontal(
            [pl.when(pl.col(c)).then(r.points).otherwise(0) for c, r in zip(fired_cols, spec.rules, strict=True)]
        )
        fired = pl.concat_list(
            [pl.when(pl.col(c)).then(pl.lit(i)).otherwise(None) for i, c in enumerate(fired_cols)]
        ).list.drop_nulls()
        frame = frame.with_columns(points=points.cast(pl.Int64), fired=fired)
    else:
        frame = frame.with_columns(points=pl.lit(0, pl.Int64), fired=pl.lit([], pl.List(pl.Int64)))
    exclusion: pl.Expr = pl.lit(None, pl.String)
    for code, cond in reversed(exclusion_columns(spec, as_of, now)):
        exclusion = pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(exclusion)
    esc = spec.escalation
    escalated = pl.lit(False)
    if esc.dispute_amount_over > 0:
        escalated = escalated | (pl.col("open_dispute_home").fill_null(0) > esc.dispute_amount_over)
    if esc.broken_promises > 0:
        escalated = escalated | (pl.col("broken_promises").fill_null(0) >= esc.broken_promises)
    keep = [c for c in frame.columns if not c.startswith("__")]
    return frame.select(keep).with_columns(exclusion=exclusion, escalated=escalated)
