"""Documents recoup issues itself (dispute resolutions): credit notes, write-offs and corrected
invoices keep `open = amount − Σ allocations`, are audited and say "customer changed"."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.audit.models import AuditEvent
from recoup.ledger import services
from recoup.ledger.events import CustomersChanged, listen
from recoup.ledger.models import Allocation, Customer, Invoice
from recoup.ledger.rules import LedgerRuleBroken

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
ON = dt.date(2026, 3, 1)


@pytest.fixture
def invoice() -> Invoice:
    customer = Customer.objects.create(customer_ref="A", name="Alpha", currency="USD")
    return Invoice.objects.create(
        customer=customer,
        invoice_ref="INV-7",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        currency="USD",
        amount=10_000,
        open_amount=10_000,
        po_number="PO-1",
    )


def _invariant_holds(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    applied = sum(a.amount for a in Allocation.objects.filter(invoice=invoice))
    assert invoice.open_amount == invoice.amount - applied


@pytest.fixture
def heard() -> list[CustomersChanged]:
    changes: list[CustomersChanged] = []
    listen(changes.append, name="test.issued_documents")
    yield changes
    from recoup.ledger.events import customer_changed

    customer_changed.disconnect(dispatch_uid="test.issued_documents")


def test_a_credit_note_is_applied_at_once_and_numbered_per_invoice(invoice, heard, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.issue_credit_note(
            invoice=invoice, amount=2_500, issued_on=ON, actor=None, now=NOW, description="Dispute 1"
        )
        second = services.issue_credit_note(invoice=invoice, amount=500, issued_on=ON, actor=None, now=NOW)
    assert (first.invoice_ref, second.invoice_ref) == ("CN-INV-7-1", "CN-INV-7-2")
    assert (first.source, first.kind, first.credited_invoice_id, first.open_amount) == ("recoup", "credit_note", invoice.pk, 0)
    _invariant_holds(invoice)
    assert invoice.open_amount == 7_000
    assert AuditEvent.objects.filter(action="credit_note.issue").count() == 2
    assert heard and all(c.kinds == {"ledger"} and c.customer_ids == {invoice.customer_id} for c in heard)


def test_a_credit_note_is_at_most_what_is_open(invoice) -> None:
    services.issue_credit_note(invoice=invoice, amount=9_000, issued_on=ON, actor=None, now=NOW)
    with pytest.raises(LedgerRuleBroken, match="INV-7 has only 1000 open, not 1001"):
        services.issue_credit_note(invoice=invoice, amount=1_001, issued_on=ON, actor=None, now=NOW)
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_a_write_off_is_a_marked_credit_note(invoice) -> None:
    written = services.write_off(invoice=invoice, amount=10_000, issued_on=ON, actor=None, now=NOW)
    assert written.invoice_ref == "WO-INV-7-1" and written.attributes == {"write_off": True}
    _invariant_holds(invoice)
    assert invoice.open_amount == 0
    assert AuditEvent.objects.filter(action="write_off", object_id=written.pk).exists()


def test_a_corrected_invoice_credits_what_is_open_and_issues_the_new_one(invoice) -> None:
    services.issue_credit_note(invoice=invoice, amount=1_000, issued_on=ON, actor=None, now=NOW)
    credit, new = services.correct_invoice(
        invoice=invoice, amount=7_500, due_date=dt.date(2026, 3, 31), issued_on=ON, actor=None, now=NOW
    )
    _invariant_holds(invoice)
    assert invoice.open_amount == 0 and credit.amount == 9_000
    assert (new.invoice_ref, new.amount, new.open_amount, new.due_date, new.po_number) == (
        "INV-7-R1",
        7_500,
        7_500,
        dt.date(2026, 3, 31),
        "PO-1",
    )
    assert new.attributes == {"corrects": "INV-7"}
    with pytest.raises(LedgerRuleBroken, match="nothing open to correct"):
        services.correct_invoice(invoice=invoice, amount=1, due_date=dt.date(2026, 3, 31), issued_on=ON, actor=None, now=NOW)


def test_credit_notes_are_not_credited(invoice) -> None:
    credit = services.issue_credit_note(invoice=invoice, amount=100, issued_on=ON, actor=None, now=NOW)
    with pytest.raises(LedgerRuleBroken, match="is a credit note"):
        services.write_off(invoice=credit, amount=1, issued_on=ON, actor=None, now=NOW)
