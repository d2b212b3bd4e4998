"""A manager reads the dashboard, narrows it to a segment, downloads a table, and reads the
cash forecast, in the browser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.models import Allocation, Customer, Invoice, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password-2"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _invoice(customer: Customer, ref: str, amount: int, due: dt.date, *, paid_on: dt.date | None = None) -> None:
    inv = Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency="USD",
        amount=amount,
        open_amount=0 if paid_on else amount,
    )
    if paid_on:
        pay = Payment.objects.create(
            customer=customer, payment_ref=f"P-{ref}", received_on=paid_on, amount=amount, currency="USD", unapplied_amount=0
        )
        Allocation.objects.create(invoice=inv, payment=pay, amount=amount, applied_on=paid_on)


@pytest.fixture
def books() -> None:
    today = timezone.localdate()
    d = dt.timedelta
    ann = User.objects.create_user(email="ann@example.com", password=PASSWORD, first_name="Ann", last_name="Lee")
    big = Customer.objects.create(customer_ref="E-1", name="Enterprise Co", currency="USD", segment="enterprise", collector=ann)
    small = Customer.objects.create(customer_ref="S-1", name="Small Shop", currency="USD", segment="smb", collector=ann)
    # Enterprise: 10,000.00 overdue. Small: 10,000.00 overdue and 10,000.00 not due.
    _invoice(big, "E-OPEN", 1_000_000, today - d(days=30))
    _invoice(small, "S-OPEN", 1_000_000, today - d(days=20))
    _invoice(small, "S-NEXT", 1_000_000, today + d(days=10))
    for k in range(6):  # a payment history, paid 0–25 days late
        _invoice(big, f"E-H{k}", 200_000, today - d(days=200 - 20 * k), paid_on=today - d(days=200 - 25 * k))
        _invoice(small, f"S-H{k}", 100_000, today - d(days=190 - 20 * k), paid_on=today - d(days=190 - 24 * k))
    User.objects.create_user(email="morgan@example.com", password=PASSWORD, role=Role.MANAGER, first_name="Morgan")


def _log_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # The dashboard reads the whole ledger several times; a busy shared machine needs patience.
    page.set_default_timeout(120_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("morgan@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/customers/"))


def test_filters_change_the_figures_and_a_table_downloads(page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _log_in(page, live_server)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/reports/dashboard/"))
    # 20,000.00 of 30,000.00 overdue.
    assert page.locator("#overdue-share").inner_text() == "66.7 %"
    risk = page.locator("#table-risk tbody tr")
    assert risk.count() == 2
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    page.get_by_label("Segment").select_option("smb")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"segment=smb"))
    assert page.locator("#overdue-share").inner_text() == "50.0 %"
    assert page.locator("#table-risk tbody tr").count() == 1
    assert "Small Shop" in page.locator("#table-risk").inner_text()

    with page.expect_download() as info:
        page.locator("[data-export='risk-csv']").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert [(r["name"], r["overdue"]) for r in rows] == [("Small Shop", "10000.00")]


def test_the_forecast_page_shows_thirteen_weeks(page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _log_in(page, live_server)
    page.get_by_role("link", name="Forecast").click()
    page.wait_for_url(re.compile(r"/reports/forecast/"))
    assert page.locator("#forecast-weeks tbody tr").count() == 13
    page.screenshot(path=str(shots / "forecast.png"), full_page=True)
