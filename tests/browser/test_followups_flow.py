"""A manager edits a follow-up step, previews the message for a customer, runs the follow-ups,
and sees the message in the outbox and on the customer's history (no mail server: held)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.dunning.models import Message, MessageStatus, MessageTemplate, SequenceStep
from recoup.ledger.clock import business_date
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.worklist import services as worklist
from recoup.worklist.models import Strategy
from recoup.worklist.strategy import strategy_to_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-1"


@pytest.fixture
def books(settings) -> Customer:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = ""
    now = timezone.now()
    today = business_date(now)
    User.objects.create_user(
        email="mona@demo.example", password=PASSWORD, first_name="Mona", last_name="Manager", role=Role.MANAGER
    )
    # Contact hours all day, every day: the run may go out whenever the suite runs.
    definition = strategy_to_data(worklist.BUILT_IN) | {
        "hours": {"start": "00:00", "end": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}
    }
    strategy = worklist.save_strategy(actor=None, name="All hours", definition=definition, segments=[], is_default=True, now=now)
    SequenceStep.objects.create(
        strategy=strategy,
        key="overdue-notice",
        label="Overdue notice",
        offset_days=1,
        channel="email",
        template_key="overdue-notice",
    )
    MessageTemplate.objects.update_or_create(
        key="overdue-notice",
        language="en",
        defaults={
            "channel": "email",
            "name": "Overdue notice",
            "subject": "{{ company_name }}: overdue invoice(s), {{ total }}",
            "body": "Dear {{ contact_name or customer_name }},\n\nthese invoices are past due:\n\n{{ items_table }}\n\n"
            "Total: {{ total }}\n\nKind regards,\n{{ company_name }}",
        },
    )
    customer = Customer.objects.create(
        customer_ref="K-42", name="Harbor Lights Ltd", country="US", timezone="America/Chicago", currency="USD"
    )
    Contact.objects.create(customer=customer, name="Ann Payables", role="AP", email="ap@harbor.example", is_primary=True)
    for ref, amount, days in (("H-100", 250_000, 6), ("H-101", 80_050, 4)):
        due = today - dt.timedelta(days=days)
        Invoice.objects.create(
            customer=customer,
            invoice_ref=ref,
            issue_date=due - dt.timedelta(days=30),
            due_date=due,
            currency="USD",
            amount=amount,
            open_amount=amount,
        )
    return customer


def test_edit_preview_run_and_see_it_in_the_outbox(page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("mona@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()

    # The step: the overdue notice three days after the due date, under a new label.
    strategy = Strategy.objects.get(name="All hours")
    page.goto(f"{live_server.url}/followups/strategies/{strategy.pk}/steps/")
    page.get_by_label("Step 1 label").fill("First overdue notice")
    page.get_by_label("Step 1 offset in days").fill("3")
    page.get_by_role("button", name="Save sequence").click()
    assert "saved" in page.locator("main").inner_text()
    assert SequenceStep.objects.get(strategy=strategy, key="overdue-notice").offset_days == 3

    # The template, previewed for the customer with what they owe today.
    page.goto(f"{live_server.url}/followups/templates/")
    page.get_by_role("link", name="Overdue notice").click()
    page.get_by_label("Preview for customer").fill("K-42")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("section.preview").inner_text()
    assert "Preview for Harbor Lights Ltd" in preview
    assert "Dear Ann Payables" in preview and "H-100" in preview and "H-101" in preview and "$3,300.50" in preview

    # The run writes the message; without a mail server it is kept in the outbox.
    out = io.StringIO()
    call_command("followups", "run", stdout=out)
    assert "1 message" in out.getvalue(), out.getvalue()
    message = Message.objects.get()
    assert message.status == MessageStatus.HELD

    page.goto(f"{live_server.url}/followups/outbox/")
    body = page.locator("main").inner_text()
    assert "No mail server is configured" in body
    row = page.locator("table.outbox tbody tr")
    assert row.count() == 1
    assert "Harbor Lights Ltd" in row.inner_text() and "ap@harbor.example" in row.inner_text() and "held" in row.inner_text()
    page.screenshot(path=str(shots / "outbox.png"), full_page=True)
    row.get_by_role("link", name=re.compile("overdue invoice")).click()
    detail = page.locator("main").inner_text()
    assert "H-100" in detail and message.message_id in detail and "Send again" in detail

    # The customer's history says what became of it.
    page.goto(f"{live_server.url}/customers/{books.pk}/")
    history = page.locator("ul.activity-list").first.inner_text()
    assert "E-mail" in history and "kept in the outbox" in history and message.subject in history
