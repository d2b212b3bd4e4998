"""Single-object ledger use cases through the ORM: each one transaction, each one audited.

Bulk changes (imports, the demo) go through `recoup.imports`; both paths keep the same
invariants, and the database's check constraints back them up. Each says "customer changed"
(recoup.ledger.events), so the worklist and predictions follow once it commits.

Documents recoup issues itself (a credit note agreed in a dispute, a write-off, a corrected
invoice) carry the source ``RECOUP_SOURCE``, so their refs never collide with an ERP's. A
write-off is a credit note marked ``attributes["write_off"]``: it settles the invoice through
an ordinary credit allocation, so ``open = amount − Σ allocations`` holds and every reader of
the ledger (aging, KPIs, frames) needs nothing new (docs/disputes.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction

from recoup.audit.services import record_event
from recoup.kernel.phone import InvalidPhone, normalize_phone
from recoup.ledger.balances import recompute_balances
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Allocation, BankAccount, Contact, Customer, Invoice, Payment
from recoup.ledger.rules import (
    LedgerRuleBroken,
    Side,
    check_allocation,
    check_credit_note,
    normalise_account,
)

RECOUP_SOURCE = "recoup"
WRITE_OFF = "write_off"


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


class ContactError(ValueError):
    """What is wrong with a contact's details; ``field`` names the one at fault (name, email, phone)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _contact_fields(customer: Customer, contact: Contact | None, *, name: str, email: str, phone: str) -> dict[str, str]:
    name, email, phone = name.strip(), email.strip(), phone.strip()
    if not name:
        raise ContactError("name", "a contact needs a name")
    if len(name) > 200:
        raise ContactError("name", f"a contact's name may be at most 200 characters, this one has {len(name)}")
    clash = Contact.objects.filter(customer=customer, name=name)
    if contact is not None:
        clash = clash.exclude(pk=contact.pk)
    if clash.exists():
        raise ContactError("name", f"{customer.customer_ref} already has a contact called {name!r}")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ContactError("email", f"{email!r} is not an e-mail address") from None
    e164 = ""
    if phone:
        try:
            # A number without a country code is read as one of the customer's country.
            e164 = normalize_phone(phone, customer.country or None)
        except InvalidPhone as exc:
            raise ContactError("phone", str(exc)) from None
    return {"name": name, "email": email, "phone": e164}


@transaction.atomic
def save_contact(
    *, customer: Customer, contact: Contact | None, name: str, email: str, phone: str, actor: Any, now: dt.datetime
) -> Contact:
    """Correct a contact's name, e-mail and phone (``contact`` None: add one, primary when the
    customer has none). The phone is stored in E.164; a corrected number is dialled again, so
    one kept as imported but not dialable is cleared. Audited with before and after."""
    if contact is not None and contact.customer_id != customer.pk:
        raise ContactError("contact", f"contact {contact.pk} belongs to another customer")
    fields = _contact_fields(customer, contact, name=name, email=email, phone=phone)
    before = None
    if contact is None:
        primary = not Contact.objects.filter(customer=customer, is_primary=True).exists()
        contact = Contact(customer=customer, is_primary=primary)
    else:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        before = {"name": contact.name, "email": contact.email, "phone": contact.phone or contact.undialable_phone}
    if before is not None and before == fields:
        return contact
    contact.name, contact.email, contact.phone = fields["name"], fields["email"], fields["phone"]
    if fields["phone"]:
        contact.undialable_phone = ""
    contact.save()
    record_event(
        actor=actor,
        action="contact.update" if before else "contact.create",
        obj=contact,
        before=before,
        after={"customer": customer.customer_ref, **fields},
        at=now,
    )
    customers_changed([customer.pk], kind="contact")
    return contact


