"""Reads for the team pages: portfolios and capacity, the customers a bulk move would take,
the escalations queue, calls to review and a collector's own feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from recoup.accounts import selectors as accounts
from recoup.accounts.models import User
from recoup.activities.models import Activity, Channel
from recoup.disputes import rules as dispute_rules
from recoup.disputes.models import Dispute
from recoup.ledger.models import Customer
from recoup.team.models import CallReview
from recoup.team.rules import ReassignFilter
from recoup.worklist.models import EntryStatus, WorklistEntry


@dataclass(frozen=True, slots=True)
class Portfolio:
    """One collector's book and today's load (amounts in home-currency minor units)."""

    collector: User | None
    customers: int
    open_amount: int
    overdue_amount: int
    capacity: int
    scheduled: int
    over_capacity: int
    escalated: int

    @property
    def load(self) -> int | None:
        """Today's calls as a percentage of the day's capacity."""
        return round(100 * self.scheduled / self.capacity) if self.capacity else None


def portfolios() -> list[Portfolio]:
    """Every active caller (idle ones too) and the shared pool, from today's worklist figures."""
    books: dict[int | None, dict[str, Any]] = {
        row["collector"]: dict(row)
        for row in Customer.objects.order_by()
        .values("collector")
        .annotate(
            customers=Count("id"),
            open_amount=Sum("worklist_entry__open_amount"),
            overdue_amount=Sum("worklist_entry__overdue_amount"),
        )
    }
    today: dict[int | None, dict[str, Any]] = {
        row["collector"]: dict(row)
        for row in WorklistEntry.objects.order_by()
        .values("collector")
        .annotate(
            scheduled=Count("id", filter=Q(status=EntryStatus.SCHEDULED)),
            over_capacity=Count("id", filter=Q(status=EntryStatus.OVER_CAPACITY)),
            escalated=Count("id", filter=Q(escalated=True)),
        )
    }
    people: list[User | None] = [*accounts.active_collectors(), None]
    rows = []
    for person in people:
        key = person.pk if person else None
        book: dict[str, Any] = books.get(key, {})
        load: dict[str, Any] = today.get(key, {})
        rows.append(
            Portfolio(
                collector=person,
                customers=book.get("customers") or 0,
                open_amount=book.get("open_amount") or 0,
                overdue_amount=book.get("overdue_amount") or 0,
                capacity=person.daily_capacity if person else 0,
                scheduled=load.get("scheduled") or 0,
                over_capacity=load.get("over_capacity") or 0,
                escalated=load.get("escalated") or 0,
            )
        )
    return rows


def reassign_candidates(f: ReassignFilter) -> QuerySet[Customer]:
    """The customers a bulk reassignment with filter ``f`` moves, by reference."""
    customers = Customer.objects.all()
    if f.segment:
        customers = customers.filter(segment__iexact=f.segment)
    if f.country:
        customers = customers.filter(country=f.country)
    if f.collector_id == 0:
        customers = customers.filter(collector__isnull=True)
    elif f.collector_id is not None:
        customers = customers.filter(collector_id=f.collector_id)
    if f.min_overdue:
        customers = customers.filter(worklist_entry__overdue_amount__gte=f.min_overdue)
    return customers.order_by("customer_ref")


def segments() -> list[str]:
    return list(Customer.objects.exclude(segment="").values_list("segment", flat=True).distinct().order_by("segment"))


def escalated_accounts() -> QuerySet[WorklistEntry]:
    """Customers today's strategy escalated (a large dispute, promises broken again and again)."""
    return (
        WorklistEntry.objects.filter(escalated=True)
        .select_related("customer", "customer__collector", "collector")
        .order_by("-points", "-cash_at_risk", "customer_id")
    )


def escalated_disputes() -> QuerySet[Dispute]:
    """Open dispute cases past their SLA that were escalated to a senior."""
    return (
        Dispute.objects.filter(status__in=dispute_rules.OPEN, escalated_to__isnull=False)
        .select_related("customer", "escalated_to", "owner")
        .order_by("sla_due", "pk")
    )


def calls_to_review(*, collector_id: int | None = None, reviewed: bool | None = None, limit: int = 50) -> list[Activity]:
    """Logged calls by people who take calls, newest first, each with ``has_review``."""
    calls = (
        Activity.objects.filter(channel=Channel.CALL, user__role__in=accounts.CALLER_ROLES)
        .select_related("user", "customer", "contact")
        .annotate(has_review=Exists(CallReview.objects.filter(activity=OuterRef("pk"))))
    )
    if collector_id is not None:
        calls = calls.filter(user_id=collector_id)
    if reviewed is not None:
        calls = calls.filter(has_review=reviewed)
    return list(calls.order_by("-at", "-id")[:limit])


def call(pk: int) -> Activity:
    return Activity.objects.select_related("user", "customer", "contact").get(pk=pk, channel=Channel.CALL)


def review_of(activity: Activity) -> CallReview | None:
    return CallReview.objects.filter(activity=activity).select_related("reviewer").first()


def feedback_for(user: Any) -> QuerySet[CallReview]:
    """The reviews of ``user``'s own calls, newest first: nobody else's."""
    return CallReview.objects.filter(collector_id=user.pk).select_related("activity", "activity__customer", "reviewer")
