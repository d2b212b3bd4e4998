"""What a follow-up run does at an instant: pure, columnar, no Django.

``decide`` takes the facts as frames (one row per open item, one per customer, what each item
has already had, the strategies' steps) and returns what fires now:

- each item's *reached* offset is the largest step offset at or below its days from the due
  date; the steps at that offset fire for the item unless it has had that step, or a step at a
  later offset, already. So an item that passed several steps without any (a first run, an
  import, the end of a pause) gets only the latest, never a backlog, and nothing fires twice;
- items under an open dispute, an open promise not yet due, or an active payment plan are
  paused: they fire nothing and, when the pause ends, get the step they have reached by then;
- a customer on hold for another reason than a credit hold of ours, whose contacts may not be
  contacted, or outside its local business hours (the worklist's call windows, holidays and
  consumer hours) gets nothing this run and is reported with the reason; it waits;
- one message (or action) per customer per step lists every item of the customer at that step.

``as_of`` (the business date) and ``at`` (the instant) are always arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from recoup.kernel.calendar import CONSUMER_HOURS, BusinessHours, is_callable
from recoup.kernel.money import currency_exponent

__all__ = [
    "ACTION_CHANNELS",
    "CHANNELS",
    "CUSTOMER_COLUMNS",
    "FIRED_COLUMNS",
    "ITEM_COLUMNS",
    "MESSAGE_CHANNELS",
    "SKIP_REASONS",
    "STEP_COLUMNS",
    "Decisions",
    "Step",
    "StepProblem",
    "decide",
    "decimal_amount",
    "steps_to_fire",
    "validate_steps",
]

MESSAGE_CHANNELS = ("email", "letter")
ACTION_CHANNELS = ("call_task", "escalate", "credit_hold")
CHANNELS = MESSAGE_CHANNELS + ACTION_CHANNELS

# Why a customer with something due got nothing this run (reported, never silently dropped).
SKIP_REASONS = {
    "on_hold": "the account is on hold or with an agency",
    "do_not_contact": "every contact to write to is marked do-not-contact",
    "outside_hours": "outside the customer's local business hours; waits for the next window",
    "no_email": "no e-mail address for the billing or primary contact",
    "paused_dispute": "every due item is under an open dispute",
    "paused_promise": "every due item is covered by an open promise not yet due",
    "paused_plan": "every due item is in an active payment plan",
}

ITEM_COLUMNS = {
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "due_date": pl.Date,
    "open_amount": pl.Int64,
    "currency": pl.String,
    "disputed": pl.Boolean,
    # The latest promised date of an open promise covering the item (or the whole customer).
    "promised_until": pl.Date,
    "in_plan": pl.Boolean,
}
CUSTOMER_COLUMNS = {
    "customer_id": pl.Int64,
    "customer_ref": pl.String,
    "strategy_id": pl.Int64,
    "status": pl.String,
    "credit_held": pl.Boolean,  # an active credit hold placed by a step
    "is_consumer": pl.Boolean,
    "zone": pl.String,
    "holiday_country": pl.String,
    "subdivision": pl.String,
    "contact_id": pl.Int64,  # the recipient: billing/AP contact, else the primary; null if none
    "contact_name": pl.String,
    "email": pl.String,
    "contact_blocked": pl.Boolean,  # the customer has such contacts but all are do-not-contact
}
FIRED_COLUMNS = {"invoice_id": pl.Int64, "step_key": pl.String, "offset_days": pl.Int64}
STEP_COLUMNS = {
    "strategy_id": pl.Int64,
    "step_id": pl.Int64,
    "step_key": pl.String,
    "label": pl.String,
    "offset_days": pl.Int64,
    "channel": pl.String,
    "template_key": pl.String,
}


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    offset_days: int
    channel: str
    label: str = ""
    template_key: str = ""


def steps_to_fire(days_from_due: int, steps: Sequence[Step], fired: Mapping[str, int]) -> list[Step]:
    """One item's steps now (the scalar form of ``decide``, for tests and the ORM baseline).

    ``fired``: step key → offset it had when it fired, for this item.
    """
    reached = [s.offset_days for s in steps if s.offset_days <= days_from_due]
    if not reached:
        return []
    latest = max(reached)
    if any(offset > latest for offset in fired.values()):
        return []
    return [s for s in steps if s.offset_days == latest and s.key not in fired]


@dataclass(frozen=True)
class Decisions:
    """``fires``: one row per (item, step) that fires; ``groups``: one per (customer, step) with
    the items' ids, refs and totals; ``skipped``: (customer_id, customer_ref, reason)."""

    fires: pl.DataFrame
    groups: pl.DataFrame
    skipped: pl.DataFrame
    stages: dict[str, float] = field(default_factory=dict)


