"""Loading the demo company through the importer: users with roles, open balances, idempotent."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from recoup.accounts.models import Role, User
from recoup.accounts.services import create_user, ensure_demo_users
from recoup.demo.services import DEMO_PASSWORD, load_demo_company
from recoup.ledger.models import Allocation, Contact, Customer, Invoice, Payment

AS_OF = date(2026, 3, 15)


@pytest.mark.django_db(transaction=False)
def test_demo_company_loads_and_loading_again_changes_nothing() -> None:
    first = load_demo_company(customers=40, invoices=800, seed=9, as_of=AS_OF)
    roles = dict(User.objects.values_list("email", "role"))
    assert roles["admin@demo.recoup.example"] == Role.ADMIN
    assert roles["manager@demo.recoup.example"] == Role.MANAGER
    assert roles["senior@demo.recoup.example"] == Role.SENIOR
    assert [roles[f"collector{i}@demo.recoup.example"] for i in range(1, 5)] == [Role.COLLECTOR] * 4
    admin = User.objects.get(email="admin@demo.recoup.example")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)

    assert Customer.objects.count() == 40
    assert Customer.objects.filter(collector__isnull=False).exists()
    assert Contact.objects.filter(is_primary=True).count() > 30
    open_customers = Customer.objects.filter(invoices__open_amount__gt=0).distinct().count()
    assert open_customers > 10
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    assert Allocation.objects.filter(credit_note__isnull=False).exists()
    assert Payment.objects.filter(unapplied_amount__gt=0).exists()
    assert Invoice.objects.aggregate(open=Sum("open_amount"))["open"] > 0
    for entity, counts in first["imports"].items():
        assert counts["created"] > 0, entity
        assert counts["invalid"] == 0, entity

    before = (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count(), Allocation.objects.count())
    again = load_demo_company(customers=40, invoices=800, seed=9, as_of=AS_OF)
    for entity, counts in again["imports"].items():
        assert counts["created"] == counts["updated"] == counts["invalid"] == 0, entity
        assert counts["unchanged"] > 0, entity
    after = (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count(), Allocation.objects.count())
    assert after == before
    assert User.objects.count() == 7


@pytest.mark.django_db(transaction=False)
def test_demo_command_prints_a_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", customers=12, invoices=200, seed=1, as_of="2026-03-15", json=True)
    summary = json.loads(capsys.readouterr().out)
    assert summary["imports"]["customers"]["created"] == 12
    assert {u["role"] for u in summary["users"]} == {"admin", "manager", "senior", "collector"}


@pytest.mark.django_db(transaction=False)
def test_create_user_checks_the_role_and_demo_users_are_idempotent() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        create_user(email="x@example.com", password="pw-123456789", role="boss")
    user = create_user(email="x@example.com", password="pw-123456789", role="senior", first_name="X")
    assert user.role == Role.SENIOR and user.username == "x@example.com" and user.check_password("pw-123456789")
    assert len(ensure_demo_users("one-password")) == 7
    assert len(ensure_demo_users("other-password")) == 7
    assert User.objects.count() == 8
    assert User.objects.get(email="manager@demo.recoup.example").check_password("one-password")
