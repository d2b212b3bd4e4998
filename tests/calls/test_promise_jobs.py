"""Promises judged by the nightly job from the payments applied to their invoices."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.models import Role, User
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.promises.models import Promise
from recoup.promises.services import evaluate_due, make_promise
from recoup.worklist import services
from recoup.worklist.models import Task

pytestmark = pytest.mark.django_db

MADE = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def _customer(ref: str, collector: User) -> tuple[Customer, Invoice]:
    customer = Customer.objects.create(customer_ref=ref, name=ref, country="DE", currency="EUR", collector=collector)
    invoice = Invoice.objects.create(
        customer=customer,
        invoice_ref=f"I-{ref}",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        currency="EUR",
        amount=100_000,
        open_amount=100_000,
    )
    return customer, invoice


def _pay(invoice: Invoice, amount: int, on: dt.date) -> None:
    payment = Payment.objects.create(
        customer=invoice.customer,
        payment_ref=f"P-{invoice.pk}-{amount}",
        received_on=on,
        amount=amount,
        currency="EUR",
        unapplied_amount=0,
    )
    Allocation.objects.create(invoice=invoice, payment=payment, amount=amount, applied_on=on)
    invoice.open_amount -= amount
    invoice.save()


def test_kept_partially_kept_and_broken() -> None:
    collector = User.objects.create_user(email="c@example.com", password="x" * 12, role=Role.COLLECTOR)
    promises = {}
    for ref, paid in (("KEPT", 100_000), ("PART", 40_000), ("BROKE", 0)):
        customer, invoice = _customer(ref, collector)
        promises[ref] = make_promise(
            actor=collector, customer=customer, amount=100_000, promised_date=dt.date(2026, 11, 10), invoices=[invoice], now=MADE
        )
        if paid:
            _pay(invoice, paid, dt.date(2026, 11, 9))
    # Within the tolerance nothing is judged yet (except a promise already paid in full).
    assert evaluate_due(as_of=dt.date(2026, 11, 12), now=MADE) == 1
    assert evaluate_due(as_of=dt.date(2026, 11, 13), now=MADE) == 2
    status = {ref: Promise.objects.get(pk=p.pk) for ref, p in promises.items()}
    assert {ref: p.status for ref, p in status.items()} == {"KEPT": "kept", "PART": "partially_kept", "BROKE": "broken"}
    assert status["PART"].kept_amount == 40_000
    # The broken promise gets a follow-up call for its collector; only once.
    assert services.follow_up_broken_promises(now=dt.datetime(2026, 11, 13, 1, 0, tzinfo=dt.UTC)) == 1
    assert services.follow_up_broken_promises(now=dt.datetime(2026, 11, 13, 2, 0, tzinfo=dt.UTC)) == 0
    task = Task.objects.get()
    assert task.customer.customer_ref == "BROKE" and task.user == collector and "broken" in task.title
    # A later promise of the same customer remembers how many were broken before it.
    broke = Customer.objects.get(customer_ref="BROKE")
    again = make_promise(
        actor=collector,
        customer=broke,
        amount=50_000,
        promised_date=dt.date(2026, 11, 20),
        invoices=list(broke.invoices.all()),
        now=dt.datetime(2026, 11, 13, 9, 0, tzinfo=dt.UTC),
    )
    assert again.level == 1