def _reached_offsets(items: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    """``reached``: per item, the largest offset of its strategy's steps at or below its days."""
    parts = []
    for (strategy_id,), group in items.partition_by("strategy_id", as_dict=True, maintain_order=True).items():
        offsets = sorted(set(steps.filter(pl.col("strategy_id") == strategy_id)["offset_days"].to_list()))
        if not offsets:
            continue
        table = pl.Series(offsets, dtype=pl.Int64)
        position = table.search_sorted(group["days"], side="right").cast(pl.Int64)
        reached = table.gather((position - 1).clip(lower_bound=0))
        parts.append(group.with_columns(reached=pl.when(position > 0).then(reached).otherwise(None)))
    if not parts:
        return items.with_columns(reached=pl.lit(None, pl.Int64)).head(0)
    return pl.concat(parts).filter(pl.col("reached").is_not_null())


def _hours_by_customer(customers: pl.DataFrame, at: dt.datetime, hours: Mapping[int, BusinessHours]) -> pl.DataFrame:
    """``in_hours`` per customer, decided once per distinct zone/country/hours (the worklist's rules)."""
    keys = customers.select("zone", "holiday_country", "subdivision", "is_consumer", "strategy_id").unique()
    rows = []
    for zone, country, subdivision, consumer, strategy_id in keys.iter_rows():
        chosen = CONSUMER_HOURS if consumer else hours.get(strategy_id, BusinessHours())
        rows.append((zone, country, subdivision, consumer, strategy_id, is_callable(at, zone, chosen, country, subdivision)))
    table = pl.DataFrame(
        rows,
        schema={
            "zone": pl.String,
            "holiday_country": pl.String,
            "subdivision": pl.String,
            "is_consumer": pl.Boolean,
            "strategy_id": pl.Int64,
            "in_hours": pl.Boolean,
        },
        orient="row",
    )
    on = ["zone", "holiday_country", "subdivision", "is_consumer", "strategy_id"]
    return customers.join(table, on=on, how="left", nulls_equal=True)


def _customer_block(customers: pl.DataFrame) -> pl.Expr:
    """The first reason a customer gets nothing at all this run (null: none)."""
    col = pl.col
    return (
        pl.when(col("status").is_in(["on_hold", "with_agency"]) & ~col("credit_held").fill_null(False))
        .then(pl.lit("on_hold"))
        .when(col("contact_blocked").fill_null(False))
        .then(pl.lit("do_not_contact"))
        .when(~col("in_hours").fill_null(False))
        .then(pl.lit("outside_hours"))
        .otherwise(None)
    )


def decide(
    items: pl.DataFrame,
    customers: pl.DataFrame,
    fired: pl.DataFrame,
    steps: pl.DataFrame,
    *,
    as_of: dt.date,
    at: dt.datetime,
    hours: Mapping[int, BusinessHours],
    locate: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> Decisions:
    """What fires at ``at`` (see the module's docstring). ``hours``: business hours per strategy id.

    ``locate`` adds ``zone``, ``holiday_country`` and ``subdivision`` to the customers that have
    something due and not paused (finding a zone may mean parsing a phone number: only those
    customers need one); without it, ``customers`` already has them."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    col = pl.col
    steps = steps.filter(col("channel").is_in(CHANNELS))
    items = items.join(customers.select("customer_id", "strategy_id"), on="customer_id", how="inner").with_columns(
        days=(pl.lit(as_of) - col("due_date")).dt.total_days().cast(pl.Int64)
    )
    reached = _reached_offsets(items, steps)
    # Per item: the latest offset among what it has had, and the keys it has had.
    had = fired.group_by("invoice_id").agg(had_offset=col("offset_days").max())
    candidates = (
        reached.join(had, on="invoice_id", how="left")
        .filter(col("had_offset").is_null() | (col("had_offset") <= col("reached")))
        .join(steps, left_on=["strategy_id", "reached"], right_on=["strategy_id", "offset_days"], how="inner")
        .join(fired.select("invoice_id", "step_key"), on=["invoice_id", "step_key"], how="anti")
    )
    paused = (
        pl.when(col("disputed").fill_null(False))
        .then(pl.lit("paused_dispute"))
        .when(col("promised_until").is_not_null() & (col("promised_until") >= as_of))
        .then(pl.lit("paused_promise"))
        .when(col("in_plan").fill_null(False))
        .then(pl.lit("paused_plan"))
        .otherwise(None)
    )
    candidates = candidates.with_columns(paused=paused)
    due_customers = candidates.filter(col("paused").is_null()).select("customer_id").unique()
    frame = customers.join(due_customers, on="customer_id", how="semi")
    frame = _hours_by_customer(locate(frame) if locate is not None else frame, at, hours)
    frame = frame.with_columns(block=_customer_block(frame))
    live = candidates.filter(col("paused").is_null()).join(
        frame.select("customer_id", "block", "email", "contact_id", "contact_name", "customer_ref"), on="customer_id"
    )
    no_email = (col("channel") == "email") & (col("email").fill_null("") == "")
    live = live.with_columns(block=pl.when(col("block").is_null() & no_email).then(pl.lit("no_email")).otherwise(col("block")))
    fires = live.filter(col("block").is_null()).drop("block").rename({"reached": "offset_days"})
    fires = fires.sort("customer_id", "step_key", "due_date", "invoice_id")

    blocked = live.filter(col("block").is_not_null()).select("customer_id", "customer_ref", reason=col("block"))
    # A customer whose due items are all paused is reported with the first pause's reason.
    firing_or_blocked = pl.concat([fires.select("customer_id"), blocked.select("customer_id")]).unique()
    all_paused = (
        candidates.join(firing_or_blocked, on="customer_id", how="anti")
        .sort("customer_id", "invoice_id")
        .group_by("customer_id", maintain_order=True)
        .agg(reason=col("paused").drop_nulls().first())
        .join(customers.select("customer_id", "customer_ref"), on="customer_id")
        .select("customer_id", "customer_ref", "reason")
    )
    skipped = pl.concat([blocked.unique(["customer_id", "reason"]), all_paused]).sort("customer_ref", "reason")
    skipped = skipped.unique("customer_id", keep="first", maintain_order=True)
    return Decisions(fires=fires, groups=_groups(fires), skipped=skipped)


def _groups(fires: pl.DataFrame) -> pl.DataFrame:
    """One row per (customer, step): its items and totals per currency (lists in the same order)."""
    col = pl.col
    per_currency = (
        fires.group_by("customer_id", "step_key", "currency")
        .agg(total=col("open_amount").sum())
        .sort("customer_id", "step_key", "currency")
        .group_by("customer_id", "step_key", maintain_order=True)
        .agg(currencies=col("currency"), totals=col("total"))
    )
    groups = fires.group_by("customer_id", "step_key", maintain_order=True).agg(
        col("customer_ref").first(),
        col("step_id").first(),
        col("label").first(),
        col("channel").first(),
        col("template_key").first(),
        col("offset_days").first(),
        col("contact_id").first(),
        col("contact_name").first(),
        col("email").first(),
        invoice_ids=col("invoice_id"),
        invoice_refs=col("invoice_ref"),
    )
    return groups.join(per_currency, on=["customer_id", "step_key"], how="left").sort("customer_ref", "offset_days", "step_key")


def decimal_amount(minor: int, currency: str) -> Decimal:
    """Minor units as the exact decimal amount (the edge: JSON, messages)."""
    return Decimal(int(minor)).scaleb(-currency_exponent(currency))


# --- the step editor's validation --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepProblem:
    where: str
    problem: str


def validate_steps(rows: Sequence[Mapping[str, object]], *, template_keys: frozenset[str]) -> list[StepProblem]:
    """Every problem of a sequence as edited, each named (``where``: "step 2, offset")."""
    problems: list[StepProblem] = []
    seen: dict[str, int] = {}
    slots: dict[tuple[int, str], int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"step {number}"
        key = str(row.get("key") or "").strip()
        if not key:
            problems.append(StepProblem(f"{where}, key", "is required"))
        elif not key.replace("-", "").replace("_", "").isalnum() or not key.isascii() or len(key) > 40:
            problems.append(StepProblem(f"{where}, key", f"{key!r} must be letters, digits, - or _ (at most 40)"))
        elif key in seen:
            problems.append(StepProblem(f"{where}, key", f"{key!r} is already used by step {seen[key]}"))
        else:
            seen[key] = number
        if not str(row.get("label") or "").strip():
            problems.append(StepProblem(f"{where}, label", "is required"))
        offset_text = str(row.get("offset_days") if row.get("offset_days") is not None else "").strip()
        offset: int | None = None
        try:
            offset = int(offset_text)
        except ValueError:
            problems.append(StepProblem(f"{where}, offset", f"{offset_text!r} is not a whole number of days"))
        if offset is not None and not -365 <= offset <= 3650:
            problems.append(StepProblem(f"{where}, offset", f"{offset} must be between -365 and 3650 days"))
        channel = str(row.get("channel") or "")
        if channel not in CHANNELS:
            problems.append(StepProblem(f"{where}, channel", f"{channel!r} is not one of {', '.join(CHANNELS)}"))
        template = str(row.get("template_key") or "").strip()
        if channel in MESSAGE_CHANNELS:
            if not template:
                problems.append(StepProblem(f"{where}, template", f"an {channel} step needs a template"))
            elif template not in template_keys:
                problems.append(
                    StepProblem(
                        f"{where}, template", f"no template {template!r} (known: {', '.join(sorted(template_keys)) or 'none'})"
                    )
                )
        if offset is not None and channel in CHANNELS:
            if (offset, channel) in slots:
                problems.append(StepProblem(where, f"step {slots[(offset, channel)]} already does {channel} at {offset:+d} days"))
            slots.setdefault((offset, channel), number)
        bp = row.get("discount_bp")
        if bp not in (None, "") and not (str(bp).isdigit() and 0 < int(str(bp)) < 10000):
            problems.append(StepProblem(f"{where}, discount", f"{bp!r} must be basis points between 1 and 9999"))
        days = row.get("discount_days")
        if (bp not in (None, "")) != (days not in (None, "")):
            problems.append(StepProblem(f"{where}, discount", "needs both a percentage and a number of days"))
    return problems
