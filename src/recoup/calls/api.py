"""JSON API for the collector's workspace (docs/api.md): log a call's outcome, a promise to pay or
a dispute, through ``services.log_outcome`` and its checks, exactly as the call-prep sheet does:
the activity, the promise or case, and the next follow-up, in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from recoup.accounts.api_auth import WRITE, responses
from recoup.activities.api import writable_customer
from recoup.activities.models import Outcome
from recoup.calls import services
from recoup.database.paging import Day, Id, Text, WallClock
from recoup.disputes.models import Dispute

router = Router(tags=["calls"])

LOGGABLE = [o.value for o in Outcome if o.value not in ("", Outcome.SENT)]
Amount = Field(None, ge=1, le=10**15, description="Minor units (cents); empty: what the chosen invoices still owe")
Notes = Field("", max_length=5000)


class _Common(Schema):
    # Strict: JSON says 1, not "1"; dates are read by Day's own ISO parser.
    model_config = ConfigDict(strict=True)

    contact_id: Id | None = None
    notes: Text = Notes
    customer_feedback: Text = Field("", max_length=2000)
    sentiment: str = Field("", pattern="^(positive|neutral|negative|)$")
    save_despite_tone: bool = Field(False, description="Save notes the tone check flags (else 422 with the flags)")


class OutcomeIn(_Common):
    outcome: str = Field(pattern=f"^({'|'.join(LOGGABLE)})$", description=", ".join(LOGGABLE))
    invoice_ids: list[Id] = Field(default_factory=list, max_length=500, description="For a promise or a dispute")
    promise_amount: int | None = Amount
    promised_date: Day | None = None
    dispute_reason: str = Field("", pattern=f"^({'|'.join(Dispute.Reason.values)}|)$")
    callback_local: WallClock | None = Field(None, description="For a callback: the customer's wall-clock time, no offset")


class PromiseIn(_Common):
    invoice_ids: list[Id] = Field(min_length=1, max_length=500)
    amount: int | None = Amount
    promised_date: Day


class DisputeIn(_Common):
    invoice_ids: list[Id] = Field(min_length=1, max_length=500)
    reason: str = Field(pattern=f"^({'|'.join(Dispute.Reason.values)})$", description=", ".join(Dispute.Reason.values))


class FollowUpOut(Schema):
    id: int
    title: str
    due_at: dt.datetime
    zone: str


class LoggedOut(Schema):
    activity_id: int
    outcome: str
    promise_id: int | None
    dispute_id: int | None
    follow_up: FollowUpOut | None
    tone_flags: list[dict[str, Any]]


def _log(request: HttpRequest, customer_id: int, data: services.OutcomeInput) -> Status:
    customer = writable_customer(request, customer_id)
    try:
        result = services.log_outcome(actor=request.user, customer=customer, data=data, at=timezone.now())  # type: ignore[arg-type]
    except services.ToneFlagged as flagged:
        phrases = ", ".join(repr(getattr(f, "phrase", str(f))) for f in flagged.flags)
        raise HttpError(422, f"The tone check flagged {phrases}; reword, or send save_despite_tone: true") from None
    except services.OutcomeError as exc:
        raise HttpError(422, str(exc)) from None
    task = result.task
    return Status(
        201,
        {
            "activity_id": result.activity.pk,
            "outcome": result.activity.outcome,
            "promise_id": result.promise.pk if result.promise else None,
            "dispute_id": result.dispute.pk if result.dispute else None,
            "follow_up": {"id": task.pk, "title": task.title, "due_at": task.due_at, "zone": task.zone} if task else None,
            "tone_flags": result.tone_flags,
        },
    )


def _input(body: _Common, outcome: str, **fields: Any) -> services.OutcomeInput:
    return services.OutcomeInput(
        outcome=outcome,
        contact_id=body.contact_id,
        notes=body.notes.strip(),
        customer_feedback=body.customer_feedback.strip(),
        sentiment=body.sentiment,
        save_despite_tone=body.save_despite_tone,
        **fields,
    )


@router.post(
    "/customers/{customer_id}/outcomes",
    response=responses(LoggedOut, 400, 404, status=201),
    auth=WRITE,
    summary="Log a call and what came of it",
)
def log_outcome(request: HttpRequest, customer_id: Id, body: OutcomeIn) -> Any:
    """As the call-prep sheet: a promise needs invoices and a date, a dispute invoices and a reason,
    a callback the customer's local time; the next follow-up is scheduled from the outcome."""
    callback = body.callback_local.replace(tzinfo=None) if body.callback_local else None
    data = _input(
        body,
        body.outcome,
        promise_amount=body.promise_amount,
        promised_date=body.promised_date,
        invoice_ids=body.invoice_ids,
        dispute_reason=body.dispute_reason,
        callback_local=callback,
    )
    return _log(request, customer_id, data)


@router.post(
    "/customers/{customer_id}/promises",
    response=responses(LoggedOut, 400, 404, status=201),
    auth=WRITE,
    summary="Log a promise to pay (a call with that outcome)",
)
def make_promise(request: HttpRequest, customer_id: Id, body: PromiseIn) -> Any:
    data = _input(
        body, Outcome.PROMISE_TO_PAY, promise_amount=body.amount, promised_date=body.promised_date, invoice_ids=body.invoice_ids
    )
    return _log(request, customer_id, data)


@router.post(
    "/customers/{customer_id}/disputes",
    response=responses(LoggedOut, 400, 404, status=201),
    auth=WRITE,
    summary="Open a dispute (a call with that outcome)",
)
def open_dispute(request: HttpRequest, customer_id: Id, body: DisputeIn) -> Any:
    data = _input(body, Outcome.DISPUTE, invoice_ids=body.invoice_ids, dispute_reason=body.reason)
    return _log(request, customer_id, data)
