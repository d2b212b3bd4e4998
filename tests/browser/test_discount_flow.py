"""A collector offers an early-payment discount from the customer page, the customer pays the
discounted amount, and the page shows the items settled; the statement downloads as a PDF."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger import receipts
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.rules import CashReceipt
from recoup.promises.models import DiscountOffer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-1"


@pytest.fixture
def customer() -> Customer:
    today = business_date(timezone.now())
    user = User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    customer = Customer.objects.create(
        customer_ref="K-7", name="Cascade Tooling Inc", country="US", currency="USD", collector=user
    )
    for ref, amount, days in (("C-200", 96_040, 20), ("C-201", 45_000, 5), ("C-202", 12_000, -10)):
        Invoice.objects.create(
            customer=customer,
            invoice_ref=ref,
            issue_date=today - dt.timedelta(days=30 + days),
            due_date=today - dt.timedelta(days=days),
            currency="USD",
            amount=amount,
            open_amount=amount,
        )
    return customer


def test_offer_a_discount_and_see_it_settled(page, live_server, customer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("cara@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.goto(f"{live_server.url}/customers/{customer.pk}/")

    panel = page.locator("section.letters-panel")
    with page.expect_response(re.compile(r"/statement\.pdf$")) as statement:
        page.evaluate(
            "url => fetch(url)", panel.get_by_role("link", name=re.compile("Statement of account")).get_attribute("href")
        )
    assert statement.value.headers["content-type"] == "application/pdf"

    panel.get_by_role("link", name="Offer an early-payment discount").click()
    page.wait_for_url(re.compile(r"/discount/$"))
    page.get_by_label("C-200").check()
    page.get_by_label("C-201").check()
    page.get_by_label("Discount (%)").fill("2")
    page.get_by_label("for payment within").fill("10")
    page.get_by_role("button", name="Offer the discount").click()
    body = page.locator("main").inner_text()
    assert re.search(r"Offered 2 % for payment by \d\d \w{3} \d{4}", body), body
    # $1,410.40 open on the two items; 2 % off, rounded half up once: $1,382.19.
    assert "$1,382.19" in body and "$1,410.40" in body
    assert page.get_by_label("C-200").count() == 0  # in an offer now: not offered twice
    assert page.get_by_label("C-202").count() == 1
    page.screenshot(path=str(shots / "discount-offer.png"), full_page=True)

    receipt = CashReceipt(
        payment_ref="WIRE-9", received_on=business_date(timezone.now()), amount=138_219, currency="USD", customer_id=customer.pk
    )
    receipts.receive_cash([receipt], source="test", actor=None, now=timezone.now())
    assert DiscountOffer.objects.get().status == DiscountOffer.Status.ACCEPTED
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    panel_text = page.locator("section.letters-panel").inner_text()
    assert "Paid and settled" in panel_text
    items = page.locator("main").inner_text()
    assert "C-202" in items  # not offered, still open
