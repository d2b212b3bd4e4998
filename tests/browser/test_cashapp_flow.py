"""Cash application in the browser: upload a statement, see what was applied, resolve two
exceptions by hand, and find the items closed and the customer's promise kept."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.models import BankAccount, Customer, Invoice
from recoup.promises.models import Promise
from tests.cashapp.statements import Paid, camt053

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-2"


def _invoice(customer: Customer, ref: str, amount: int, due: dt.date) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency="EUR",
        amount=amount,
        open_amount=amount,
    )


@pytest.fixture
def books() -> dict[str, object]:
    today = timezone.localdate()
    cara = User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    acme = Customer.objects.create(customer_ref="K-ACME", name="Acme Trading GmbH", country="DE", currency="EUR", collector=cara)
    nord = Customer.objects.create(
        customer_ref="K-NORD", name="Nordlicht Medien AG", country="DE", currency="EUR", collector=cara
    )
    BankAccount.objects.create(
        customer=acme, account="DE89370400440532013000", is_iban=True, source="import", created_at=timezone.now()
    )
    _invoice(acme, "RE-2025-0101", 120000, today - dt.timedelta(days=20))
    promised = _invoice(acme, "RE-2025-0102", 45000, today - dt.timedelta(days=5))
    _invoice(nord, "NM-77001", 98000, today - dt.timedelta(days=12))
    _invoice(nord, "NM-77002", 31000, today - dt.timedelta(days=2))
    promise = Promise.objects.create(
        customer=acme,
        amount=45000,
        currency="EUR",
        promised_date=today + dt.timedelta(days=3),
        created_at=timezone.now() - dt.timedelta(days=2),
    )
    promise.invoices.set([promised])
    paid = [
        Paid(120000, payer_name="ACME TRADING GMBH", remittance="Rechnung RE-2025-0101", bank_ref="B1", booked_on=today),
        Paid(-1500, payer_name="Kontofuehrung", remittance="Gebuehren", bank_ref="B2", booked_on=today),
        # Acme pays the promised invoice from an account recoup does not know, under a short name.
        Paid(
            45000,
            payer_name="A.T. GmbH",
            payer_account="FR1420041010050500013M02606",
            remittance="RE 2025 102",
            bank_ref="B3",
            booked_on=today,
        ),
        # Nordlicht pays both its invoices, naming neither.
        Paid(
            129000,
            payer_name="NL Medien Holding",
            payer_account="NL91ABNA0417164300",
            remittance="Sammelzahlung",
            bank_ref="B4",
            booked_on=today,
        ),
    ]
    return {"acme": acme, "nord": nord, "promise": promise, "statement": camt053(paid)}


def test_upload_resolve_two_exceptions_items_closed_promise_kept(page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("cara@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.get_by_role("link", name="Cash").click()
    page.get_by_role("link", name="Import a statement").click()

    statement = tmp_path / "statement.xml"
    statement.write_bytes(books["statement"])  # type: ignore[arg-type]
    page.get_by_label("Bank statement").set_input_files(str(statement))
    page.get_by_role("button", name="Import").click()
    result = page.locator("#import-result")
    assert "1 applied" in result.inner_text() and "1 ignored" in result.inner_text()
    assert "RE-2025-0101" in result.inner_text()
    page.screenshot(path=str(shots / "cash-import.png"), full_page=True)
    assert Invoice.objects.get(invoice_ref="RE-2025-0101").open_amount == 0

    page.get_by_role("link", name="queue").first.click()
    lines = page.locator("article.cash-line")
    assert lines.count() == 2
    page.screenshot(path=str(shots / "cash-queue.png"), full_page=True)

    # First exception: Acme's payment from a new account; recoup suggests the promised invoice.
    acme_line = lines.filter(has_text="A.T. GmbH")
    assert "RE-2025-0102" in acme_line.inner_text()
    acme_line.get_by_role("button", name=re.compile("Apply suggestion 1")).click()
    assert "Applied" in page.locator(".messages").inner_text()

    # Second exception: nothing to go on but the amount; split it by hand over Nordlicht's items.
    page.locator("article.cash-line").filter(has_text="NL Medien Holding").get_by_role("link", name=re.compile("Split")).click()
    page.get_by_label("Customer ref").fill("K-NORD")
    page.get_by_role("button", name="Show open items").click()
    page.get_by_label("Amount for NM-77001").fill("980.00")
    page.get_by_label("Amount for NM-77002").fill("310.00")
    page.screenshot(path=str(shots / "cash-split.png"), full_page=True)
    page.get_by_role("button", name="Apply", exact=True).click()
    assert "Nothing waiting" in page.locator("main").inner_text()

    for ref in ("RE-2025-0101", "RE-2025-0102", "NM-77001", "NM-77002"):
        assert Invoice.objects.get(invoice_ref=ref).open_amount == 0, ref
    promise = books["promise"]
    promise.refresh_from_db()  # type: ignore[attr-defined]
    assert promise.status == "kept"  # type: ignore[attr-defined]
    # What was decided by hand is learned: Nordlicht's account is now on its page.
    page.goto(f"{live_server.url}/customers/{books['nord'].pk}/")  # type: ignore[attr-defined]
    assert "NL91ABNA0417164300" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/calls/{books['acme'].pk}/")  # type: ignore[attr-defined]
    assert "Kept" in page.locator("main").inner_text()
