"""The ledger's invariants, enforced by the services and, underneath, by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from recoup.audit.models import AuditEvent
from recoup.ledger.balances import recompute_balances
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.ledger.rules import LedgerRuleBroken
from recoup.ledger.services import allocate_payment, apply_credit_note, remove_allocation

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def ledger() -> dict:
    customer = Customer.objects.create(customer_ref="A", name="Alpha", currency="USD")
    other = Customer.objects.create(customer_ref="B", name="Beta", currency="USD")

    def invoice(ref: str, amount: int, kind: str = "invoice", currency: str = "USD", cust: Customer = customer) -> Invoice:
        return Invoice.objects.create(
            invoice_ref=ref,
            customer=cust,
            kind=kind,
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            currency=currency,
            amount=amount,
            open_amount=amount,
        )

    def payment(ref: str, amount: int, currency: str = "USD") -> Payment:
        return Payment.objects.create(
            payment_ref=ref, received_on=dt.date(2026, 2, 1), amount=amount, currency=currency, unapplied_amount=amount
        )

    return {"customer": customer, "other": other, "invoice": invoice, "payment": payment}


def test_allocation_derives_open_and_unapplied_amounts(ledger: dict) -> None:
    inv, pay = ledger["invoice"]("I1", 10000), ledger["payment"]("P1", 6000)
    allocate_payment(payment=pay, invoice=inv, amount=4000, applied_on=None, actor=None, now=NOW)
    inv.refresh_from_db()
    pay.refresh_from_db()
    assert (inv.open_amount, pay.unapplied_amount, pay.customer_id) == (6000, 2000, inv.customer_id)
    assert AuditEvent.objects.filter(action="allocate").count() == 1
    allocation = Allocation.objects.get()
    assert allocation.applied_on == dt.date(2026, 2, 1)
    remove_allocation(allocation=allocation, actor=None, now=NOW)
    inv.refresh_from_db()
    pay.refresh_from_db()
    assert (inv.open_amount, pay.unapplied_amount) == (10000, 6000)


def test_services_refuse_over_allocation_and_currency_mismatch(ledger: dict) -> None:
    inv, pay = ledger["invoice"]("I1", 10000), ledger["payment"]("P1", 20000)
    with pytest.raises(LedgerRuleBroken, match="only 10000 open"):
        allocate_payment(payment=pay, invoice=inv, amount=15000, applied_on=None, actor=None, now=NOW)
    with pytest.raises(LedgerRuleBroken, match="in EUR"):
        allocate_payment(
            payment=ledger["payment"]("P2", 100, "EUR"), invoice=inv, amount=100, applied_on=None, actor=None, now=NOW
        )
    small = ledger["payment"]("P3", 500)
    with pytest.raises(LedgerRuleBroken, match="only 500 left"):
        allocate_payment(payment=small, invoice=inv, amount=600, applied_on=None, actor=None, now=NOW)
    assert Allocation.objects.count() == 0


def test_credit_note_may_not_exceed_what_it_credits(ledger: dict) -> None:
    inv = ledger["invoice"]("I1", 10000)
    big = ledger["invoice"]("CN1", 12000, kind="credit_note")
    with pytest.raises(LedgerRuleBroken, match="exceeds I1"):
        apply_credit_note(credit_note=big, invoice=inv, amount=10000, applied_on=None, actor=None, now=NOW)
    fine = ledger["invoice"]("CN2", 3000, kind="credit_note")
    apply_credit_note(credit_note=fine, invoice=inv, amount=3000, applied_on=None, actor=None, now=NOW)
    inv.refresh_from_db()
    fine.refresh_from_db()
    assert (inv.open_amount, fine.open_amount, fine.credited_invoice_id) == (7000, 0, inv.pk)


def test_the_database_refuses_an_over_allocation_even_without_the_services(ledger: dict) -> None:
    inv, pay = ledger["invoice"]("I1", 10000), ledger["payment"]("P1", 50000)
    Allocation.objects.create(invoice=inv, payment=pay, amount=20000, applied_on=dt.date(2026, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        recompute_balances(connection, invoice_ids=[inv.pk], payment_ids=[pay.pk])


@pytest.mark.parametrize(
    "change",
    [
        lambda books: books["invoice"]("NEG", -5),
        lambda books: Invoice.objects.create(
            invoice_ref="EARLY",
            customer=books["customer"],
            issue_date=dt.date(2026, 2, 1),
            due_date=dt.date(2026, 1, 1),
            currency="USD",
            amount=5,
            open_amount=5,
        ),
        lambda books: (books["invoice"]("DUP", 5), books["invoice"]("DUP", 7)),
        lambda books: Allocation.objects.create(
            invoice=books["invoice"]("X", 5),
            payment=books["payment"]("Y", 5),
            credit_note=books["invoice"]("Z", 5, kind="credit_note"),
            amount=5,
            applied_on=dt.date(2026, 1, 1),
        ),
        lambda books: Allocation.objects.create(
            invoice=books["invoice"]("X", 5), payment=books["payment"]("Y", 5), amount=0, applied_on=dt.date(2026, 1, 1)
        ),
        lambda books: Invoice.objects.create(
            invoice_ref="OPEN",
            customer=books["customer"],
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 1),
            currency="USD",
            amount=5,
            open_amount=9,
        ),
    ],
    ids=["negative-amount", "due-before-issue", "duplicate-ref", "two-sources", "zero-allocation", "open-above-amount"],
)
def test_database_constraints(ledger: dict, change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        change(ledger)
        connection.check_constraints()
