"""JSON API for the worklist (django-ninja; OpenAPI at /api/docs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.api_auth import responses
from recoup.database.paging import Instant, Page, PageQuery, Text, narrowed, one_of, page, page_of
from recoup.ledger.models import Customer
from recoup.ledger.selectors import NotYours, customer_for, visible_customers
from recoup.worklist import selectors
from recoup.worklist.models import Task

router = Router(tags=["worklist"])
LIMIT = Query(200, ge=1, le=1000)


class EntryOut(Schema):
    customer_ref: str
    customer: str
    status: str
    collector: str | None
    escalated: bool
    points: int
    cash_at_risk: int
    overdue_amount: int
    currency: str
    days_overdue: int
    objective: str
    objective_text: str
    reasons: list[str]
    contact: str | None
    phone: str | None
    zone: str
    local_time: str | None
    window_start: str | None
    window_end: str | None
    callable_now: bool | None
    predicted_pay_date: str | None


class WorklistOut(Schema):
    at: dt.datetime
    count: int
    entries: list[EntryOut]


class WhyNotOut(Schema):
    customer_ref: str
    on_list: bool
    status: str
    explanation: str
    reasons: list[str]


@router.get("/worklist", response=responses(WorklistOut), summary="Today's calls, best first")
def worklist(request: HttpRequest, callable_now: bool = False, limit: int = LIMIT) -> dict[str, Any]:
    """The caller's list (a collector: their own and the shared pool; seniors and managers: everyone's).

    ``callable_now`` keeps only customers inside their local call window now.
    """
    now = timezone.now()
    qs = selectors.visible_entries(request.user, callable_at=now if callable_now else None)
    entries = [selectors.entry_json(e, at=now) for e in qs[: max(1, min(limit, 1000))]]
    return {"at": now, "count": len(entries), "entries": entries}


@router.get(
    "/worklist/why-not/{customer_ref}", response=responses(WhyNotOut, 404), summary="Why a customer is or is not on today's list"
)
def why_not(request: HttpRequest, customer_ref: Text) -> dict[str, Any]:
    found = Customer.objects.filter(customer_ref=customer_ref).values_list("pk", flat=True).first()
    if found is None:
        raise Http404("No such customer")
    try:
        customer = customer_for(request.user, found)
    except NotYours as exc:
        raise HttpError(403, str(exc)) from None
    answer = selectors.why_not(customer, at=timezone.now())
    return {
        "customer_ref": customer.customer_ref,
        "on_list": answer.on_list,
        "status": answer.status,
        "explanation": answer.explanation,
        "reasons": list(answer.entry.reasons) if answer.entry else [],
    }


class TaskOut(Schema):
    id: int
    customer_id: int
    user: str
    kind: str
    title: str
    status: str
    due_at: dt.datetime
    zone: str
    created_at: dt.datetime
    done_at: dt.datetime | None
    promise_id: int | None
    dispute_id: int | None


@router.get("/tasks", response=responses(Page[TaskOut]), summary="Follow-ups: calls, callbacks, promise checks, dispute SLAs")
def tasks(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: Annotated[str, one_of(Task.Status)] | None = None,
    kind: Annotated[str, one_of(Task.Kind)] | None = None,
    mine: bool = False,
    due_from: Instant | None = None,
    due_to: Instant | None = None,
) -> dict[str, Any]:
    """Tasks on the customers the caller may see; ``mine`` keeps the caller's own."""
    rows = Task.objects.filter(customer__in=visible_customers(request.user)).select_related("user")
    if mine:
        rows = rows.filter(user_id=getattr(request.user, "pk", None) or 0)
    rows = narrowed(
        rows,
        customer_id=paging.customer,
        created_at__gte=paging.updated_since,
        status=status,
        kind=kind,
        due_at__gte=due_from,
        due_at__lte=due_to,
    )
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    items = [{**{f: getattr(t, f) for f in TaskOut.model_fields if f != "user"}, "user": t.user.email} for t in found]
    return page(items, after)
