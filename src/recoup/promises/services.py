"""Promises to pay, payment plans and early-payment discounts: recording them, judging them when they
fall due, approving plans and discounts beyond a role's limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from recoup.activities.models import Activity
from recoup.audit.services import record_event
from recoup.kernel.money import Money, split_evenly
from recoup.ledger.clock import business_date
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer, Invoice
from recoup.promises import selectors
from recoup.promises.models import DiscountOffer, DiscountOfferItem, Instalment, PaymentPlan, Promise, PromiseStatus
from recoup.promises.rules import discount_shares, judge, judge_discount, judge_offer


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


# Early-payment discounts (C10): offered within the role's limit, settled by a payment of the
# discounted amount inside the window (heard through "customer changed", promises/receivers.py).

MAX_DISCOUNT_DAYS = 90


def _discount_items(customer: Customer, invoices: Sequence[Invoice]) -> list[Invoice]:
    if not invoices:
        raise PromiseError("Choose the invoices the discount is for")
    fresh = list(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).order_by("due_date", "pk"))
    foreign = [i.invoice_ref for i in fresh if i.customer_id != customer.pk]
    if foreign:
        raise PromiseError(f"invoices of another customer: {', '.join(foreign)}")
    closed = [i.invoice_ref for i in fresh if i.is_credit or i.open_amount <= 0]
    if closed:
        raise PromiseError(f"only open invoices can be discounted, not {', '.join(closed)}")
    taken = DiscountOfferItem.objects.filter(
        invoice__in=fresh, offer__status__in=[DiscountOffer.Status.OFFERED, DiscountOffer.Status.PENDING_APPROVAL]
    ).select_related("invoice")
    if taken:
        raise PromiseError(f"already in an open discount offer: {', '.join(sorted({t.invoice.invoice_ref for t in taken}))}")
    return fresh


def _write_items(offer: DiscountOffer, invoices: Sequence[Invoice]) -> None:
    shares = discount_shares([(i.currency, i.open_amount) for i in invoices], offer.discount_bp)
    offer.items.all().delete()
    DiscountOfferItem.objects.bulk_create(
        DiscountOfferItem(offer=offer, invoice=i, currency=i.currency, open_amount=i.open_amount, discount_amount=share)
        for i, share in zip(invoices, shares, strict=True)
    )


def _discount_record(offer: DiscountOffer) -> dict[str, Any]:
    return {
        "discount_bp": offer.discount_bp,
        "status": offer.status,
        "valid_until": offer.valid_until.isoformat() if offer.valid_until else None,
        "amounts": [list(a) for a in offer.amounts()],
        "source": offer.source,
    }


def offer_discount(
    *,
    customer: Customer,
    invoices: Sequence[Invoice],
    discount_bp: int,
    days: int,
    actor: Any,
    now: dt.datetime,
    source: str,
) -> DiscountOffer:
    """Offer ``discount_bp`` off the chosen open invoices for payment within ``days``: offered at
    once when the actor's role allows it (a step without an actor: a collector's limit), else
    awaiting a senior's approval, whose date starts the window."""
    verdict = judge_discount(selectors.offer_limits(actor), discount_bp=discount_bp)
    if verdict == "refused":
        raise PromiseError(f"a discount is more than 0 % and less than 100 %, not {discount_bp / 100:g} %")
    if not 1 <= days <= MAX_DISCOUNT_DAYS:
        raise PromiseError(f"an offer holds for 1 to {MAX_DISCOUNT_DAYS} days, not {days}")
    with transaction.atomic():
        items = _discount_items(customer, invoices)
        offered_on = business_date(now)
        allowed = verdict == "allowed"
        offer = DiscountOffer.objects.create(
            customer=customer,
            discount_bp=discount_bp,
            days=days,
            offered_on=offered_on if allowed else None,
            valid_until=offered_on + dt.timedelta(days=days) if allowed else None,
            status=DiscountOffer.Status.OFFERED if allowed else DiscountOffer.Status.PENDING_APPROVAL,
            source=source[:80],
            offered_by=actor if getattr(actor, "pk", None) else None,
            approved_by=actor if allowed and getattr(actor, "pk", None) else None,
            created_at=now,
        )
        _write_items(offer, items)
        record_event(actor=actor, action="discount.offer", obj=offer, after=_discount_record(offer), at=now)
        customers_changed([customer.pk], kind="promise")
    return offer


def decide_discount(*, actor: Any, offer: DiscountOffer, approve: bool, now: dt.datetime) -> DiscountOffer:
    """A senior approves (the window starts today, on what is open today) or declines an offer
    beyond its proposer's limit."""
    with transaction.atomic():
        offer = DiscountOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != DiscountOffer.Status.PENDING_APPROVAL:
            raise PromiseError("Only a discount awaiting approval can be approved or declined")
        if approve and judge_discount(selectors.offer_limits(actor), discount_bp=offer.discount_bp) != "allowed":
            raise PromiseError("This discount is beyond your own approval limit")
        if approve:
            invoices = list(Invoice.objects.filter(pk__in=offer.items.values("invoice_id"), open_amount__gt=0))
            if not invoices:
                raise PromiseError("Nothing of this offer is open any more")
            _write_items(offer, sorted(invoices, key=lambda i: (i.due_date, i.pk)))
            offer.offered_on = business_date(now)
            offer.valid_until = offer.offered_on + dt.timedelta(days=offer.days)
        offer.status = DiscountOffer.Status.OFFERED if approve else DiscountOffer.Status.DECLINED
        offer.approved_by = actor if approve else None
        offer.save(update_fields=["status", "approved_by", "offered_on", "valid_until"])
        record_event(
            actor=actor,
            action="discount.approve" if approve else "discount.decline",
            obj=offer,
            after=_discount_record(offer),
            at=now,
        )
        customers_changed([offer.customer_id], kind="promise")
    return offer


def expire_discounts(*, as_of: dt.date, now: dt.datetime) -> int:
    """Offers whose last day has passed unpaid expire; returns how many. (A payment that arrived
    inside the window but is booked later still settles an expired offer.)"""
    stale = list(DiscountOffer.objects.filter(status=DiscountOffer.Status.OFFERED, valid_until__lt=as_of))
    for offer in stale:
        with transaction.atomic():
            offer.status = DiscountOffer.Status.EXPIRED
            offer.save(update_fields=["status"])
            record_event(actor=None, action="discount.expire", obj=offer, after={"status": offer.status}, at=now)
            customers_changed([offer.customer_id], kind="promise")
    return len(stale)
