"""A small team and one customer with three open invoices, dated from the business date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.clock import business_date
from recoup.ledger.models import Contact, Customer, Invoice

PASSWORD = "correct horse battery staple"


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def as_of(now: dt.datetime) -> dt.date:
    return business_date(now)


@pytest.fixture
def team(db) -> dict[str, User]:
    people = {}
    for key, role in (
        ("collector", Role.COLLECTOR),
        ("other", Role.COLLECTOR),
        ("senior", Role.SENIOR),
        ("manager", Role.MANAGER),
    ):
        people[key] = User.objects.create_user(
            email=f"{key}@example.com", password=PASSWORD, first_name=key.title(), last_name="Tester", role=role
        )
    return people


def _invoice(customer: Customer, ref: str, amount: int, due: dt.date, currency: str = "EUR") -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=amount,
        open_amount=amount,
    )


@pytest.fixture
def acme(team: dict[str, User], as_of: dt.date) -> Customer:
    customer = Customer.objects.create(
        customer_ref="ACME", name="Acme Tools", country="DE", currency="EUR", collector=team["collector"]
    )
    Contact.objects.create(customer=customer, name="Petra Payables", phone="+493012345678", is_primary=True)
    _invoice(customer, "INV-1", 1_200_000, as_of - dt.timedelta(days=40))
    _invoice(customer, "INV-2", 410_000, as_of - dt.timedelta(days=10))
    _invoice(customer, "INV-3", 500_000, as_of + dt.timedelta(days=10))
    return customer


@pytest.fixture
def globex(team: dict[str, User], as_of: dt.date) -> Customer:
    """Another collector's customer."""
    customer = Customer.objects.create(
        customer_ref="GLOBEX", name="Globex", country="US", currency="USD", collector=team["other"]
    )
    _invoice(customer, "G-1", 900_000, as_of - dt.timedelta(days=20), currency="USD")
    return customer


def invoice(ref: str) -> Invoice:
    return Invoice.objects.get(invoice_ref=ref)
