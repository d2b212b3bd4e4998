"""A collector logs in, finds the customers with the most overdue money, and opens one."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import User
from recoup.imports.fx import import_fx_rates
from recoup.imports.services import import_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# `make screenshots` sets RECOUP_WRITE_SCREENSHOTS=1 to refresh the README's pictures;
# otherwise they go to a temporary folder so a test run does not change tracked files.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-1"


@pytest.fixture
def ledger(tmp_path: Path) -> dt.date:
    today = timezone.localdate()
    d = dt.timedelta
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,country,currency,segment,phone,email\n"
        "K-1,Borealis Freight Ltd,GB,GBP,enterprise,020 7946 0018,ap@borealis.example\n"
        "K-2,Cascade Tooling Inc,US,USD,smb,(312) 555-0142,payables@cascade.example\n"
        "K-3,Dunmore Bakeries,IE,EUR,smb,,\n"
        "K-4,Hokuto Trading KK,JP,JPY,smb,,\n"
    )
    rows = [
        ("B-100", "K-1", today - d(95), today - d(65), "18250.00"),
        ("B-101", "K-1", today - d(20), today + d(10), "4100.00"),
        ("C-200", "K-2", today - d(50), today - d(20), "960.40"),
        ("D-300", "K-3", today - d(10), today + d(20), "310.00"),
        # ¥2,500,000 is the biggest number on the page but worth about $16,750, less than £18,000.
        ("H-400", "K-4", today - d(40), today - d(10), "2500000"),
    ]
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount\n" + "".join(f"{r},{c},{i},{due},{a}\n" for r, c, i, due, a in rows)
    )
    (tmp_path / "p.csv").write_text(f"payment_ref,received_on,amount,invoice_ref\nP-1,{today - d(5)},250.00,B-100\n")
    for entity, name in (("customers", "c"), ("invoices", "i"), ("payments", "p")):
        import_file(entity, tmp_path / f"{name}.csv")
    (tmp_path / "fx.csv").write_text(
        f"currency,on,rate\nGBP,{today - d(1)},1.27\nEUR,{today - d(1)},1.08\nJPY,{today - d(1)},0.0067\n"
    )
    import_fx_rates(tmp_path / "fx.csv")
    User.objects.create_user(email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector")
    return today


def test_log_in_find_the_most_overdue_customer_and_open_it(page, live_server, ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    page.goto(f"{live_server.url}/customers/")
    assert "/login/" in page.url  # every page needs a login

    page.get_by_label("Email").fill("cara@demo.example")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    assert "/login/" in page.url
    page.get_by_label("Email").fill("cara@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/customers/"))

    rows = page.locator("table tbody tr")
    assert rows.count() == 4
    # Sorted by overdue balance in USD by default: Borealis owes £18,000.00 overdue (18,250 − 250
    # paid, about $22,860), more than Hokuto's ¥2,500,000 (about $16,750), whatever the numbers.
    first = rows.nth(0)
    assert "Borealis Freight Ltd" in first.inner_text()
    assert "£18,000.00" in first.inner_text()
    assert "Hokuto Trading KK" in rows.nth(1).inner_text() and "¥2,500,000" in rows.nth(1).inner_text()
    page.screenshot(path=str(shots / "customers.png"))
    # Smallest overdue first: Dunmore (nothing), Cascade's $960.40, then Hokuto, then Borealis.
    page.get_by_role("link", name="Overdue").click()
    page.wait_for_selector('th[aria-sort="ascending"]')
    names = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(4)]
    assert names == ["Dunmore Bakeries", "Cascade Tooling Inc", "Hokuto Trading KK", "Borealis Freight Ltd"]

    page.get_by_label(re.compile("search", re.I)).fill("cascade")
    page.wait_for_function("document.querySelectorAll('table tbody tr').length === 1")
    assert "Cascade Tooling Inc" in rows.nth(0).inner_text()

    page.get_by_label(re.compile("search", re.I)).fill("")
    page.wait_for_function("document.querySelectorAll('table tbody tr').length === 4")
    page.get_by_role("link", name="Borealis Freight Ltd").click()
    page.wait_for_url(re.compile(r"/customers/\d+/"))
    body = page.locator("main").inner_text()
    assert "B-100" in body and "B-101" in body
    assert "£18,000.00" in body  # the open amount of B-100 after the partial payment
    assert "+442079460018" in body or "+44 20 7946 0018" in body
    assert "Europe/London" in body  # derived from the country: GB has one zone
    page.screenshot(path=str(shots / "customer.png"), full_page=True)
