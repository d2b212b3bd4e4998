"""Promises to pay: recording them and judging them when they fall due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Sum

from recoup.activities.models import Activity
from recoup.audit.services import record_event
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Allocation, Customer, Invoice
from recoup.promises.models import Promise, PromiseStatus
from recoup.promises.rules import judge


class PromiseError(ValueError):
    pass


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


def paid_towards(promise: Promise) -> int:
    """Allocated to the promised invoices since the promise was made."""
    total = Allocation.objects.filter(invoice__in=promise.invoices.all(), applied_on__gte=promise.created_at.date()).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def evaluate_due(*, as_of: dt.date, now: dt.datetime) -> int:
    """Judge every open promise whose judgement day has come; returns how many changed."""
    changed = 0
    for promise in Promise.objects.filter(status=PromiseStatus.OPEN, promised_date__lte=as_of).select_related("customer"):
        paid = paid_towards(promise)
        verdict = judge(
            promised=promise.amount,
            paid=paid,
            promised_date=promise.promised_date,
            tolerance_days=promise.tolerance_days,
            as_of=as_of,
        )
        if verdict == "open":
            continue
        with transaction.atomic():
            promise.status = verdict
            promise.kept_amount = paid
            promise.resolved_on = as_of
            promise.save(update_fields=["status", "kept_amount", "resolved_on"])
            record_event(actor=None, action=f"promise.{verdict}", obj=promise, after={"paid": paid}, at=now)
            customers_changed([promise.customer_id], kind="promise")
        changed += 1
    return changed
