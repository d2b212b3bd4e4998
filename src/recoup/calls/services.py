"""Use cases of the collector's workspace: log a call and what came of it; reassign an account.

The workspace sits above the apps that keep the facts: a logged call is an activity
(recoup.activities), maybe a promise or a dispute (recoup.promises, recoup.disputes) and the
next follow-up (recoup.worklist); this module checks the whole outcome first, then writes all
of it in one transaction through those apps' services. Each of them says "customer changed",
so the worklist follows on commit without being called from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from recoup.accounts import selectors as accounts
from recoup.accounts.models import User
from recoup.activities import tone
from recoup.activities.models import Activity, Channel, Outcome
from recoup.activities.services import log_activity
from recoup.disputes.models import Dispute
from recoup.disputes.services import open_dispute
from recoup.kernel.calendar import at_local
from recoup.ledger import services as ledger_services
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.ledger.selectors import customer_zone
from recoup.promises.models import Promise
from recoup.promises.services import make_promise
from recoup.worklist import services as worklist
from recoup.worklist.models import Task
from recoup.worklist.scheduling import next_follow_up


class OutcomeError(ValueError):
    """What is wrong with a logged outcome, in words for the form."""


class ToneFlagged(Exception):
    """The notes were flagged; the collector may reword them or save anyway."""

    def __init__(self, flags: list[Any], suggestion: str) -> None:
        super().__init__(f"{len(flags)} phrase(s) flagged by the tone check")
        self.flags = flags
        self.suggestion = suggestion


@dataclass
class OutcomeInput:
    outcome: str
    contact_id: int | None = None
    notes: str = ""
    customer_feedback: str = ""
    sentiment: str = ""
    # promise to pay
    promise_amount: int | None = None  # minor units
    promised_date: dt.date | None = None
    invoice_ids: Sequence[int] = field(default_factory=list)
    # dispute
    dispute_reason: str = ""
    # callback, in the customer's local wall-clock time
    callback_local: dt.datetime | None = None
    save_despite_tone: bool = False


@dataclass
class OutcomeResult:
    activity: Activity
    promise: Promise | None
    dispute: Dispute | None
    task: Task | None
    tone_flags: list[dict[str, Any]]


@dataclass(frozen=True)
class _Checked:
    """An outcome that passed every check, with what was looked up on the way."""

    contact: Contact | None
    invoices: list[Invoice]
    zone: str
    callback_at: dt.datetime | None
    flags: list[Any]


def open_invoices(customer: Customer, ids: Sequence[int]) -> list[Invoice]:
    """The chosen invoices, each an open (debit) item of ``customer``, or OutcomeError."""
    wanted = {int(i) for i in ids}
    found = list(
        Invoice.objects.filter(customer=customer, pk__in=wanted, open_amount__gt=0).exclude(kind=Invoice.Kind.CREDIT_NOTE)
    )
    if len(found) != len(wanted):
        raise OutcomeError("Some of the chosen invoices are not open invoices of this customer")
    return found


def _check(customer: Customer, data: OutcomeInput, at: dt.datetime) -> _Checked:
    """Everything that can be wrong with an outcome, found before anything is written."""
    if data.outcome not in Outcome.values or data.outcome in ("", Outcome.SENT):
        raise OutcomeError(f"Choose an outcome (got {data.outcome!r})")
    contact = None
    if data.contact_id:
        contact = Contact.objects.filter(pk=data.contact_id, customer=customer).first()
        if contact is None:
            raise OutcomeError("That contact belongs to another customer")
    text = "\n".join(t for t in (data.notes, data.customer_feedback) if t)
    flags = tone.check(text) if text else []
    if flags and not data.save_despite_tone:
        raise ToneFlagged(flags, tone.suggest(text))
    zone = customer_zone(customer).zone
    invoices: list[Invoice] = []
    if data.outcome in (Outcome.PROMISE_TO_PAY, Outcome.DISPUTE):
        invoices = open_invoices(customer, data.invoice_ids)
        if not invoices:
            raise OutcomeError("Choose the invoices it is about")
    if data.outcome == Outcome.PROMISE_TO_PAY:
        if not data.promise_amount or data.promise_amount <= 0:
            raise OutcomeError("Enter the promised amount")
        if data.promised_date is None:
            raise OutcomeError("Enter the promised date")
    if data.outcome == Outcome.DISPUTE and data.dispute_reason not in Dispute.Reason.values:
        raise OutcomeError("Choose the reason for the dispute")
    callback_at = None
    if data.outcome == Outcome.CALLBACK:
        if data.callback_local is None:
            raise OutcomeError("Enter when to call back (the customer's local time)")
        callback_at = at_local(data.callback_local.date(), data.callback_local.time(), zone)
        if callback_at <= at:
            raise OutcomeError("The callback time has already passed in the customer's time zone")
    return _Checked(contact, invoices, zone, callback_at, flags)


def log_outcome(*, actor: User, customer: Customer, data: OutcomeInput, at: dt.datetime) -> OutcomeResult:
    """Record a call and what came of it; create the promise, dispute and next follow-up.

    Refuses (OutcomeError) anything incomplete before writing; raises ToneFlagged when the notes
    were flagged and the collector has not chosen to save anyway. All or nothing.
    """
    checked = _check(customer, data, at)
    with transaction.atomic():
        activity = log_activity(
            actor=actor,
            customer=customer,
            at=at,
            channel=Channel.CALL,
            outcome=data.outcome,
            contact=checked.contact,
            notes=data.notes,
            customer_feedback=data.customer_feedback,
            sentiment=data.sentiment,
            tone_flags=tone.as_json(checked.flags) if checked.flags else None,
        )
        promise = dispute = None
        try:
            if data.outcome == Outcome.PROMISE_TO_PAY:
                assert data.promise_amount is not None and data.promised_date is not None
                promise = make_promise(
                    actor=actor,
                    customer=customer,
                    amount=data.promise_amount,
                    promised_date=data.promised_date,
                    invoices=checked.invoices,
                    now=at,
                    made_in=activity,
                )
            elif data.outcome == Outcome.DISPUTE:
                dispute = open_dispute(
                    actor=actor,
                    customer=customer,
                    invoices=checked.invoices,
                    reason=data.dispute_reason,
                    now=at,
                    opened_in=activity,
                )
        except ValueError as exc:
            raise OutcomeError(str(exc)) from exc
        worklist.close_due_calls(customer, at)
        follow = next_follow_up(
            data.outcome,
            at=at,
            zone=checked.zone,
            hours=worklist.hours_for(customer),
            country=customer.country or None,
            subdivision=customer.region or None,
            callback_at=checked.callback_at,
            promised_date=data.promised_date,
            tolerance_days=promise.tolerance_days if promise else 0,
        )
        task = worklist.schedule_follow_up(
            actor, customer, follow, zone=checked.zone, at=at, activity=activity, promise=promise, dispute=dispute
        )
    return OutcomeResult(activity, promise, dispute, task, activity.tone_flags)


def reassign(*, actor: User, customer: Customer, collector: User | None, at: dt.datetime) -> Customer:
    """Seniors and managers move an account to another collector's portfolio (or the pool);
    the new owner inherits the open follow-ups, so nothing is dropped in the move."""
    if not accounts.is_senior_or_above(actor):
        raise OutcomeError("Only seniors and managers reassign accounts")
    if collector is not None and not accounts.takes_calls(collector):
        raise OutcomeError("Accounts go to collectors or seniors")
    with transaction.atomic():
        ledger_services.assign_collector(customer=customer, collector=collector, actor=actor, now=at)
        if collector is not None:
            worklist.hand_over_tasks(customer, collector)
    return customer
