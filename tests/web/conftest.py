from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import User
from recoup.ledger.models import Allocation, Contact, Customer, Invoice, Payment

PASSWORD = "correct horse battery staple"


@pytest.fixture
def today() -> dt.date:
    # The views take "today" from timezone.localdate(); tests date their rows from the same.
    return timezone.localdate()


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user(email="cara@example.com", password=PASSWORD, first_name="Cara", last_name="Collector")


@pytest.fixture
def client_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def ledger(db, today):
    """Three customers with hand-built open items whose open amounts agree with their allocations."""
    d = dt.timedelta
    acme = Customer.objects.create(customer_ref="C-100", name="Acme Tools", country="US", currency="USD", segment="SMB")
    Contact.objects.create(customer=acme, name="Pat Payables", email="pat@acme.example", phone="+13125550100", is_primary=True)
    # Overdue invoice 10000 open; a credit note with 2000 unused credit → open balance 8000, overdue 10000.
    Invoice.objects.create(
        customer=acme,
        invoice_ref="INV-1",
        issue_date=today - d(60),
        due_date=today - d(30),
        currency="USD",
        amount=10000,
        open_amount=10000,
    )
    Invoice.objects.create(
        customer=acme,
        invoice_ref="CN-1",
        kind=Invoice.Kind.CREDIT_NOTE,
        issue_date=today - d(10),
        due_date=today - d(10),
        currency="USD",
        amount=2000,
        open_amount=2000,
    )
    # A paid invoice: fully allocated, so not open.
    paid = Invoice.objects.create(
        customer=acme,
        invoice_ref="INV-PAID",
        issue_date=today - d(90),
        due_date=today - d(60),
        currency="USD",
        amount=5000,
        open_amount=0,
    )
    payment = Payment.objects.create(
        customer=acme, payment_ref="PAY-1", received_on=today - d(55), amount=5000, currency="USD", unapplied_amount=0
    )
    Allocation.objects.create(invoice=paid, payment=payment, amount=5000, applied_on=today - d(55))

    # Bigger overdue: 50000 overdue, plus 7000 not yet due and partly paid (9000 − 2000).
    globex = Customer.objects.create(customer_ref="C-200", name="Globex", country="DE", currency="EUR", segment="Enterprise")
    Contact.objects.create(
        customer=globex, name="Hank Scorpio", email="hank@globex.example", do_not_call=True, phone="+4930123456"
    )
    Invoice.objects.create(
        customer=globex,
        invoice_ref="G-1",
        issue_date=today - d(100),
        due_date=today - d(70),
        currency="EUR",
        amount=50000,
        open_amount=50000,
    )
    partly = Invoice.objects.create(
        customer=globex,
        invoice_ref="G-2",
        issue_date=today - d(5),
        due_date=today + d(25),
        currency="EUR",
        amount=9000,
        open_amount=7000,
    )
    gpay = Payment.objects.create(
        customer=globex, payment_ref="GP-1", received_on=today - d(1), amount=2000, currency="EUR", unapplied_amount=0
    )
    Allocation.objects.create(invoice=partly, payment=gpay, amount=2000, applied_on=today - d(1))

    # Nothing open at all.
    initech = Customer.objects.create(customer_ref="C-300", name="Initech", country="US", currency="USD")
    return {"acme": acme, "globex": globex, "initech": initech}
