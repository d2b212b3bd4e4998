"""JSON API for contacts with customers (docs/api.md): the activity log, and adding a note."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from recoup.accounts.api_auth import WRITE, responses
from recoup.activities.models import Activity, Channel, Outcome
from recoup.activities.services import ActivityError, log_activity
from recoup.database.paging import Id, Instant, Page, PageQuery, Text, narrowed, one_of, page, page_of
from recoup.ledger.models import Contact, Customer
from recoup.ledger.selectors import NotYours, customer_for, visible_customers

router = Router(tags=["activities"])


class ActivityOut(Schema):
    id: int
    customer_id: int
    contact_id: int | None
    user: str | None
    channel: str
    direction: str
    at: dt.datetime
    duration_seconds: int | None
    outcome: str
    objective: str
    notes: str
    customer_feedback: str
    sentiment: str


def activity_out(a: Activity) -> dict[str, Any]:
    return {**{f: getattr(a, f) for f in ActivityOut.model_fields if f != "user"}, "user": a.user.email if a.user else None}


@router.get("/activities", response=responses(Page[ActivityOut]), summary="Calls, e-mails, letters and notes")
def activities(
    request: HttpRequest,
    paging: Query[PageQuery],
    channel: Annotated[str, one_of(Channel)] | None = None,
    outcome: Annotated[str, one_of(Outcome)] | None = None,
    at_from: Instant | None = None,
    at_to: Instant | None = None,
) -> Any:
    rows = Activity.objects.filter(customer__in=visible_customers(request.user)).select_related("user")
    rows = narrowed(rows, customer_id=paging.customer, channel=channel, outcome=outcome, at__gte=at_from, at__lte=at_to)
    # Activities are never edited: "changed since" is "happened since". A call of its own, as
    # at__gte is also at_from's lookup (both apply when both are given).
    rows = narrowed(rows, at__gte=paging.updated_since)
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page([activity_out(a) for a in found], after)


def writable_customer(request: HttpRequest, customer_id: int) -> Customer:
    """The customer a write is about, checked as the pages check it (404 none, 403 another's)."""
    try:
        return customer_for(request.user, customer_id)
    except Customer.DoesNotExist:
        raise HttpError(404, "No such customer") from None
    except NotYours as exc:
        raise HttpError(403, str(exc)) from None


class NoteIn(Schema):
    model_config = ConfigDict(strict=True)

    notes: Text = Field(min_length=1, max_length=5000)
    contact_id: Id | None = None


@router.post(
    "/customers/{customer_id}/notes",
    response=responses(ActivityOut, 400, 404, status=201),
    auth=WRITE,
    summary="Add a note to a customer's history",
)
def add_note(request: HttpRequest, customer_id: Id, note: NoteIn) -> Any:
    customer = writable_customer(request, customer_id)
    contact = None
    if note.contact_id is not None:
        contact = Contact.objects.filter(pk=note.contact_id, customer=customer).first()
        if contact is None:
            raise HttpError(422, "contact_id: not a contact of this customer")
    try:
        activity = log_activity(
            actor=request.user, customer=customer, at=timezone.now(), channel=Channel.NOTE, contact=contact, notes=note.notes
        )
    except ActivityError as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201, activity_out(activity))
