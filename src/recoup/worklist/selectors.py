"""Reading today's worklist: a collector's list, callable-now filtering, and "why not"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from recoup.accounts.selectors import sees_whole_team
from recoup.ledger.models import Customer
from recoup.worklist.models import ON_LIST, EntryStatus, Strategy, WorklistEntry


def entries(
    *, collector: Any = None, callable_at: dt.datetime | None = None, include_pool: bool = True
) -> QuerySet[WorklistEntry]:
    """Entries on today's list, best first; one collector's (plus the shared pool) when given."""
    qs = WorklistEntry.objects.filter(status__in=ON_LIST).select_related("customer", "contact", "collector")
    if collector is not None:
        mine = Q(collector=collector, status=EntryStatus.SCHEDULED)
        qs = qs.filter(mine | Q(status=EntryStatus.POOL)) if include_pool else qs.filter(mine)
    if callable_at is not None:
        qs = qs.filter(window_start__lte=callable_at, window_end__gt=callable_at)
    return qs.order_by("-points", "-cash_at_risk", "customer__customer_ref")


def visible_entries(user: Any, *, callable_at: dt.datetime | None = None) -> QuerySet[WorklistEntry]:
    """What ``user`` may see: a collector their own list and the pool; seniors and managers all."""
    if not sees_whole_team(user):
        return entries(collector=user, callable_at=callable_at)
    return entries(callable_at=callable_at)


@dataclass(frozen=True, slots=True)
class WhyNot:
    customer: Customer
    on_list: bool
    status: str
    explanation: str
    entry: WorklistEntry | None


def why_not(customer: Customer, *, at: dt.datetime | None = None) -> WhyNot:
    """Why a customer is (not) on today's list, in words."""
    entry = WorklistEntry.objects.filter(customer=customer).select_related("collector").first()
    if entry is None:
        return WhyNot(
            customer, False, "nothing_open", "Nothing is open on this account, so there is nothing to call about.", None
        )
    if entry.status in ON_LIST:
        who = entry.collector.email if entry.collector else "the shared pool"
        text = f"On today's list ({who}) with {entry.points} points."
        if at is not None and entry.window_start and entry.window_end and not (entry.window_start <= at < entry.window_end):
            window = f"{entry.window_start:%H:%M}–{entry.window_end:%H:%M} UTC"
            text += f" Not callable at {at:%H:%M} UTC: the customer's window is {window}."
        return WhyNot(customer, True, entry.status, text, entry)
    return WhyNot(customer, False, entry.status, entry.detail or entry.get_status_display(), entry)


def entry_json(entry: WorklistEntry, *, at: dt.datetime | None = None) -> dict[str, Any]:
    customer = entry.customer
    callable_now = None
    if at is not None:
        callable_now = bool(entry.window_start and entry.window_end and entry.window_start <= at < entry.window_end)
    return {
        "customer_ref": customer.customer_ref,
        "customer": customer.name,
        "status": entry.status,
        "collector": entry.collector.email if entry.collector else None,
        "escalated": entry.escalated,
        "points": entry.points,
        "cash_at_risk": entry.cash_at_risk,
        "overdue_amount": entry.overdue_amount,
        "currency": entry.currency,
        "days_overdue": entry.days_overdue,
        "objective": entry.objective,
        "objective_text": entry.objective_text,
        "reasons": entry.reasons,
        "contact": entry.contact.name if entry.contact else None,
        "phone": entry.phone or None,
        "zone": entry.zone,
        "local_time": at.astimezone(_zone(entry.zone)).isoformat() if at is not None else None,
        "window_start": entry.window_start.isoformat() if entry.window_start else None,
        "window_end": entry.window_end.isoformat() if entry.window_end else None,
        "callable_now": callable_now,
        "predicted_pay_date": entry.predicted_pay_date.isoformat() if entry.predicted_pay_date else None,
    }


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def last_build() -> dt.datetime | None:
    """When the stored worklist was built (None before the first build)."""
    return WorklistEntry.objects.order_by("-built_at").values_list("built_at", flat=True).first()


def strategies() -> QuerySet[Strategy]:
    return Strategy.objects.all()


def strategy(pk: int) -> Strategy | None:
    return Strategy.objects.filter(pk=pk).first()
