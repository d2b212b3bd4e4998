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
import json
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection, transaction

from recoup.audit.services import actor_label_for, bulk_insert_frame, record_event
from recoup.database.bulk import SQLITE_PARAMS, fetch_frame, insert_frame, is_postgres, reserve_ids
from recoup.ledger.balances import recompute_balances
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Allocation, BankAccount, Customer, Invoice, Payment
from recoup.ledger.rules import (
    WRITTEN_OFF,
    CashReceipt,
    LedgerRuleBroken,
    OpenItem,
    Side,
    check_allocation,
    check_credit_note,
    check_receipts,
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


def open_items_for_update(invoice_ids: Sequence[int]) -> dict[int, OpenItem]:
    """The items as they are now, locked until the caller's transaction ends (PostgreSQL: FOR
    UPDATE; SQLite: the whole file is locked by BEGIN IMMEDIATE already)."""
    ids = sorted(set(invoice_ids))
    lock = " FOR UPDATE" if is_postgres(connection) else ""
    items: dict[int, OpenItem] = {}
    schema = {
        "id": pl.Int64,
        "ref": pl.String,
        "customer_id": pl.Int64,
        "currency": pl.String,
        "open": pl.Int64,
        "kind": pl.String,
    }
    for start in range(0, len(ids), SQLITE_PARAMS):
        chunk = ids[start : start + SQLITE_PARAMS]
        frame = fetch_frame(
            connection,
            "SELECT id, invoice_ref, customer_id, currency, open_amount, kind FROM ledger_invoice"
            f" WHERE id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY id{lock}",
            chunk,
            schema=schema,
        )
        for row in frame.iter_rows():
            items[row[0]] = OpenItem(ref=row[1], customer_id=row[2], currency=row[3], open_amount=row[4], kind=row[5])
    return items


@transaction.atomic
def receive_cash(
    receipts: Sequence[CashReceipt], *, source: str, actor: Any, now: dt.datetime, actor_label: str | None = None
) -> list[int]:
    """Record payments and apply them, in one transaction, set-based: the ids of the new payments.

    Used for one payment applied by hand and for thousands applied by a bank statement alike.
    Each payment gets one audit event naming its allocations and deductions; a deduction written
    off (discount, bank charges) becomes a credit note applied to its item. The check constraints
    back up ``check_receipts``: an over-allocation rolls everything back.
    """
    if not receipts:
        return []
    touched = sorted({i for r in receipts for i, _ in r.allocations} | {i for r in receipts for i, _, _ in r.deductions})
    items = open_items_for_update(touched)
    check_receipts(receipts, items)
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None)
    payment_ids = reserve_ids(connection, "ledger_payment", len(receipts)).to_list()
    insert_frame(connection, "ledger_payment", _payments_frame(receipts, payment_ids, source, stamp))
    allocations = [(pid, i, a, r.received_on) for pid, r in zip(payment_ids, receipts, strict=True) for i, a in r.allocations]
    insert_frame(
        connection,
        "ledger_allocation",
        pl.DataFrame(
            allocations,
            schema={"payment_id": pl.Int64, "invoice_id": pl.Int64, "amount": pl.Int64, "applied_on": pl.Date},
            orient="row",
        ).with_columns(pl.lit(stamp).dt.replace_time_zone("UTC").alias("created_at")),
    )
    credit_ids = _deductions(receipts, payment_ids, items, stamp)
    recompute_balances(connection, invoice_ids=touched + credit_ids, payment_ids=payment_ids)
    _audit_receipts(receipts, payment_ids, items, actor=actor, label=actor_label or actor_label_for(actor), at=now)
    customers_changed([r.customer_id for r in receipts], kind="ledger")
    return payment_ids


def _payments_frame(receipts: Sequence[CashReceipt], ids: list[int], source: str, stamp: dt.datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ids,
            "source": [source] * len(ids),
            "payment_ref": [r.payment_ref for r in receipts],
            "customer_id": [r.customer_id for r in receipts],
            "received_on": [r.received_on for r in receipts],
            "amount": [r.amount for r in receipts],
            "currency": [r.currency for r in receipts],
            # Derived below by recompute_balances; written whole so the constraint holds meanwhile.
            "unapplied_amount": [r.amount for r in receipts],
            "method": [r.method for r in receipts],
            "reference": [r.reference[:500] for r in receipts],
            "attributes": ["{}"] * len(ids),
            "import_hash": [""] * len(ids),
        },
        schema_overrides={"id": pl.Int64, "customer_id": pl.Int64, "amount": pl.Int64, "unapplied_amount": pl.Int64},
    ).with_columns(pl.lit(stamp).dt.replace_time_zone("UTC").alias(c) for c in ("created_at", "updated_at"))


