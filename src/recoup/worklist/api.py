"""JSON API for the worklist (django-ninja; OpenAPI at /api/docs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from recoup.ledger.models import Customer
from recoup.ledger.selectors import NotYours, customer_for
from recoup.worklist import selectors

router = Router(tags=["worklist"])


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


@router.get("/worklist", response=WorklistOut, summary="Today's calls, best first")
def worklist(request: HttpRequest, callable_now: bool = False, limit: int = 200) -> dict[str, Any]:
    """The caller's list (a collector: their own and the shared pool; seniors and managers: everyone's).

    ``callable_now`` keeps only customers inside their local call window now.
    """
    now = timezone.now()
    qs = selectors.visible_entries(request.user, callable_at=now if callable_now else None)
    entries = [selectors.entry_json(e, at=now) for e in qs[: max(1, min(limit, 1000))]]
    return {"at": now, "count": len(entries), "entries": entries}


@router.get("/worklist/why-not/{customer_ref}", response=WhyNotOut, summary="Why a customer is or is not on today's list")
def why_not(request: HttpRequest, customer_ref: str) -> dict[str, Any]:
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
