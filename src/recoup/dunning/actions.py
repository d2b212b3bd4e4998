"""The steps that are work for people: a call task for the customer's collector, an escalation to
a senior. Both are worklist tasks, due at the start of the customer's next call window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q

from recoup.accounts.models import Role, User
from recoup.kernel.calendar import NoCallWindow, next_callable
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_holiday_country, customer_zone
from recoup.worklist import services as worklist_services
from recoup.worklist.models import Task
from recoup.worklist.scheduling import FollowUp


def senior_for_escalation() -> User | None:
    """The active senior with the fewest open reviews, else a manager."""
    for role in (Role.SENIOR, Role.MANAGER):
        user = (
            User.objects.filter(role=role, is_active=True)
            .annotate(open_reviews=Count("tasks", filter=Q(tasks__status="open", tasks__kind="review")))
            .order_by("open_reviews", "pk")
            .first()
        )
        if user is not None:
            return user
    return None


def _due(customer: Customer, at: dt.datetime) -> tuple[dt.datetime, str]:
    zone = customer_zone(customer).zone
    hours = worklist_services.hours_for(customer)
    try:
        return next_callable(at, zone, hours, customer_holiday_country(customer)), zone
    except NoCallWindow:
        return at, zone


def _items_text(items: Sequence[Any]) -> str:
    refs = ", ".join(i.invoice_ref for i in items[:5])
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return f"{refs}{more}"


def make_call_task(customer: Customer, step: Any, items: Sequence[Any], *, at: dt.datetime) -> Task | None:
    """A call for the customer's collector (a senior when it has none) about the step's items."""
    user = customer.collector or senior_for_escalation()
    if user is None:
        return None
    due_at, zone = _due(customer, at)
    title = f"{step.label}: call about {_items_text(items)}"[:300]
    return worklist_services.schedule_follow_up(user, customer, FollowUp("call", due_at, title), zone=zone, at=at)


def make_escalation(customer: Customer, step: Any, items: Sequence[Any], *, at: dt.datetime) -> Task | None:
    """A review for a senior: the customer reached the step (the final notice) with these items."""
    user = senior_for_escalation() or customer.collector
    if user is None:
        return None
    due_at, zone = _due(customer, at)
    title = f"Escalated ({step.label}): {_items_text(items)}"[:300]
    return worklist_services.schedule_follow_up(user, customer, FollowUp("review", due_at, title), zone=zone, at=at)
