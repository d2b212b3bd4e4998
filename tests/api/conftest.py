"""A team, a customer of each collector and one in the shared pool, and tokens to call the API with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from recoup.accounts import tokens
from recoup.accounts.models import Role, User
from recoup.ledger.clock import business_date
from recoup.ledger.models import Contact, Customer, Invoice, Payment


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
        people[key] = User.objects.create_user(email=f"{key}@example.com", password=None, first_name=key.title(), role=role)
    return people


def add_invoice(customer: Customer, ref: str, amount: int, due: dt.date) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=customer.currency,
        amount=amount,
        open_amount=amount,
    )


@pytest.fixture
def books(team: dict[str, User], as_of: dt.date) -> dict[str, Customer]:
    acme = Customer.objects.create(
        customer_ref="ACME", name="Acme Tools", country="DE", currency="EUR", collector=team["collector"]
    )
    Contact.objects.create(customer=acme, name="Petra Payables", phone="+493012345678", is_primary=True)
    add_invoice(acme, "INV-1", 1_200_000, as_of - dt.timedelta(days=40))
    add_invoice(acme, "INV-2", 410_000, as_of - dt.timedelta(days=10))
    globex = Customer.objects.create(customer_ref="GLOBEX", name="Globex", country="US", currency="USD", collector=team["other"])
    add_invoice(globex, "G-1", 900_000, as_of - dt.timedelta(days=20))
    Payment.objects.create(
        customer=globex, payment_ref="PAY-G", received_on=as_of, amount=5_000, currency="USD", unapplied_amount=5_000
    )
    pool = Customer.objects.create(customer_ref="POOL", name="Pooled Ltd", country="GB", currency="GBP")
    add_invoice(pool, "P-1", 300_000, as_of - dt.timedelta(days=5))
    return {"acme": acme, "globex": globex, "pool": pool}


@pytest.fixture
def token_for(now: dt.datetime) -> Callable[..., str]:
    def make(user: User, scopes: str = "read,write") -> str:
        return tokens.issue(user=user, scopes=scopes.split(","), now=now).secret

    return make


@pytest.fixture
def bearer(token_for) -> Callable[..., Client]:
    """A client that sends ``user``'s token, and no session."""

    def make(user: User, scopes: str = "read,write") -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scopes)}")

    return make
