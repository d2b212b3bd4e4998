"""The audit log page (managers only, filters, formula-safe export) and a customer's history."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from recoup.accounts.models import Role, User
from recoup.audit.models import AuditEvent
from recoup.ledger import services as ledger_services
from recoup.ledger.models import Contact, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, User]:
    return {
        r: User.objects.create_user(email=f"{r}@example.com", password="x", role=r)
        for r in (Role.COLLECTOR, Role.SENIOR, Role.MANAGER)
    }


@pytest.fixture
def acme(people) -> Customer:
    customer = Customer.objects.create(customer_ref="ACME", name="Acme Tools", collector=people[Role.COLLECTOR])
    contact = Contact.objects.create(customer=customer, name="Petra", phone="+493012345678")
    ledger_services.save_contact(
        customer=customer,
        contact=contact,
        name="Petra Payables",
        email="ap@acme.example",
        phone="+493012345678",
        actor=people[Role.COLLECTOR],
        now=timezone.now(),
    )
    ledger_services.assign_collector(
        customer=customer, collector=people[Role.SENIOR], actor=people[Role.MANAGER], now=timezone.now()
    )
    return customer


def test_the_customer_page_shows_who_changed_what_before_and_after(client, people, acme) -> None:
    client.force_login(people[Role.SENIOR])
    page = client.get(f"/customers/{acme.pk}/").content.decode()
    history = page[page.index('id="history"') :]
    assert "collector@example.com · contact.update · contact" in history
    assert "name: Petra → Petra Payables" in history
    assert "manager@example.com · customer.reassign · customer" in history
    assert "collector: collector@example.com → senior@example.com" in history


def test_only_managers_read_the_log(client, people, acme) -> None:
    for role in (Role.COLLECTOR, Role.SENIOR):
        client.force_login(people[role])
        assert client.get("/team/audit/").status_code == 403
        assert client.get("/team/audit/?format=csv").status_code == 403
    client.force_login(people[Role.MANAGER])
    page = client.get("/team/audit/").content.decode()
    assert "2 events" in page and "Petra → Petra Payables" in page


def test_the_log_filters_by_actor_type_action_and_dates(client, people, acme) -> None:
    old = AuditEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=40),
        actor_label="import #3",
        action="import.update",
        object_type="ledger.invoice",
        object_ref="INV-9",
    )
    client.force_login(people[Role.MANAGER])

    def count(**params: str) -> str:
        page = client.get("/team/audit/", params).content.decode()
        return page[page.index('class="result-count"') :].split("<")[0]

    assert "3 events" in count()
    assert "1 event" in count(actor="manager")
    assert "1 event" in count(object_type="ledger.contact")
    assert "1 event" in count(action="import.update")
    since = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    assert "2 events" in count(since=since)
    assert "1 event" in count(until=old.at.date().isoformat())
    response = client.get("/team/audit/", {"since": "yesterday"})
    assert response.status_code == 400 and "from: a date such as" in response.content.decode()


def test_exports_are_formula_safe(client, people, acme) -> None:
    AuditEvent.objects.create(
        at=timezone.now(),
        actor_label='=HYPERLINK("http://evil")',
        action="customer.update",
        object_type="ledger.customer",
        object_ref="+1-2",
    )
    client.force_login(people[Role.MANAGER])
    csv = client.get("/team/audit/", {"format": "csv"})
    assert csv["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    text = csv.content.decode()
    assert text.splitlines()[0] == "at,actor,action,object_type,object_id,object,before,after"
    assert "'=HYPERLINK" in text and "'+1-2" in text and "\n=HYPERLINK" not in text
    xlsx = client.get("/team/audit/", {"format": "xlsx", "actor": "HYPERLINK"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1].startswith("'=")
