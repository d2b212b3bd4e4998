"""Issue 11: one business date, collectors' lists scoped to their portfolio, quiet expected denials."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.imports.services import import_file
from recoup.ledger import clock
from recoup.web.logging import ExpectedDenials

pytestmark = pytest.mark.django_db
PASSWORD = "edges-test-password-1"


def test_the_business_date_is_the_companys_not_utcs(settings, monkeypatch) -> None:
    # 02:00 UTC on 3 December is still 2 December (21:00) in New York, the company's zone.
    settings.RECOUP_DEFAULT_TIMEZONE = "America/New_York"
    evening = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
    assert clock.business_date(evening) == dt.date(2026, 12, 2)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    assert clock.today() == dt.date(2026, 12, 2)


def test_the_customer_page_and_the_worklist_agree_on_today_in_the_evening(client, settings, monkeypatch, tmp_path: Path) -> None:
    # Issue 11 item 2: the customer page used UTC's date, so an invoice due "today" showed 1 day late at 21:00.
    settings.RECOUP_DEFAULT_TIMEZONE = "America/New_York"
    evening = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    (tmp_path / "c.csv").write_text("customer_ref,name,country,currency\nNY-1,Empire Goods,US,USD\n")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount\nE-1,NY-1,2026-11-02,2026-12-02,100.00\n"
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    manager = User.objects.create_user(email="m@example.com", password=PASSWORD, role=Role.MANAGER)
    client.force_login(manager)
    from recoup.ledger.models import Customer

    page = client.get(f"/customers/{Customer.objects.get().pk}/").content.decode()
    assert "not due" in page and 'class="overdue">1<' not in page


def test_a_collectors_aging_shows_only_what_they_may_open(client, tmp_path: Path) -> None:
    # Issue 11 item 11: collectors saw every customer on the Aging page, then a 403 on clicking.
    cara = User.objects.create_user(email="cara@example.com", password=PASSWORD, role=Role.COLLECTOR)
    User.objects.create_user(email="otto@example.com", password=PASSWORD, role=Role.COLLECTOR)
    boss = User.objects.create_user(email="boss@example.com", password=PASSWORD, role=Role.MANAGER)
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,currency,collector\nMINE,Mine Ltd,USD,cara@example.com\nTHEIRS,Theirs Ltd,USD,otto@example.com\n"
        "POOL,Pool Ltd,USD,\n"
    )
    today = dt.date.today()
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount\n"
        + "".join(
            f"I-{r},{r},{today - dt.timedelta(days=60)},{today - dt.timedelta(days=30)},100.00\n"
            for r in ("MINE", "THEIRS", "POOL")
        )
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    client.force_login(cara)
    page = client.get("/reports/aging/?by=customer").content.decode()
    assert "Mine Ltd" in page and "Pool Ltd" in page and "Theirs Ltd" not in page
    assert "your portfolio and the shared pool" in page
    client.force_login(boss)
    page = client.get("/reports/aging/?by=customer").content.decode()
    assert all(name in page for name in ("Mine Ltd", "Theirs Ltd", "Pool Ltd"))


def test_an_expected_denial_is_logged_without_a_traceback() -> None:
    # Issue 11 item 11: every 403 wrote a traceback to the server log.
    try:
        raise PermissionError("customer X is in another collector's portfolio")
    except PermissionError:
        import sys

        exc_info = sys.exc_info()
    for status, keeps in ((403, False), (404, False), (500, True)):
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /x", None, exc_info)
        record.status_code = status
        assert ExpectedDenials().filter(record)
        assert (record.exc_info is not None) is keeps


def test_the_console_handler_uses_the_filter(settings) -> None:
    assert "expected_denials" in settings.LOGGING["handlers"]["console"]["filters"]
