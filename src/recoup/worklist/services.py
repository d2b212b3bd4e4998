"""Building and updating today's worklist, and editing strategies.

The full rebuild is columnar: facts for every customer in a few aggregate queries, the
valuation in Polars, entries written in bulk in one transaction. After an activity, promise,
dispute or payment, ``refresh_customer`` runs the same pipeline for that customer alone and
keeps the capacity already taken by everyone else.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from recoup.accounts.models import Role
from recoup.accounts.selectors import active_collectors, is_manager
from recoup.audit.services import record_event
from recoup.database.bulk import insert_frame
from recoup.kernel.calendar import CONSUMER_HOURS, BusinessHours
from recoup.kernel.money import money_formatter
from recoup.ledger.clock import business_date
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_holiday_country, customer_zone
from recoup.promises.models import Promise, PromiseStatus
from recoup.worklist import facts
from recoup.worklist.capacity import Caller
from recoup.worklist.listing import DISPLAY_COLUMNS, assemble
from recoup.worklist.models import EntryStatus, Strategy, Task, WorklistEntry
from recoup.worklist.rules import RULE_KINDS, RuleSpec, StrategySpec, parse_strategy, strategy_to_data, valuate
from recoup.worklist.scheduling import FollowUp, next_follow_up

# The strategy used when the database holds none (a fresh install before the sample
# strategies were loaded): every rule of the catalogue at its default points.
BUILT_IN = StrategySpec(
    rules=tuple(RuleSpec(k.code, k.default_points, {p.name: p.default for p in k.params}) for k in RULE_KINDS.values())
)
BUILT_IN_ID = 0


@dataclass(frozen=True, slots=True)
class BuildResult:
    at: dt.datetime
    as_of: dt.date
    customers: int
    on_list: int
    seconds: float
    stages: dict[str, float]
    # The entries as built (with the display columns), for a caller that prints them.
    entries: pl.DataFrame | None = None


def strategies() -> tuple[dict[int, StrategySpec], dict[str, int], int]:
    """Parsed specs by id, segment → strategy id, and the default strategy's id."""
    specs: dict[int, StrategySpec] = {BUILT_IN_ID: BUILT_IN}
    by_segment: dict[str, int] = {}
    default = BUILT_IN_ID
    for strategy in Strategy.objects.all():
        specs[strategy.pk] = parse_strategy(strategy.definition)
        for segment in strategy.segments or []:
            by_segment.setdefault(str(segment), strategy.pk)
        if strategy.is_default:
            default = strategy.pk
    return specs, by_segment, default


def callers() -> list[Caller]:
    rows = active_collectors().order_by("pk").values_list("pk", "role", "daily_capacity")
    return [Caller(pk, role == Role.SENIOR, capacity) for pk, role, capacity in rows]


def _money(home: str) -> Any:
    def fmt(minor: int, currency: str | None = None) -> str:
        return money_formatter(currency or home, settings.RECOUP_LOCALE)(minor)

    return fmt


