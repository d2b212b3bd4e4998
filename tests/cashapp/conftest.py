from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.models import BankAccount, Customer, Invoice

PASSWORD = "correct horse battery staple"
DAY = dt.date(2025, 3, 3)


@pytest.fixture
def clerk() -> User:
    return User.objects.create_user(email="clerk@example.com", password=PASSWORD, role=Role.COLLECTOR, first_name="Cleo")


def invoice(
    customer: Customer, ref: str, amount: int, *, due: dt.date = DAY - dt.timedelta(days=10), currency: str = "EUR"
) -> Invoice:
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
def ledger(clerk: User) -> dict[str, object]:
    """Three customers: Acme pays from a known account, Borealis is a parent with a subsidiary."""
    acme = Customer.objects.create(customer_ref="C-ACME", name="Acme Trading GmbH", currency="EUR", collector=clerk)
    borealis = Customer.objects.create(customer_ref="C-BOR", name="Borealis Holding AG", currency="EUR")
    child = Customer.objects.create(customer_ref="C-BOR-DE", name="Borealis Logistik GmbH", currency="EUR", parent=borealis)
    BankAccount.objects.create(
        customer=acme, account="DE89370400440532013000", is_iban=True, source="import", created_at=timezone.now()
    )
    refs = {
        "A1": invoice(acme, "INV-2025-0101", 100000),
        "A2": invoice(acme, "INV-2025-0102", 250000),
        "A3": invoice(acme, "INV-2025-0103", 50000, due=DAY + dt.timedelta(days=20)),
        "B1": invoice(borealis, "INV-2025-0201", 77700),
        "C1": invoice(child, "INV-2025-0301", 120000),
        "C2": invoice(child, "INV-2025-0302", 30000),
    }
    return {"acme": acme, "borealis": borealis, "child": child, **refs}
