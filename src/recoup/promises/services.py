"""Promises to pay and payment plans: recording them, judging them when they fall due, approving plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from recoup.activities.models import Activity
from recoup.audit.services import record_event
from recoup.kernel.money import Money, split_evenly
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer, Invoice
from recoup.promises import selectors
from recoup.promises.models import Instalment, PaymentPlan, Promise, PromiseStatus
from recoup.promises.rules import judge, judge_offer


class PromiseError(ValueError):
    """What is wrong with a promise or a plan, in words for the form."""


def make_promise(
    *,
    actor: Any,
    customer: Customer,
    amount: int,
    promised_date: dt.date,
    invoices: Sequence[Invoice],
    now: dt.datetime,
    made_in: Activity | None = None,
    tolerance_days: int = 3,
) -> Promise:
    if amount <= 0:
        raise PromiseError("the promised amount must be more than zero")
    if promised_date < now.date():
        raise PromiseError(f"the promised date {promised_date} is in the past")
    foreign = [i.invoice_ref for i in invoices if i.customer_id != customer.pk]
    if foreign:
        raise PromiseError(f"invoices of another customer: {', '.join(foreign)}")
    currencies = {i.currency for i in invoices} or {customer.currency}
    if len(currencies) > 1:
        raise PromiseError(f"one promise covers one currency, got {', '.join(sorted(currencies))}")
    with transaction.atomic():
        level = Promise.objects.filter(customer=customer, status=PromiseStatus.BROKEN).count()
        promise = Promise.objects.create(
            customer=customer,
            amount=amount,
            currency=currencies.pop(),
            promised_date=promised_date,
            tolerance_days=tolerance_days,
            level=level,
            made_in=made_in,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        promise.invoices.set(invoices)
        record_event(
            actor=actor,
            action="promise.make",
            obj=promise,
            after={"amount": amount, "promised_date": promised_date.isoformat(), "invoices": [i.invoice_ref for i in invoices]},
            at=now,
        )
        customers_changed([customer.pk], kind="promise")
    return promise


def evaluate_due(*, as_of: dt.date, now: dt.datetime) -> int:
    """Judge every open promise whose judgement day has come; returns how many changed."""
    due = Promise.objects.filter(status=PromiseStatus.OPEN, promised_date__lte=as_of).select_related("customer")
    return sum(_judge(promise, as_of=as_of, now=now) for promise in due)


def judge_open_promises(customer_ids: Sequence[int], *, as_of: dt.date, now: dt.datetime) -> int:
    """Judge these customers' open promises now (their books changed): one fully paid is kept
    at once, before its date; one past its judgement day is decided. Returns how many changed."""
    open_promises = Promise.objects.filter(status=PromiseStatus.OPEN, customer_id__in=list(customer_ids))
    return sum(_judge(promise, as_of=as_of, now=now) for promise in open_promises)


def _judge(promise: Promise, *, as_of: dt.date, now: dt.datetime) -> bool:
    paid = selectors.paid_towards(promise)
    verdict = judge(
        promised=promise.amount,
        paid=paid,
        promised_date=promise.promised_date,
        tolerance_days=promise.tolerance_days,
        as_of=as_of,
    )
    if verdict == "open":
        return False
    with transaction.atomic():
        promise.status = verdict
        promise.kept_amount = paid
        promise.resolved_on = as_of
        promise.save(update_fields=["status", "kept_amount", "resolved_on"])
        record_event(actor=None, action=f"promise.{verdict}", obj=promise, after={"paid": paid}, at=now)
        customers_changed([promise.customer_id], kind="promise")
    return True


def propose_plan(
    *,
    actor: Any,
    customer: Customer,
    invoices: Sequence[Invoice],
    instalments: int,
    first_due: dt.date,
    every_days: int,
    at: dt.datetime,
) -> PaymentPlan:
    """A payment plan over the chosen open invoices: active when within the user's limit,
    else awaiting a senior's approval."""
    if not invoices:
        raise PromiseError("Choose the invoices the plan covers")
    foreign = [i.invoice_ref for i in invoices if i.customer_id != customer.pk]
    if foreign:
        raise PromiseError(f"invoices of another customer: {', '.join(foreign)}")
    currencies = {i.currency for i in invoices}
    if len(currencies) != 1:
        raise PromiseError("A plan covers invoices in one currency")
    verdict = judge_offer(selectors.offer_limits(actor), instalments=instalments)
    if verdict == "refused" or instalments < 2:
        raise PromiseError("A plan has between 2 and 24 instalments")
    if first_due < at.date():
        raise PromiseError("The first instalment cannot be due in the past")
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
        customers_changed([customer.pk], kind="promise")
    return plan


def decide_plan(*, actor: Any, plan: PaymentPlan, approve: bool, at: dt.datetime) -> PaymentPlan:
    """A senior (or anyone whose own limit covers it) approves or rejects a proposed plan."""
    if plan.status != PaymentPlan.Status.PROPOSED:
        raise PromiseError("Only a plan awaiting approval can be approved or rejected")
    instalments = plan.instalments.count()
    if approve and judge_offer(selectors.offer_limits(actor), instalments=instalments) != "allowed":
        raise PromiseError("This plan is beyond your own approval limit")
    with transaction.atomic():
        plan.status = PaymentPlan.Status.ACTIVE if approve else PaymentPlan.Status.CANCELLED
        plan.approved_by = actor if approve else None
        plan.save(update_fields=["status", "approved_by"])
        record_event(
            actor=actor, action="plan.approve" if approve else "plan.reject", obj=plan, after={"status": plan.status}, at=at
        )
        customers_changed([plan.customer_id], kind="promise")
    return plan
