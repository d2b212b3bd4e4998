from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from recoup.accounts.models import User
from recoup.audit.models import AuditEvent
from recoup.imports.models import ImportRun
from recoup.ledger.models import Allocation, Invoice, Payment

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

MODELS = [
    ("ledger", "customer"),
    ("ledger", "contact"),
    ("ledger", "invoice"),
    ("ledger", "payment"),
    ("ledger", "allocation"),
    ("accounts", "user"),
    ("audit", "auditevent"),
    ("imports", "importrun"),
]
READ_ONLY = [
    ("ledger", "invoice"),
    ("ledger", "payment"),
    ("ledger", "allocation"),
    ("audit", "auditevent"),
    ("imports", "importrun"),
]


@pytest.fixture
def admin_client(client, db):
    root = User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    client.force_login(root)
    return client


@pytest.fixture
def audit_rows(ledger, user):
    now = dt.datetime(2025, 1, 2, 9, 0, tzinfo=dt.UTC)
    run = ImportRun.objects.create(
        entity="invoices", filename="open_items.csv", checksum="0" * 64, started_at=now, status="applied"
    )
    AuditEvent.objects.create(
        at=now, actor=user, actor_label=user.email, action="create", object_type="ledger.customer", import_run=run
    )


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_changelist_loads(admin_client, ledger, audit_rows, app, model):
    response = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_changelist_search_loads(admin_client, ledger, audit_rows, app, model):
    response = admin_client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "C-100"})
    assert response.status_code == 200


@pytest.mark.parametrize(("app", "model"), READ_ONLY)
def test_ledger_rows_cannot_be_added_in_admin(admin_client, app, model):
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_invoice_page_is_read_only(admin_client, ledger):
    invoice = Invoice.objects.get(invoice_ref="INV-1")
    url = reverse("admin:ledger_invoice_change", args=[invoice.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="open_amount"' not in page.content
    assert b"changes go through imports" in admin_client.get(reverse("admin:ledger_invoice_changelist")).content
    admin_client.post(url, {"open_amount": 1})
    invoice.refresh_from_db()
    assert invoice.open_amount == 10000
    assert admin_client.post(reverse("admin:ledger_invoice_delete", args=[invoice.pk]), {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_payment_and_allocation_pages_are_read_only(admin_client, ledger):
    payment = Payment.objects.get(payment_ref="PAY-1")
    page = admin_client.get(reverse("admin:ledger_payment_change", args=[payment.pk]))
    assert page.status_code == 200 and b'name="unapplied_amount"' not in page.content
    allocation = Allocation.objects.filter(payment=payment).get()
    assert admin_client.get(reverse("admin:ledger_allocation_change", args=[allocation.pk])).status_code == 200


def test_customer_is_editable_with_contacts_inline(admin_client, ledger):
    acme = ledger["acme"]
    page = admin_client.get(reverse("admin:ledger_customer_change", args=[acme.pk]))
    assert page.status_code == 200
    assert b'name="name"' in page.content and b"contacts-0-email" in page.content


def test_user_can_be_added_by_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "first_name": "New",
            "last_name": "Caller",
            "role": "senior",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new@example.com")
    assert created.username == "new@example.com"
    assert created.role == "senior"
    assert created.password.startswith("argon2")
    assert admin_client.get(reverse("admin:accounts_user_change", args=[created.pk])).status_code == 200


def test_admin_needs_staff(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
