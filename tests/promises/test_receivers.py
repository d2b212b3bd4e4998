"""A promise is judged when the customer's books change, not only on the nightly run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.ledger import services as ledger
from recoup.ledger.models import Customer, Invoice, Payment
from recoup.promises.models import Promise, PromiseStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _books() -> tuple[Customer, Invoice, Promise]:
    today = timezone.localdate()
    customer = Customer.objects.create(customer_ref="P-1", name="Prompt Payers Ltd", currency="EUR")
    invoice = Invoice.objects.create(
        customer=customer,
        invoice_ref="P-INV-1",
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=10),
        currency="EUR",
        amount=50000,
        open_amount=50000,
    )
    promise = Promise.objects.create(
        customer=customer,
        amount=50000,
        currency="EUR",
        promised_date=today + dt.timedelta(days=7),
        created_at=timezone.now() - dt.timedelta(days=1),
    )
    promise.invoices.set([invoice])
    return customer, invoice, promise


def _pay(customer: Customer, invoice: Invoice, amount: int, ref: str) -> None:
    payment = Payment.objects.create(
        payment_ref=ref,
        customer=customer,
        received_on=timezone.localdate(),
        amount=amount,
        currency="EUR",
        unapplied_amount=amount,
    )
    ledger.allocate_payment(payment=payment, invoice=invoice, amount=amount, applied_on=None, actor=None, now=timezone.now())


def test_paid_in_full_is_kept_the_moment_the_money_is_applied() -> None:
    customer, invoice, promise = _books()
    _pay(customer, invoice, 50000, "PAY-1")
    promise.refresh_from_db()
    assert (promise.status, promise.kept_amount) == (PromiseStatus.KEPT, 50000)


def test_paid_in_part_before_its_date_stays_open() -> None:
    customer, invoice, promise = _books()
    _pay(customer, invoice, 20000, "PAY-2")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN  # the rest may still come by the promised date
