"""A collector's morning: log in, today's calls, open a customer, log a promise, a dispute, a
callback; the tone check; another collector's customer is closed to them (403)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.imports.services import import_file
from recoup.kernel.calendar import is_public_holiday
from recoup.ledger.models import Customer
from recoup.promises.models import Promise
from recoup.worklist import services as worklist
from recoup.worklist.models import WorklistEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-2"


def _build_day() -> dt.datetime:
    """The latest Wednesday, 10:00 UTC, that is an ordinary working day in Britain and Germany:
    the list is built for it, whatever day the suite runs."""
    day = timezone.now().date()
    while day.weekday() != 2 or is_public_holiday(day, "GB") or is_public_holiday(day, "DE"):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


@pytest.fixture
def morning(tmp_path: Path) -> dict[str, object]:
    at = _build_day()
    base = at.date()
    d = dt.timedelta
    cara = User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    User.objects.create_user(
        email="otto@demo.example", password=PASSWORD, first_name="Otto", last_name="Other", role=Role.COLLECTOR
    )
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,country,currency,phone,collector\n"
        "K-1,Borealis Freight Ltd,GB,GBP,020 7946 0018,cara@demo.example\n"
        "K-2,Cascade Tooling GmbH,DE,EUR,030 1234567,cara@demo.example\n"
        "K-3,Dunmore Bakeries Ltd,GB,GBP,020 7946 0999,otto@demo.example\n"
    )
    rows = [
        ("B-100", "K-1", base - d(95), base - d(65), "18250.00"),
        ("B-101", "K-1", base - d(40), base - d(10), "4100.00"),
        ("C-200", "K-2", base - d(60), base - d(30), "12960.40"),
        ("D-300", "K-3", base - d(60), base - d(30), "15310.00"),
    ]
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount,currency\n"
        + "".join(f"{r},{c},{i},{due},{a},{'EUR' if c == 'K-2' else 'GBP'}\n" for r, c, i, due, a in rows)
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    assert Customer.objects.get(customer_ref="K-1").collector == cara
    worklist.rebuild(at=at)
    return {"at": at, "cara": cara}


def _log_in(page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


def test_a_collectors_morning(page, live_server, morning, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 2  # her two customers; Dunmore is Otto's
    assert "Borealis Freight Ltd" in rows.nth(0).inner_text()  # £22,350 overdue outranks €12,960
    assert "Secure a payment date for B-100 and B-101" in rows.nth(0).inner_text()
    page.screenshot(path=str(shots / "worklist.png"))

    # Open the best-ranked customer and log a promise in three steps: open the section, amount, save.
    page.get_by_role("link", name="Borealis Freight Ltd").click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    assert page.get_by_role("heading", name=re.compile("Objective")).is_visible()
    assert page.locator("a.dial").first.get_attribute("href") == "tel:+442079460018"
    page.screenshot(path=str(shots / "call-prep.png"), full_page=True)
    page.locator("#promise-detail summary").click()
    page.get_by_label(re.compile(r"^Amount")).fill("22350.00")
    page.get_by_role("button", name="Save promise").click()
    page.wait_for_load_state()
    assert "Promise to pay logged" in page.locator(".messages").inner_text()
    assert "Promise £22,350.00" in page.locator("main").inner_text()
    promise = Promise.objects.get()
    assert promise.amount == 2_235_000 and promise.status == "open"
    assert WorklistEntry.objects.get(customer__customer_ref="K-1").exclusion == "open_promise"
    page.goto(f"{live_server.url}/worklist/")
    assert "Borealis Freight Ltd" not in page.locator("main").inner_text()  # off today's list

    # Cascade disputes its invoice, then asks to be called back.
    page.get_by_role("link", name="Cascade Tooling GmbH").click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    page.locator("#dispute-detail summary").click()
    page.get_by_label("Reason").select_option("quantity")
    page.get_by_role("button", name="Open dispute").click()
    page.wait_for_load_state()
    assert "Dispute: Quantity" in page.locator("main").inner_text()
    page.locator("#callback-detail summary").click()
    page.get_by_role("button", name="Schedule callback").click()
    page.wait_for_load_state()
    assert "Callback requested logged" in page.locator(".messages").inner_text()
    page.goto(f"{live_server.url}/calls/tasks/")
    assert "Call back as agreed" in page.locator("main").inner_text()

    # An aggressive note is flagged before it is saved.
    page.goto(f"{live_server.url}/worklist/")
    customer = Customer.objects.get(customer_ref="K-2")
    page.goto(f"{live_server.url}/calls/{customer.pk}/")
    page.get_by_label("Notes").fill("Told them we will sue you if you do not pay, you idiots.")
    page.get_by_role("button", name=re.compile("Talked, no commitment")).click()
    page.wait_for_load_state()
    warning = page.locator("#tone-flags")
    assert warning.is_visible() and "threatening" in warning.inner_text()
    page.screenshot(path=str(shots / "tone-check.png"))

    # Otto's customer is closed to Cara, by page and by API.
    dunmore = Customer.objects.get(customer_ref="K-3")
    response = page.goto(f"{live_server.url}/calls/{dunmore.pk}/")
    assert response is not None and response.status == 403
    response = page.goto(f"{live_server.url}/api/worklist/why-not/K-3")
    assert response is not None and response.status == 403
