"""Use cases of the collector's workspace: log a call's outcome, follow-ups, plans, reassignment.

Each runs in one transaction; the customer's worklist entry is refreshed when it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from recoup.accounts.models import Role, User
from recoup.activities import tone
from recoup.activities.models import Activity, Channel, Outcome
from recoup.activities.services import log_activity
from recoup.audit.services import record_event
from recoup.calls.models import Task
from recoup.calls.rules import FollowUp, OfferLimits, judge_offer, next_follow_up
from recoup.disputes.models import Dispute
from recoup.disputes.services import open_dispute
from recoup.kernel.calendar import BusinessHours
from recoup.kernel.money import Money, split_evenly
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.ledger.selectors import customer_holiday_country, customer_zone
from recoup.promises.models import Instalment, PaymentPlan, Promise
from recoup.promises.services import make_promise
from recoup.worklist.services import refresh_on_commit, strategies


class OutcomeError(ValueError):
    """What is wrong with a logged outcome, in words for the form."""


class ToneFlagged(Exception):
    """The notes were flagged; the collector may reword them or save anyway."""

    def __init__(self, flags: list[Any], suggestion: str | None) -> None:
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


def offer_limits(user: Any) -> OfferLimits:
    role = "admin" if getattr(user, "is_superuser", False) else getattr(user, "role", Role.COLLECTOR)
    limits = settings.RECOUP_OFFER_LIMITS.get(role) or settings.RECOUP_OFFER_LIMITS["collector"]
    return OfferLimits(int(limits["max_discount_percent"]), int(limits["max_instalments"]))


def _hours_for(customer: Customer) -> BusinessHours:
    from recoup.kernel.calendar import CONSUMER_HOURS

    if customer.is_consumer:
        return CONSUMER_HOURS
    specs, by_segment, default = strategies()
    return specs[by_segment.get(customer.segment, default)].hours


def _invoices(customer: Customer, ids: Sequence[int]) -> list[Invoice]:
    wanted = {int(i) for i in ids}
    found = list(
        Invoice.objects.filter(customer=customer, pk__in=wanted, open_amount__gt=0).exclude(kind=Invoice.Kind.CREDIT_NOTE)
    )
    if len(found) != len(wanted):
        raise OutcomeError("Some of the chosen invoices are not open invoices of this customer")
    return found


def _close_due_tasks(customer: Customer, user: Any, at: dt.datetime) -> None:
    """A call made closes the open call and callback tasks for this customer that were due."""
    Task.objects.filter(
        customer=customer,
        status=Task.Status.OPEN,
        kind__in=[Task.Kind.CALL, Task.Kind.CALLBACK, Task.Kind.REVIEW],
        due_at__lte=at,
    ).update(status=Task.Status.DONE, done_at=at)


def log_outcome(*, actor: User, customer: Customer, data: OutcomeInput, at: dt.datetime) -> OutcomeResult:
    """Record a call and what came of it; create the promise, dispute and next follow-up.

    Refuses (OutcomeError) anything incomplete before writing; raises ToneFlagged when the notes
    were flagged and the collector has not chosen to save anyway. All or nothing.
    """
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
    hours = _hours_for(customer)
    invoices: list[Invoice] = []
    if data.outcome in (Outcome.PROMISE_TO_PAY, Outcome.DISPUTE):
        invoices = _invoices(customer, data.invoice_ids)
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
        from recoup.kernel.calendar import at_local

        callback_at = at_local(data.callback_local.date(), data.callback_local.time(), zone)
        if callback_at <= at:
            raise OutcomeError("The callback time has already passed in the customer's time zone")

    with transaction.atomic():
        activity = log_activity(
            actor=actor,
            customer=customer,
            at=at,
            channel=Channel.CALL,
            outcome=data.outcome,
            contact=contact,
            notes=data.notes,
            customer_feedback=data.customer_feedback,
            sentiment=data.sentiment,
        )
        if flags:
            activity.tone_flags = tone.as_json(flags)
            activity.save(update_fields=["tone_flags"])
            record_event(actor=actor, action="activity.tone_flagged", obj=activity, after={"flags": activity.tone_flags}, at=at)
        promise = dispute = None
        if data.outcome == Outcome.PROMISE_TO_PAY:
            assert data.promise_amount is not None and data.promised_date is not None
            try:
                promise = make_promise(
                    actor=actor,
                    customer=customer,
                    amount=data.promise_amount,
                    promised_date=data.promised_date,
                    invoices=invoices,
                    now=at,
                    made_in=activity,
                )
            except ValueError as exc:
                raise OutcomeError(str(exc)) from exc
        elif data.outcome == Outcome.DISPUTE:
            try:
                dispute = open_dispute(
                    actor=actor, customer=customer, invoices=invoices, reason=data.dispute_reason, now=at, opened_in=activity
                )
            except ValueError as exc:
                raise OutcomeError(str(exc)) from exc
        _close_due_tasks(customer, actor, at)
        follow = next_follow_up(
            data.outcome,
            at=at,
            zone=zone,
            hours=hours,
            country=customer_holiday_country(customer),
            subdivision=customer.region or None,
            callback_at=callback_at,
            promised_date=data.promised_date,
            tolerance_days=promise.tolerance_days if promise else 0,
        )
        task = _create_task(actor, customer, follow, zone=zone, at=at, activity=activity, promise=promise, dispute=dispute)
        refresh_on_commit(customer.pk)
    return OutcomeResult(activity, promise, dispute, task, activity.tone_flags)


def _create_task(
    user: Any,
    customer: Customer,
    follow: FollowUp | None,
    *,
    zone: str,
    at: dt.datetime,
    activity: Activity | None = None,
    promise: Promise | None = None,
    dispute: Dispute | None = None,
) -> Task | None:
    if follow is None:
        return None
    return Task.objects.create(
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


def complete_task(*, actor: Any, task: Task, at: dt.datetime) -> Task:
    if task.user_id != actor.pk and not getattr(actor, "is_manager", False):
        raise OutcomeError("This task belongs to someone else")
    task.status = Task.Status.DONE
    task.done_at = at
    task.save(update_fields=["status", "done_at"])
    return task


def follow_up_broken_promises(*, now: dt.datetime) -> int:
    """Broken promises without a follow-up get one: a call to the customer the next window."""
    created = 0
    for promise in (
        Promise.objects.filter(status="broken").exclude(tasks__kind=Task.Kind.CALL).select_related("customer", "created_by")
    ):
        customer = promise.customer
        user = customer.collector or promise.created_by
        if user is None:
            continue
        zone = customer_zone(customer).zone
        follow = next_follow_up(
            "no_answer", at=now, zone=zone, hours=_hours_for(customer), country=customer_holiday_country(customer)
        )
        if follow is None:
            continue
        follow = FollowUp("call", follow.due_at, f"Follow up the promise broken on {promise.resolved_on:%d %b}")
        _create_task(user, customer, follow, zone=zone, at=now, promise=promise)
        created += 1
    return created


def propose_plan(
    *,
    actor: User,
    customer: Customer,
    invoice_ids: Sequence[int],
    instalments: int,
    first_due: dt.date,
    every_days: int,
    at: dt.datetime,
) -> PaymentPlan:
    """A payment plan over the chosen invoices: active when within the user's limit, else
    awaiting a senior's approval."""
    invoices = _invoices(customer, invoice_ids)
    if not invoices:
        raise OutcomeError("Choose the invoices the plan covers")
    currencies = {i.currency for i in invoices}
    if len(currencies) != 1:
        raise OutcomeError("A plan covers invoices in one currency")
    verdict = judge_offer(offer_limits(actor), instalments=instalments)
    if verdict == "refused" or instalments < 2:
        raise OutcomeError("A plan has between 2 and 24 instalments")
    if first_due < at.date():
        raise OutcomeError("The first instalment cannot be due in the past")
    currency = currencies.pop()
    total = Money(sum(i.open_amount for i in invoices), currency)
    with transaction.atomic():
        plan = PaymentPlan.objects.create(
            customer=customer,
            currency=currency,
            status=PaymentPlan.Status.ACTIVE if verdict == "allowed" else PaymentPlan.Status.PROPOSED,
            created_by=actor,
            approved_by=actor if verdict == "allowed" else None,
            created_at=at,
        )
        plan.invoices.set(invoices)
        for k, part in enumerate(split_evenly(total, instalments)):
            Instalment.objects.create(plan=plan, due_date=first_due + dt.timedelta(days=every_days * k), amount=part.minor)
        record_event(
            actor=actor,
            action="plan.propose",
            obj=plan,
            after={"instalments": instalments, "total": total.minor, "status": plan.status},
            at=at,
        )
        refresh_on_commit(customer.pk)
    return plan