def compute(
    *, at: dt.datetime, as_of: dt.date | None = None, customer_id: int | None = None, used: Mapping[int, int] | None = None
) -> tuple[pl.DataFrame, dict[str, float]]:
    """The entries at ``at`` (ENTRY_COLUMNS), without writing anything."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    as_of = as_of or business_date(at)
    stages: dict[str, float] = {}
    clock = time.perf_counter()
    specs, by_segment, default = strategies()
    preventive = [int(r.params["within_days"]) for s in specs.values() for r in s.rules if r.kind == "preventive"]
    loaded = facts.load(as_of=as_of, now=at, customer_id=customer_id, late_within_days=max(preventive) if preventive else None)
    stages["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    customers = facts.resolve_zones(loaded["customers"])
    customers = customers.with_columns(
        strategy_id=pl.col("segment").replace_strict(by_segment, default=default, return_dtype=pl.Int64)
    )
    stages["zones"] = time.perf_counter() - clock
    clock = time.perf_counter()
    items = loaded["items"]
    valued_parts = []
    for strategy_id, group in customers.partition_by("strategy_id", as_dict=True).items():
        sid = int(strategy_id[0])  # type: ignore[call-overload]
        group_items = items.filter(pl.col("customer_id").is_in(group["customer_id"].implode()))
        valued_parts.append(valuate(group_items, group, specs[sid], as_of=as_of, now=at))
    valued = pl.concat(valued_parts, how="diagonal_relaxed") if valued_parts else pl.DataFrame()
    stages["valuate"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if valued.height == 0:
        return pl.DataFrame(), stages
    entries = assemble(valued, items, specs, at=at, as_of=as_of, callers=callers(), used=used, money=_money(loaded["home"]))
    entries = entries.with_columns(
        strategy_id=pl.when(pl.col("strategy_id") == BUILT_IN_ID).then(None).otherwise(pl.col("strategy_id"))
    )
    stages["assemble"] = time.perf_counter() - clock
    return entries, stages


def _table_frame(entries: pl.DataFrame, *, at: dt.datetime, as_of: dt.date, home: str) -> pl.DataFrame:
    import json

    return entries.drop(DISPLAY_COLUMNS, strict=False).with_columns(
        built_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
        as_of=pl.lit(as_of),
        currency=pl.lit(home),
        reasons=pl.Series([json.dumps(r) for r in entries["reasons"].to_list()], dtype=pl.String),
        objective_text=pl.col("objective_text").str.slice(0, 300),
        detail=pl.col("detail").str.slice(0, 300),
    )


def _lock_entries() -> None:
    """Serialise writers of the stored worklist for the rest of the transaction.

    A rebuild replaces every entry while refreshes replace one; on PostgreSQL two of them
    interleaving would insert the same customer twice (seen in the soak test: a refresh between
    the rebuild's delete and its COPY). SQLite's write transactions (BEGIN IMMEDIATE) are
    serialised already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {WorklistEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def rebuild(*, at: dt.datetime, as_of: dt.date | None = None) -> BuildResult:
    """Replace the whole worklist with a fresh build at ``at``: one transaction, all or nothing.

    The build is computed before the write lock is taken (seconds, on a large ledger); an entry
    refreshed meanwhile (a call logged during the build) is newer than what the build saw, so it
    is kept rather than overwritten.
    """
    started = time.perf_counter()
    began = timezone.now()
    as_of = as_of or business_date(at)
    entries, stages = compute(at=at, as_of=as_of)
    clock = time.perf_counter()
    with transaction.atomic():
        _lock_entries()
        newer = list(WorklistEntry.objects.filter(built_at__gt=max(began, at)).values_list("customer_id", flat=True))
        WorklistEntry.objects.exclude(customer_id__in=newer).delete()
        if newer and entries.height:
            entries = entries.filter(~pl.col("customer_id").is_in(newer))
        if entries.height:
            insert_frame(
                connection,
                WorklistEntry._meta.db_table,
                _table_frame(entries, at=at, as_of=as_of, home=settings.RECOUP_HOME_CURRENCY),
            )
    stages["write"] = time.perf_counter() - clock
    on_list = entries.filter(pl.col("status").is_in(["scheduled", "pool"])).height if entries.height else 0
    return BuildResult(at, as_of, entries.height, on_list, time.perf_counter() - started, stages, entries)


def refresh_customer(customer_id: int, *, at: dt.datetime) -> WorklistEntry | None:
    """Recompute one customer's entry at once (after an activity, promise, dispute, payment).

    Capacity already taken by other customers today stays taken; this customer keeps its
    collector when it stays on the list. Without a prior full build today it still works:
    the entry is computed against whatever capacity the stored list uses.
    """
    as_of = business_date(at)
    with transaction.atomic():
        _lock_entries()
        # Lock this customer's entry: two refreshes of one customer must not interleave.
        list(WorklistEntry.objects.select_for_update().filter(customer_id=customer_id).values_list("pk", flat=True))
        taken = (
            WorklistEntry.objects.filter(status=EntryStatus.SCHEDULED, collector__isnull=False)
            .exclude(customer_id=customer_id)
            .values("collector_id")
            .annotate(n=Count("id"))
        )
        used: dict[int, int] = {row["collector_id"]: row["n"] for row in taken}
        # This customer's own slot is not counted above, so keeping it on its list cannot fail for lack of room.
        entries, _ = compute(at=at, as_of=as_of, customer_id=customer_id, used=used)
        WorklistEntry.objects.filter(customer_id=customer_id).delete()
        if entries.height == 0:
            return None
        insert_frame(
            connection,
            WorklistEntry._meta.db_table,
            _table_frame(entries, at=at, as_of=as_of, home=settings.RECOUP_HOME_CURRENCY),
        )
    return WorklistEntry.objects.get(customer_id=customer_id)


def save_strategy(
    *,
    actor: Any,
    name: str,
    definition: Mapping[str, Any],
    segments: list[str],
    is_default: bool,
    description: str = "",
    strategy: Strategy | None = None,
    now: dt.datetime,
) -> Strategy:
    """Create or change a strategy; refuses (StrategyError) anything parse_strategy refuses."""
    spec = parse_strategy(definition)
    data = strategy_to_data(spec)
    with transaction.atomic():
        before = None
        if strategy is None:
            strategy = Strategy(name=name)
        else:
            before = {
                "name": strategy.name,
                "segments": strategy.segments,
                "is_default": strategy.is_default,
                "definition": strategy.definition,
            }
        if is_default:
            Strategy.objects.filter(is_default=True).exclude(pk=strategy.pk).update(is_default=False)
        strategy.name = name
        strategy.description = description
        strategy.definition = data
        strategy.segments = sorted({s.strip() for s in segments if s.strip()})
        strategy.is_default = is_default
        strategy.updated_by = actor if getattr(actor, "pk", None) else None
        strategy.save()
        record_event(
            actor=actor,
            action="strategy.update" if before else "strategy.create",
            obj=strategy,
            before=before,
            after={"name": strategy.name, "segments": strategy.segments, "is_default": strategy.is_default, "definition": data},
            at=now,
        )
    return strategy


# Follow-up tasks: what a user must do next for a customer, and when (in the customer's hours).


def strategy_for(customer: Customer) -> StrategySpec:
    """The strategy that serves the customer's segment (else the default one)."""
    specs, by_segment, default = strategies()
    return specs[by_segment.get(customer.segment, default)]


def hours_for(customer: Customer) -> BusinessHours:
    """The customer's calling hours: consumer hours, or those of the customer's strategy."""
    if customer.is_consumer:
        return CONSUMER_HOURS
    return strategy_for(customer).hours


def schedule_follow_up(
    user: Any,
    customer: Customer,
    follow: FollowUp | None,
    *,
    zone: str,
    at: dt.datetime,
    activity: Any = None,
    promise: Any = None,
    dispute: Any = None,
) -> Task | None:
    """Create the task ``follow`` asks for (``None``: nothing to follow up)."""
    if follow is None:
        return None
    task = Task.objects.create(
        user=user,
        customer=customer,
        kind=follow.kind,
        due_at=follow.due_at,
        zone=zone,
        title=follow.title,
        created_at=at,
        activity=activity,
        promise=promise,
        dispute=dispute,
    )
    customers_changed([customer.pk], kind="task")
    return task


def close_due_calls(customer: Customer, at: dt.datetime) -> int:
    """A call made closes the open call, callback and review tasks for this customer that were due."""
    return Task.objects.filter(
        customer=customer,
        status=Task.Status.OPEN,
        kind__in=[Task.Kind.CALL, Task.Kind.CALLBACK, Task.Kind.REVIEW],
        due_at__lte=at,
    ).update(status=Task.Status.DONE, done_at=at)


class TaskError(ValueError):
    """Why a task cannot be changed, in words."""


def complete_task(*, actor: Any, task: Task, at: dt.datetime) -> Task:
    if task.user_id != actor.pk and not is_manager(actor):
        raise TaskError("This task belongs to someone else")
    with transaction.atomic():
        task.status = Task.Status.DONE
        task.done_at = at
        task.save(update_fields=["status", "done_at"])
        customers_changed([task.customer_id], kind="task")
    return task


def hand_over_tasks(customer: Customer, collector: Any) -> int:
    """The customer's open follow-ups go to ``collector`` (after a reassignment), so nothing is dropped."""
    return Task.objects.filter(customer=customer, status=Task.Status.OPEN).exclude(user=collector).update(user=collector)


def follow_up_broken_promises(*, now: dt.datetime) -> int:
    """Broken promises without a follow-up get one: a call to the customer in the next window."""
    created = 0
    for promise in (
        Promise.objects.filter(status=PromiseStatus.BROKEN)
        .exclude(tasks__kind=Task.Kind.CALL)
        .select_related("customer", "created_by")
    ):
        customer = promise.customer
        user = customer.collector or promise.created_by
        if user is None:
            continue
        zone = customer_zone(customer).zone
        follow = next_follow_up(
            "no_answer", at=now, zone=zone, hours=hours_for(customer), country=customer_holiday_country(customer)
        )
        if follow is None:
            continue
        follow = FollowUp("call", follow.due_at, f"Follow up the promise broken on {promise.resolved_on:%d %b}")
        with transaction.atomic():
            schedule_follow_up(user, customer, follow, zone=zone, at=now, promise=promise)
        created += 1
    return created
