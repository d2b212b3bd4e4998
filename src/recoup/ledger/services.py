"""Single-object ledger use cases through the ORM: each one transaction, each one audited.

Bulk changes (imports, the demo) go through `recoup.imports`; both paths keep the same
invariants, and the database's check constraints back them up. Each says "customer changed"
(recoup.ledger.events), so the worklist and predictions follow once it commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

from recoup.audit.services import record_event
from recoup.ledger.balances import recompute_balances
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.ledger.rules import LedgerRuleBroken, Side, check_allocation, check_credit_note


def _payment_side(payment: Payment) -> Side:
    return Side(ref=payment.payment_ref, currency=payment.currency, open_amount=payment.unapplied_amount)


def _invoice_side(invoice: Invoice) -> Side:
    return Side(ref=invoice.invoice_ref, currency=invoice.currency, open_amount=invoice.open_amount)


@transaction.atomic
def allocate_payment(
    *, payment: Payment, invoice: Invoice, amount: int, applied_on: dt.date | None, actor: Any, now: dt.datetime
) -> Allocation:
    """Apply part of a payment to an invoice. Rows are locked so two users cannot over-apply."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    check_allocation(source=_payment_side(payment), target=_invoice_side(invoice), target_kind=invoice.kind, amount=amount)
    if payment.customer_id and payment.customer_id != invoice.customer_id:
        raise LedgerRuleBroken(f"{payment.payment_ref} is from another customer than {invoice.invoice_ref}")
    allocation = Allocation.objects.create(
        invoice=invoice, payment=payment, amount=amount, applied_on=applied_on or payment.received_on
    )
    if payment.customer_id is None:
        payment.customer_id = invoice.customer_id
        payment.save(update_fields=["customer", "updated_at"])
    recompute_balances(connection, invoice_ids=[invoice.pk], payment_ids=[payment.pk])
    record_event(
        actor=actor,
        action="allocate",
        obj=allocation,
        at=now,
        after={
            "payment": payment.payment_ref,
            "invoice": invoice.invoice_ref,
            "amount": amount,
            "applied_on": allocation.applied_on.isoformat(),
        },
    )
    customers_changed([invoice.customer_id], kind="ledger")
    return allocation


@transaction.atomic
def apply_credit_note(
    *, credit_note: Invoice, invoice: Invoice, amount: int, applied_on: dt.date | None, actor: Any, now: dt.datetime
) -> Allocation:
    credit_note = Invoice.objects.select_for_update().get(pk=credit_note.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if credit_note.kind != Invoice.Kind.CREDIT_NOTE:
        raise LedgerRuleBroken(f"{credit_note.invoice_ref} is not a credit note")
    if credit_note.customer_id != invoice.customer_id:
        raise LedgerRuleBroken(f"{credit_note.invoice_ref} belongs to another customer than {invoice.invoice_ref}")
    check_credit_note(credit_amount=credit_note.amount, credited_amount=invoice.amount, credited_ref=invoice.invoice_ref)
    check_allocation(source=_invoice_side(credit_note), target=_invoice_side(invoice), target_kind=invoice.kind, amount=amount)
    allocation = Allocation.objects.create(
        invoice=invoice, credit_note=credit_note, amount=amount, applied_on=applied_on or credit_note.issue_date
    )
    if credit_note.credited_invoice_id is None:
        credit_note.credited_invoice = invoice
        credit_note.save(update_fields=["credited_invoice", "updated_at"])
    recompute_balances(connection, invoice_ids=[invoice.pk, credit_note.pk], payment_ids=[])
    record_event(
        actor=actor,
        action="apply_credit",
        obj=allocation,
        at=now,
        after={"credit_note": credit_note.invoice_ref, "invoice": invoice.invoice_ref, "amount": amount},
    )
    customers_changed([invoice.customer_id], kind="ledger")
    return allocation


@transaction.atomic
def remove_allocation(*, allocation: Allocation, actor: Any, now: dt.datetime) -> None:
    """Undo an allocation (a payment applied to the wrong invoice); the balances follow."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    before = {
        "invoice_id": allocation.invoice_id,
        "payment_id": allocation.payment_id,
        "credit_note_id": allocation.credit_note_id,
        "amount": allocation.amount,
    }
    invoice_ids = [i for i in (allocation.invoice_id, allocation.credit_note_id) if i]
    payment_ids = [allocation.payment_id] if allocation.payment_id else []
    record_event(actor=actor, action="unallocate", obj=allocation, before=before, at=now)
    customer_id = Invoice.objects.filter(pk=allocation.invoice_id).values_list("customer_id", flat=True).first()
    allocation.delete()
    recompute_balances(connection, invoice_ids=invoice_ids, payment_ids=payment_ids)
    customers_changed([customer_id], kind="ledger")


@transaction.atomic
def assign_collector(*, customer: Customer, collector: Any, actor: Any, now: dt.datetime) -> Customer:
    """Put the account in ``collector``'s portfolio (None: the shared pool)."""
    before = {"collector": customer.collector.email if customer.collector else None}
    customer.collector = collector
    customer.save(update_fields=["collector", "updated_at"])
    record_event(
        actor=actor,
        action="customer.reassign",
        obj=customer,
        before=before,
        after={"collector": collector.email if collector else None},
        at=now,
    )
    customers_changed([customer.pk], kind="customer")
    return customer