def _deductions(
    receipts: Sequence[CashReceipt], payment_ids: list[int], items: dict[int, OpenItem], stamp: dt.datetime
) -> list[int]:
    """Deduction rows, and a credit note applied to the item for each one written off; returns the
    credit notes' ids."""
    rows = [(pid, r, i, a, why) for pid, r in zip(payment_ids, receipts, strict=True) for i, a, why in r.deductions]
    if not rows:
        return []
    written = [row for row in rows if row[4] in WRITTEN_OFF]
    credit_ids = reserve_ids(connection, "ledger_invoice", len(written)).to_list()
    by_row = {id(row): cid for row, cid in zip(written, credit_ids, strict=True)}
    utc = pl.lit(stamp).dt.replace_time_zone("UTC")
    if written:
        notes = pl.DataFrame(
            {
                "id": credit_ids,
                "source": ["cashapp"] * len(written),
                "invoice_ref": [f"WO-{r.payment_ref}-{items[i].ref}"[:100] for _, r, i, _, _ in written],
                "customer_id": [items[i].customer_id for _, _, i, _, _ in written],
                "kind": ["credit_note"] * len(written),
                "issue_date": [r.received_on for _, r, _, _, _ in written],
                "due_date": [r.received_on for _, r, _, _, _ in written],
                "currency": [items[i].currency for _, _, i, _, _ in written],
                "amount": [a for _, _, _, a, _ in written],
                "open_amount": [a for _, _, _, a, _ in written],
                "credited_invoice_id": [i for _, _, i, _, _ in written],
                "po_number": [""] * len(written),
                "description": [
                    f"{why.replace('_', ' ')} written off on payment {r.payment_ref}"[:500] for _, r, _, _, why in written
                ],
                "attributes": ["{}"] * len(written),
                "import_hash": [""] * len(written),
            },
            schema_overrides={
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "credited_invoice_id": pl.Int64,
                "amount": pl.Int64,
                "open_amount": pl.Int64,
            },
        ).with_columns(utc.alias("created_at"), utc.alias("updated_at"))
        insert_frame(connection, "ledger_invoice", notes)
        insert_frame(
            connection,
            "ledger_allocation",
            notes.select(
                pl.col("id").alias("credit_note_id"),
                pl.col("credited_invoice_id").alias("invoice_id"),
                "amount",
                pl.col("issue_date").alias("applied_on"),
                "created_at",
            ),
        )
    deductions = pl.DataFrame(
        {
            "payment_id": [row[0] for row in rows],
            "invoice_id": [row[2] for row in rows],
            "amount": [row[3] for row in rows],
            "reason": [row[4] for row in rows],
            "credit_note_id": [by_row.get(id(row)) for row in rows],
            "applied_on": [row[1].received_on for row in rows],
        },
        schema_overrides={"payment_id": pl.Int64, "invoice_id": pl.Int64, "amount": pl.Int64, "credit_note_id": pl.Int64},
    ).with_columns(utc.alias("created_at"))
    insert_frame(connection, "ledger_deduction", deductions)
    return credit_ids


def _audit_receipts(
    receipts: Sequence[CashReceipt],
    payment_ids: list[int],
    items: dict[int, OpenItem],
    *,
    actor: Any,
    label: str,
    at: dt.datetime,
) -> None:
    def after(r: CashReceipt) -> str:
        return json.dumps(
            {
                "payment": r.payment_ref,
                "amount": r.amount,
                "currency": r.currency,
                "received_on": r.received_on.isoformat(),
                "allocations": [[items[i].ref, a] for i, a in r.allocations],
                "deductions": [[items[i].ref, a, why] for i, a, why in r.deductions],
            }
        )

    actor_id = actor.pk if getattr(actor, "pk", None) else None
    bulk_insert_frame(
        pl.DataFrame(
            {
                "actor_id": [actor_id] * len(receipts),
                "actor_label": [label] * len(receipts),
                "action": ["cash.receive"] * len(receipts),
                "object_type": ["ledger.payment"] * len(receipts),
                "object_id": payment_ids,
                "object_ref": [r.payment_ref[:200] for r in receipts],
                "before": [None] * len(receipts),
                "after": [after(r) for r in receipts],
                "import_run_id": [None] * len(receipts),
            },
            schema_overrides={"actor_id": pl.Int64, "object_id": pl.Int64, "before": pl.String, "import_run_id": pl.Int64},
        ).with_columns(pl.lit(at.astimezone(dt.UTC).replace(tzinfo=None)).dt.replace_time_zone("UTC").alias("at"))
    )


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
