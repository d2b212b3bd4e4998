"""Settling early-payment discounts: a payment of the discounted amount, in the offer's currency,
received inside its window, pays the items and a discount credit note closes what is left.

Heard through "customer changed" (kind "ledger", promises/receivers.py) and once a day
(promises/tasks.py), so it does not matter whether the payment came from a bank statement
(cash application), an ERP import or a hand entry, nor whether it was already applied to the
items, or cash application took the discount off by itself. Everything goes through
``ledger.services`` (allocations and credit notes, audited) in one transaction per offer. A
payment one minor unit off, or received after the last day, settles nothing: the items stay
open for the collector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum

from recoup.audit.services import record_event
from recoup.ledger import services as ledger
from recoup.ledger.clock import business_date
from recoup.ledger.models import Allocation, Deduction, Invoice, Payment
from recoup.promises.models import DiscountOffer, DiscountOfferItem
from recoup.promises.rules import within_window

# A payment inside the window may be booked days later (a bank statement imported late).
LATE_BOOKING_DAYS = 30


def settle_discounts(customer_ids: Iterable[int] | None, *, now: dt.datetime) -> int:
    """Settle what has been paid on these customers' offers (all customers' when None);
    returns how many offers are now settled in full."""
    since = business_date(now) - dt.timedelta(days=LATE_BOOKING_DAYS)
    candidates = DiscountOffer.objects.filter(
        status__in=[DiscountOffer.Status.OFFERED, DiscountOffer.Status.EXPIRED], valid_until__gte=since
    ).values_list("pk", "customer_id")
    # Offers open are few; a set of customers may be a whole import's: filter here, not in SQL.
    wanted = None if customer_ids is None else set(customer_ids)
    return sum(_settle(pk, now=now) for pk, customer_id in candidates if wanted is None or customer_id in wanted)


def _settle(offer_id: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        offer = DiscountOffer.objects.select_for_update().get(pk=offer_id)
        if offer.status not in (DiscountOffer.Status.OFFERED, DiscountOffer.Status.EXPIRED) or offer.offered_on is None:
            return False
        items = list(offer.items.select_related("invoice"))
        for currency in sorted({i.currency for i in items if i.payment_id is None}):
            group = [i for i in items if i.currency == currency and i.payment_id is None]
            payment = _paying(offer, group)
            if payment is not None:
                _apply(offer, payment, group, now=now)
        if any(i.payment_id is None for i in items):
            return False
        offer.status = DiscountOffer.Status.ACCEPTED
        offer.settled_on = max(i.payment.received_on for i in items if i.payment)
        offer.save(update_fields=["status", "settled_on"])
        record_event(
            actor=None,
            action="discount.settle",
            obj=offer,
            after={
                "payments": sorted({i.payment.payment_ref for i in items if i.payment}),
                "credit_notes": [i.credit_note.invoice_ref for i in items if i.credit_note],
                "discount": {a.currency: a.open_amount - a.discounted_amount for a in offer.amounts()},
            },
            at=now,
        )
    return True


def _paying(offer: DiscountOffer, group: Sequence[DiscountOfferItem]) -> Payment | None:
    """The customer's payment that settles ``group``: exactly the discounted amount, in its
    currency, received inside the window, applied (if at all) to these items only, and nothing
    else paid on them since the offer."""
    assert offer.offered_on is not None and offer.valid_until is not None
    currency = group[0].currency
    due = sum(i.open_amount - i.discount_amount for i in group)
    invoice_ids = {i.invoice_id for i in group}
    used = DiscountOfferItem.objects.filter(payment__isnull=False).values("payment_id")
    payments = Payment.objects.filter(
        customer_id=offer.customer_id, currency=currency, amount=due, received_on__gte=offer.offered_on
    ).exclude(pk__in=used)
    for payment in payments.order_by("received_on", "pk"):
        if not within_window(payment.received_on, offered_on=offer.offered_on, valid_until=offer.valid_until):
            continue
        applied = _per_invoice(Allocation.objects.filter(payment=payment))
        credited = _written_off(payment)
        if not set(applied) | set(credited) <= invoice_ids:
            continue
        opens = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "open_amount"))
        paid = {k: applied.get(k, 0) + credited.get(k, 0) for k in invoice_ids}
        if all(opens[i.invoice_id] + paid[i.invoice_id] == i.open_amount for i in group):
            return payment
    return None


def _per_invoice(rows: QuerySet[Any]) -> dict[int, int]:
    return {k: int(v) for k, v in rows.values_list("invoice_id").annotate(total=Sum("amount")).order_by()}


def _written_off(payment: Payment) -> dict[int, int]:
    """What cash application already credited on this payment (a discount it recognised by itself)."""
    return _per_invoice(Deduction.objects.filter(payment=payment, credit_note__isnull=False))


def _apply(offer: DiscountOffer, payment: Payment, group: Sequence[DiscountOfferItem], *, now: dt.datetime) -> None:
    """Apply what is left of ``payment`` to the items (each up to its discounted amount first),
    then credit what each still has open: with what cash application wrote off on the payment,
    the discount, exactly."""
    applied = _per_invoice(Allocation.objects.filter(payment=payment))
    credited = sum(_written_off(payment).values())
    left = payment.unapplied_amount
    for fill_to_discounted in (True, False):
        for item in group:
            invoice = Invoice.objects.get(pk=item.invoice_id)
            want = item.open_amount - item.discount_amount - applied.get(item.invoice_id, 0)
            give = min(left, invoice.open_amount, want if fill_to_discounted else invoice.open_amount)
            if give > 0:
                ledger.allocate_payment(
                    payment=payment, invoice=invoice, amount=give, applied_on=payment.received_on, actor=None, now=now
                )
                applied[item.invoice_id] = applied.get(item.invoice_id, 0) + give
                left -= give
    for item in group:
        invoice = Invoice.objects.get(pk=item.invoice_id)
        if invoice.open_amount > 0:
            item.credit_note = ledger.issue_credit_note(
                invoice=invoice,
                amount=invoice.open_amount,
                issued_on=payment.received_on,
                actor=None,
                now=now,
                description=f"Early-payment discount {offer.percent} % (offer {offer.pk}, payment {payment.payment_ref})",
            )
            credited += item.credit_note.amount
        item.payment = payment
        item.save(update_fields=["payment", "credit_note"])
    if left or credited != sum(i.discount_amount for i in group):
        # The checks in _paying make this impossible; never book a wrong discount.
        raise RuntimeError(f"discount offer {offer.pk}: {left} left unapplied, {credited} credited")