def _locked_debit(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise LedgerRuleBroken(f"{invoice.invoice_ref} is a credit note; only invoices and debit notes are credited")
    return invoice


def _unused_ref(stem: str) -> str:
    """``stem1``, or ``stem2`` if that is taken …: refs of documents recoup issues against one
    invoice (locked by the caller, so two requests cannot pick the same)."""
    taken = set(Invoice.objects.filter(source=RECOUP_SOURCE, invoice_ref__startswith=stem).values_list("invoice_ref", flat=True))
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _credit(
    invoice: Invoice, *, amount: int, issued_on: dt.date, prefix: str, description: str, attributes: dict[str, Any]
) -> Invoice:
    check_allocation(
        source=Side(ref="the credit", currency=invoice.currency, open_amount=amount),
        target=_invoice_side(invoice),
        target_kind=invoice.kind,
        amount=amount,
    )
    credit = Invoice.objects.create(
        source=RECOUP_SOURCE,
        invoice_ref=_unused_ref(f"{prefix}-{invoice.invoice_ref[:90]}-"),
        customer_id=invoice.customer_id,
        kind=Invoice.Kind.CREDIT_NOTE,
        issue_date=issued_on,
        due_date=issued_on,
        currency=invoice.currency,
        amount=amount,
        open_amount=amount,
        credited_invoice=invoice,
        description=description[:500],
        attributes=attributes,
    )
    Allocation.objects.create(invoice=invoice, credit_note=credit, amount=amount, applied_on=issued_on)
    recompute_balances(connection, invoice_ids=[invoice.pk, credit.pk], payment_ids=[])
    invoice.refresh_from_db(fields=["open_amount"])
    credit.refresh_from_db(fields=["open_amount"])
    return credit


@transaction.atomic
def issue_credit_note(
    *, invoice: Invoice, amount: int, issued_on: dt.date, actor: Any, now: dt.datetime, description: str = ""
) -> Invoice:
    """A credit note of ``amount`` (at most what ``invoice`` still has open), applied to it at once."""
    invoice = _locked_debit(invoice)
    credit = _credit(invoice, amount=amount, issued_on=issued_on, prefix="CN", description=description, attributes={})
    record_event(
        actor=actor,
        action="credit_note.issue",
        obj=credit,
        at=now,
        after={"credit_note": credit.invoice_ref, "invoice": invoice.invoice_ref, "amount": amount, "description": description},
    )
    customers_changed([invoice.customer_id], kind="ledger")
    return credit


@transaction.atomic
def write_off(
    *, invoice: Invoice, amount: int, issued_on: dt.date, actor: Any, now: dt.datetime, description: str = ""
) -> Invoice:
    """Write ``amount`` of ``invoice`` off: a credit note marked as a write-off, applied to it."""
    invoice = _locked_debit(invoice)
    credit = _credit(
        invoice, amount=amount, issued_on=issued_on, prefix="WO", description=description, attributes={WRITE_OFF: True}
    )
    record_event(
        actor=actor,
        action="write_off",
        obj=credit,
        at=now,
        after={"write_off": credit.invoice_ref, "invoice": invoice.invoice_ref, "amount": amount, "description": description},
    )
    customers_changed([invoice.customer_id], kind="ledger")
    return credit


@transaction.atomic
def correct_invoice(
    *, invoice: Invoice, amount: int, due_date: dt.date, issued_on: dt.date, actor: Any, now: dt.datetime, description: str = ""
) -> tuple[Invoice, Invoice]:
    """Replace what is still open on ``invoice`` by a corrected invoice of ``amount``: a credit
    note for its whole open amount, and a new invoice (``INV-7-R1``) due on ``due_date``."""
    invoice = _locked_debit(invoice)
    if amount <= 0:
        raise LedgerRuleBroken(f"a corrected invoice must be for more than zero, not {amount}")
    if due_date < issued_on:
        raise LedgerRuleBroken(f"the corrected invoice cannot be due ({due_date}) before it is issued ({issued_on})")
    if invoice.open_amount <= 0:
        raise LedgerRuleBroken(f"{invoice.invoice_ref} has nothing open to correct")
    credited = invoice.open_amount
    credit = _credit(
        invoice,
        amount=credited,
        issued_on=issued_on,
        prefix="CN",
        description=description or f"Replaced by a corrected invoice for {invoice.invoice_ref}",
        attributes={},
    )
    replacement = Invoice.objects.create(
        source=RECOUP_SOURCE,
        invoice_ref=_unused_ref(f"{invoice.invoice_ref[:90]}-R"),
        customer_id=invoice.customer_id,
        kind=invoice.kind,
        issue_date=issued_on,
        due_date=due_date,
        currency=invoice.currency,
        amount=amount,
        open_amount=amount,
        po_number=invoice.po_number,
        description=f"Corrects {invoice.invoice_ref}"[:500],
        attributes={"corrects": invoice.invoice_ref},
    )
    record_event(
        actor=actor,
        action="invoice.correct",
        obj=replacement,
        at=now,
        before={"invoice": invoice.invoice_ref, "open_amount": credited},
        after={
            "credit_note": credit.invoice_ref,
            "invoice": replacement.invoice_ref,
            "amount": amount,
            "due_date": due_date.isoformat(),
        },
    )
    customers_changed([invoice.customer_id], kind="ledger")
    return credit, replacement


@transaction.atomic
def add_bank_account(*, customer: Customer, account: str, source: str, actor: Any, now: dt.datetime) -> BankAccount:
    """Record that ``customer`` pays from ``account``; an account already another customer's is
    moved only when a person says so (``source`` manual), never by learning."""
    compact, is_iban = normalise_account(account)
    existing = BankAccount.objects.select_for_update().filter(account=compact).first()
    if existing is not None and existing.customer_id == customer.pk:
        return existing
    if existing is not None and source != BankAccount.Source.MANUAL:
        raise LedgerRuleBroken(f"{compact} is already the account of another customer")
    before = None
    if existing is not None:
        before = {"customer": existing.customer_id}
        existing.customer = customer
        existing.source = source
        existing.save(update_fields=["customer", "source"])
        customers_changed([before["customer"]], kind="customer")
        bank_account = existing
    else:
        bank_account = BankAccount.objects.create(
            customer=customer, account=compact, is_iban=is_iban, source=source, created_at=now
        )
    record_event(
        actor=actor,
        action="bank_account.add",
        obj=bank_account,
        before=before,
        after={"customer": customer.customer_ref, "account": compact, "source": source},
        at=now,
    )
    customers_changed([customer.pk], kind="customer")
    return bank_account


@transaction.atomic
def remove_bank_account(*, bank_account: BankAccount, actor: Any, now: dt.datetime) -> None:
    record_event(
        actor=actor,
        action="bank_account.remove",
        obj=bank_account,
        before={"customer": bank_account.customer_id, "account": bank_account.account},
        at=now,
    )
    customer_id = bank_account.customer_id
    bank_account.delete()
    customers_changed([customer_id], kind="customer")
