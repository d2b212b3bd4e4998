"""From valued customers to today's list: windows, status, ranking, words. Pure, no Django."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from recoup.kernel import localtime
from recoup.kernel.calendar import CONSUMER_HOURS, BusinessHours, call_window, holiday_name, local_time
from recoup.worklist.capacity import Assignment, Caller, Candidate, assign
from recoup.worklist.rules import OBJECTIVES, StrategySpec, choose_objective, exclusion_text, reason_text

UTC_DATETIME = pl.Datetime("us", "UTC")

ENTRY_COLUMNS = (
    "customer_id",
    "strategy_id",
    "status",
    "exclusion",
    "detail",
    "points",
    "cash_at_risk",
    "overdue_amount",
    "open_amount",
    "days_overdue",
    "reasons",
    "objective",
    "objective_text",
    "collector_id",
    "escalated",
    "contact_id",
    "phone",
    "zone",
    "window_start",
    "window_end",
    "predicted_pay_date",
)


# What reason_text, objective_text and the details read from a row.
_TEXT_COLUMNS = frozenset(
    {
        "strategy_id",
        "fired",
        "status",
        "exclusion",
        "next_callback_at",
        "zone",
        "closed",
        "assigned_status",
        "oldest_overdue_days",
        "last_broken_on",
        "last_reached_at",
        "max_p_30",
        "next_due",
        "late_paid_last_year",
        "open_home",
        "credit_limit_home",
        "last_dispute_resolved_on",
        "open_dispute_sla_due",
        "next_instalment_due",
        "disputed_home",
        "disputed_own",
        "disputed_currencies",
        "disputed_currency",
        "open_dispute_home",
        "upcoming_refs",
    }
)

# Carried along for display (CLI, API) but not stored: the entry links to the customer.
DISPLAY_COLUMNS = ("customer_ref", "name", "contact_name")


@dataclass(frozen=True, slots=True)
class WindowAnswer:
    start: dt.datetime | None
    end: dt.datetime | None
    # Why there is no window on the customer's local day (weekend, holiday); "" when there is one.
    closed: str


def window_for(at: dt.datetime, zone: str, hours: BusinessHours, country: str | None, subdivision: str | None) -> WindowAnswer:
    window = call_window(at, zone, hours, country, subdivision)
    if window is not None:
        return WindowAnswer(window.start, window.end, "")
    local_day = local_time(at, zone).date()
    holiday = holiday_name(local_day, country, subdivision) if local_day.weekday() in hours.weekdays else None
    if holiday:
        return WindowAnswer(None, None, f"Public holiday in {country}: {holiday} ({local_day:%a %d %b})")
    return WindowAnswer(None, None, f"Not a calling day locally ({local_day:%A} in {zone})")


def attach_windows(frame: pl.DataFrame, at: dt.datetime, specs: Mapping[int, StrategySpec]) -> pl.DataFrame:
    """``window_start``/``window_end`` (UTC) of each customer's local day containing ``at``,
    and ``closed`` when that day has none. Computed once per distinct zone/country/hours."""
    keys = frame.select("zone", "holiday_country", "subdivision", "is_consumer", "strategy_id").unique()
    rows = []
    for zone, country, subdivision, consumer, strategy_id in keys.iter_rows():
        hours = CONSUMER_HOURS if consumer else specs[strategy_id].hours
        answer = window_for(at, zone, hours, country, subdivision)
        rows.append((zone, country, subdivision, consumer, strategy_id, answer.start, answer.end, answer.closed))
    windows = pl.DataFrame(
        rows,
        schema={
            "zone": pl.String,
            "holiday_country": pl.String,
            "subdivision": pl.String,
            "is_consumer": pl.Boolean,
            "strategy_id": pl.Int64,
            "window_start": UTC_DATETIME,
            "window_end": UTC_DATETIME,
            "closed": pl.String,
        },
        orient="row",
    )
    return frame.join(
        windows, on=["zone", "holiday_country", "subdivision", "is_consumer", "strategy_id"], how="left", nulls_equal=True
    )


def rank(frame: pl.DataFrame) -> pl.DataFrame:
    """Priority = points; ties by cash at risk; then by customer ref so the order is stable."""
    return frame.sort(["points", "cash_at_risk", "customer_ref"], descending=[True, True, False])


def _refs(refs: Sequence[str]) -> str:
    """ "INV-1", "INV-1 and INV-2", "INV-1, INV-2 and INV-3", "INV-1, INV-2, INV-3 and 4 more"."""
    refs = list(refs)
    if len(refs) > 3:
        return f"{', '.join(refs[:3])} and {len(refs) - 3} more"
    if len(refs) > 1:
        return f"{', '.join(refs[:-1])} and {refs[-1]}"
    return refs[0] if refs else ""


def _own_currency(row: Mapping[str, Any]) -> str | None:
    """The one currency every overdue and disputed item of the row is in, else None."""
    codes: set[str] = set()
    for kind in ("overdue", "disputed"):
        count = int(row.get(f"{kind}_currencies") or 0)
        if count > 1:
            return None
        if count == 1 and row.get(f"{kind}_currency"):
            codes.add(str(row[f"{kind}_currency"]))
    return codes.pop() if len(codes) == 1 else None


def objective_text(objective: str, row: Mapping[str, Any], money: Callable[..., str]) -> str:
    """The call's objective in words.

    Every amount in one sentence is in one currency: the items' own when the overdue and
    disputed items share one (what the customer's statement shows), else the home currency.
    """
    code = _own_currency(row)
    suffix = "own" if code else "home"
    overdue = int(row.get(f"overdue_{suffix}") or 0)
    disputed = int(row.get(f"disputed_{suffix}") or 0)
    days = row.get("oldest_overdue_days") or 0
    refs = _refs(row.get("overdue_refs") or [])
    if objective == "secure_date":
        return f"Secure a payment date for {refs}, {money(overdue, code)}, {days} days overdue"
    if objective == "broken_promise":
        return f"Follow up the promise broken on {row['last_broken_on']:%a %d %b}: {money(overdue, code)} overdue"
    if objective == "plan_instalment":
        return f"Confirm the payment-plan instalment due {row['next_instalment_due']:%a %d %b}"
    if objective == "promise_due":
        return "Confirm the payment promised for today is on its way"
    if objective == "dispute_blocker":
        return f"Resolve the dispute blocking {money(disputed, code)}; {money(overdue, code)} undisputed overdue"
    due = row.get("next_due")
    upcoming = _refs(row.get("upcoming_refs") or [])
    when = f" due {due:%a %d %b}" if due else ""
    return f"Preventive reminder: {upcoming}{when}"


def _status(frame: pl.DataFrame) -> pl.DataFrame:
    status = (
        pl.when(pl.col("exclusion").is_not_null())
        .then(pl.lit("excluded"))
        .when(pl.col("window_start").is_null())
        .then(pl.lit("no_window"))
        .when(pl.col("points") <= 0)
        .then(pl.lit("no_points"))
        .otherwise(pl.lit("candidate"))
    )
    return frame.with_columns(status=status)


def _with_assignments(frame: pl.DataFrame, callers: Sequence[Caller], used: Mapping[int, int] | None) -> pl.DataFrame:
    """Who calls each candidate today (capacity.assign), as ``assigned_to`` and ``assigned_status``."""
    candidates = frame.filter(pl.col("status") == "candidate")
    assignments: list[Assignment] = assign(
        [
            Candidate(cid, collector, escalated)
            for cid, collector, escalated in candidates.select("customer_id", "collector_id", "escalated").iter_rows()
        ],
        callers,
        used=used,
    )
    assigned = pl.DataFrame(
        {
            "customer_id": [a.customer_id for a in assignments],
            "assigned_to": [a.collector_id for a in assignments],
            "assigned_status": [a.status for a in assignments],
        },
        schema={"customer_id": pl.Int64, "assigned_to": pl.Int64, "assigned_status": pl.String},
    )
    return frame.join(assigned, on="customer_id", how="left", maintain_order="left")


def _detail(row: Mapping[str, Any], spec: StrategySpec) -> str:
    """Why an entry is not on the list (or is in the pool), in words; empty when it is."""
    status = row["status"]
    if status == "excluded" and row["exclusion"] == "callback" and row.get("next_callback_at"):
        when = localtime.day_and_clock(row["next_callback_at"], row.get("zone") or "UTC")
        return f"A callback is agreed for {when} (the customer's time)"
    if status == "excluded":
        return exclusion_text(row["exclusion"], spec)
    if status == "no_window":
        return str(row["closed"] or "No call window today")
    if status == "no_points":
        return "No valuation rule of the strategy fired"
    if row["assigned_status"] == "over_capacity":
        return "Ranked below the collector's daily capacity"
    if row["assigned_status"] == "pool":
        return "Unassigned: no collector has room today; in the shared pool"
    return ""


def _words(
    frame: pl.DataFrame, specs: Mapping[int, StrategySpec], money: Callable[..., str], as_of: dt.date
) -> dict[str, pl.Series]:
    """Reasons, objective and detail of each entry, in the frame's order."""
    reasons: list[list[str]] = []
    objectives: list[str] = []
    objective_texts: list[str] = []
    details: list[str] = []
    # Only the columns the words read: a dict of every column per row would cost more than the words.
    wanted = [c for c in frame.columns if c in _TEXT_COLUMNS or c.startswith("overdue_")]
    for row in frame.select(wanted).iter_rows(named=True):
        spec = specs[row["strategy_id"]]
        fired = [spec.rules[i] for i in (row["fired"] or [])]
        reasons.append([reason_text(rule, row, money, as_of) for rule in fired])
        disputed = bool(row.get("disputed_home")) or bool(row.get("open_dispute_home"))
        objective = choose_objective({r.kind for r in fired}, overdue=bool(row["overdue_home"]), disputed=disputed)
        objectives.append(objective)
        objective_texts.append(objective_text(objective, row, money))
        details.append(_detail(row, spec))
    return {
        "reasons": pl.Series(reasons, dtype=pl.List(pl.String)),
        "objective": pl.Series(objectives, dtype=pl.String),
        "objective_text": pl.Series(objective_texts, dtype=pl.String),
        "detail": pl.Series(details, dtype=pl.String),
    }


def assemble(
    valued: pl.DataFrame,
    items: pl.DataFrame,
    specs: Mapping[int, StrategySpec],
    *,
    at: dt.datetime,
    as_of: dt.date,
    callers: Sequence[Caller],
    used: Mapping[int, int] | None = None,
    money: Callable[..., str],
) -> pl.DataFrame:
    """The worklist entries (ENTRY_COLUMNS), best first among those on the list.

    ``valued`` is ``rules.valuate``'s output for every strategy group, with ``strategy_id``,
    ``customer_ref``, ``zone``, ``holiday_country``, ``subdivision`` and contact columns.
    """
    # Formatting an amount through babel costs ~20 µs and the words of a full build ask for
    # ~300,000 of them, most repeated (thresholds, limits, the same overdue sum in a reason and
    # the objective): each distinct amount is formatted once per build.
    money = functools.cache(money)
    frame = attach_windows(valued, at, specs)
    overdue = (pl.col("due_date") < as_of) & ~pl.col("disputed")
    upcoming = (pl.col("due_date") >= as_of) & ~pl.col("disputed")
    refs = items.group_by("customer_id").agg(
        overdue_refs=pl.col("invoice_ref").filter(overdue).sort_by(pl.col("open_home").filter(overdue), descending=True),
        upcoming_refs=pl.col("invoice_ref").filter(upcoming).sort_by(pl.col("due_date").filter(upcoming)),
    )
    frame = rank(_status(frame.join(refs, on="customer_id", how="left")))
    frame = _with_assignments(frame, callers, used)
    words = _words(frame, specs, money, as_of)
    final_status = (
        pl.when(pl.col("status") == "candidate").then(pl.col("assigned_status")).otherwise(pl.col("status")).alias("status")
    )
    collector = (
        pl.when(pl.col("status") == "candidate")
        .then(pl.col("assigned_to"))
        .otherwise(pl.col("collector_id"))
        .alias("collector_id")
    )
    return frame.with_columns(
        final_status,
        collector,
        **words,
        exclusion=pl.col("exclusion").fill_null(""),
        overdue_amount=pl.col("overdue_home").fill_null(0),
        open_amount=pl.col("open_home").fill_null(0),
        days_overdue=pl.col("oldest_overdue_days").fill_null(0).cast(pl.Int64),
        cash_at_risk=pl.col("cash_at_risk").fill_null(0),
        phone=pl.col("phone").fill_null(""),
        predicted_pay_date=pl.col("predicted_pay_date"),
    ).select(*ENTRY_COLUMNS, *DISPLAY_COLUMNS)


__all__ = [
    "DISPLAY_COLUMNS",
    "ENTRY_COLUMNS",
    "OBJECTIVES",
    "WindowAnswer",
    "assemble",
    "attach_windows",
    "objective_text",
    "rank",
    "window_for",
]
