"""Two customers of two collectors, each with open items, and a browser session per link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.clock import business_date
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.portal import services

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """The rate-limit counters live in the cache, which outlives a test's transaction."""
    cache.clear()


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def as_of(now: dt.datetime) -> dt.date:
    return business_date(now)


@pytest.fixture
def team(db) -> dict[str, User]:
    people = {}
    for key, role in (("collector", Role.COLLECTOR), ("other", Role.COLLECTOR), ("senior", Role.SENIOR)):
        people[key] = User.objects.create_user(
            email=f"{key}@example.com", password=PASSWORD, first_name=key.title(), last_name="Tester", role=role
        )
    return people


def add_invoice(customer: Customer, ref: str, amount: int, due: dt.date, currency: str = "EUR", **extra: object) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=amount,
        open_amount=amount,
        **extra,
    )


@pytest.fixture
def acme(team: dict[str, User], as_of: dt.date) -> Customer:
    customer = Customer.objects.create(
        customer_ref="ACME", name="Acme Werkzeuge GmbH", country="DE", currency="EUR", collector=team["collector"]
    )
    Contact.objects.create(
        customer=customer, name="Petra Payables", phone="+493012345678", email="ap@acme.example", is_primary=True
    )
    add_invoice(customer, "INV-1001", 1_200_000, as_of - dt.timedelta(days=40), po_number="PO-77", description="Drill presses")
    add_invoice(customer, "INV-1002", 410_000, as_of - dt.timedelta(days=10))
    add_invoice(customer, "INV-1003", 500_000, as_of + dt.timedelta(days=10))
    return customer


@pytest.fixture
def globex(team: dict[str, User], as_of: dt.date) -> Customer:
    """Another collector's customer: nothing of it may ever show through Acme's link."""
    customer = Customer.objects.create(
        customer_ref="GLOBEX", name="Globex Corporation", country="US", currency="USD", collector=team["other"]
    )
    Contact.objects.create(customer=customer, name="Gil Globex", phone="+13125550100", email="ap@globex.example", is_primary=True)
    add_invoice(customer, "G-9001", 900_000, as_of - dt.timedelta(days=20), currency="USD")
    add_invoice(customer, "G-9002", 300_000, as_of - dt.timedelta(days=5), currency="USD")
    return customer


def token_of(url: str) -> str:
    return url.split("#", 1)[1]


def opened(customer: Customer, now: dt.datetime, *, client: Client | None = None) -> Client:
    """A browser that opened ``customer``'s link (as its page's script would post the token)."""
    client = client or Client()
    url = services.link_for(customer, now=now)
    response = client.post("/portal/open", {"token": token_of(url)})
    assert response.status_code == 302 and response["Location"] == "/portal/", response
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