def decide_plan(*, actor: User, plan: PaymentPlan, approve: bool, at: dt.datetime) -> PaymentPlan:
    if plan.status != PaymentPlan.Status.PROPOSED:
        raise OutcomeError("Only a plan awaiting approval can be approved or rejected")
    instalments = plan.instalments.count()
    if approve and judge_offer(offer_limits(actor), instalments=instalments) != "allowed":
        raise OutcomeError("This plan is beyond your own approval limit")
    with transaction.atomic():
        plan.status = PaymentPlan.Status.ACTIVE if approve else PaymentPlan.Status.CANCELLED
        plan.approved_by = actor if approve else None
        plan.save(update_fields=["status", "approved_by"])
        record_event(
            actor=actor, action="plan.approve" if approve else "plan.reject", obj=plan, after={"status": plan.status}, at=at
        )
        refresh_on_commit(plan.customer_id)
    return plan


def reassign(*, actor: User, customer: Customer, collector: User | None, at: dt.datetime) -> Customer:
    """Seniors and managers move an account to another collector's portfolio (or the pool)."""
    if actor.role not in (Role.SENIOR, Role.MANAGER, Role.ADMIN) and not actor.is_superuser:
        raise OutcomeError("Only seniors and managers reassign accounts")
    if collector is not None and collector.role not in (Role.COLLECTOR, Role.SENIOR):
        raise OutcomeError("Accounts go to collectors or seniors")
    with transaction.atomic():
        before = {"collector": customer.collector.email if customer.collector else None}
        customer.collector = collector
        customer.save(update_fields=["collector", "updated_at"])
        record_event(
            actor=actor,
            action="customer.reassign",
            obj=customer,
            before=before,
            after={"collector": collector.email if collector else None},
            at=at,
        )
        if collector is not None:
            # The new owner inherits the open follow-ups, so nothing is dropped in the move.
            Task.objects.filter(customer=customer, status=Task.Status.OPEN).exclude(user=collector).update(user=collector)
        refresh_on_commit(customer.pk)
    return customer
