"""The audit log in a browser: a manager filters the log and finds a change with its before and
after; the customer's page shows the same change in its history."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger import services as ledger_services
from recoup.ledger.models import Contact, Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-8"


@pytest.fixture
def changes() -> Customer:
    cara = User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    dev = User.objects.create_user(
        email="dev@demo.example", password=PASSWORD, first_name="Dev", last_name="Dialer", role=Role.COLLECTOR
    )
    User.objects.create_user(
        email="max@demo.example", password=PASSWORD, first_name="Max", last_name="Manager", role=Role.MANAGER
    )
    now = timezone.now()
    customer = Customer.objects.create(
        customer_ref="K-7", name="Cascade Tooling GmbH", country="DE", currency="EUR", collector=cara
    )
    contact = Contact.objects.create(customer=customer, name="Petra", phone="+493012345678", is_primary=True)
    ledger_services.save_contact(
        customer=customer,
        contact=contact,
        name="Petra Payables",
        email="ap@cascade.example",
        phone="+49 30 7654321",
        actor=cara,
        now=now,
    )
    for n in range(3):
        other = Customer.objects.create(customer_ref=f"K-1{n}", name=f"Northwind {n}", currency="USD", collector=cara)
        ledger_services.assign_collector(customer=other, collector=dev, actor=User.objects.get(email="max@demo.example"), now=now)
    return customer


def _log_in(page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def test_a_manager_filters_the_audit_log_and_the_customer_page_agrees(browser, page, live_server, changes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _log_in(page, live_server, "cara@demo.example")
    assert page.get_by_role("link", name="Audit log").count() == 0
    page.get_by_role("button", name="Log out").click()

    _log_in(page, live_server, "max@demo.example")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r"/team/audit/$"))
    assert page.locator(".result-count").inner_text() == "4 events"
    page.screenshot(path=str(shots / "audit.png"), full_page=True)

    page.get_by_label("Action").select_option("contact.update")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator(".result-count").inner_text() == "1 event"
    row = page.locator("#audit-events tbody tr").inner_text()
    assert "cara@demo.example" in row and "name: Petra → Petra Payables" in row and "phone: +493012345678 → +49307654321" in row
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "audit-log.csv"

    page.goto(f"{live_server.url}/customers/{changes.pk}/")
    history = page.locator("#history").inner_text()
    assert "contact.update" in history and "Petra → Petra Payables" in history
