"""The daily status report: delivered at 07:00 in the manager's own zone (Sydney here), once per
date, with figures equal to what was counted by hand on a small ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from recoup.accounts.models import User
from recoup.disputes.models import Dispute
from recoup.ledger.models import Customer, FxRate, Invoice, Payment
from recoup.promises.models import Promise
from recoup.reports import daily
from recoup.reports.models import DailyReport

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = dt.date(2026, 3, 3)  # the manager's date in Sydney; the report is about 2 March
YESTERDAY = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)  # 12:00 in New York (the company's zone) on 2 March


def _invoice(customer: Customer, ref: str, amount: int, due: dt.date) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=customer.currency,
        amount=amount,
        open_amount=amount,
    )


def _payment(customer: Customer, ref: str, amount: int, on: dt.date) -> None:
    Payment.objects.create(
        customer=customer, payment_ref=ref, received_on=on, amount=amount, currency=customer.currency, unapplied_amount=amount
    )


def _promise(customer: Customer, status: str, *, created: dt.datetime, resolved: dt.date | None) -> None:
    Promise.objects.create(
        customer=customer,
        amount=1000,
        currency=customer.currency,
        promised_date=YESTERDAY,
        status=status,
        created_at=created,
        resolved_on=resolved,
    )


def _dispute(customer: Customer, opened: dt.date, sla: dt.date, status: str = "open", resolved: dt.date | None = None) -> None:
    Dispute.objects.create(
        customer=customer,
        reason="pricing",
        amount=500,
        currency=customer.currency,
        opened_on=opened,
        sla_due=sla,
        status=status,
        resolved_on=resolved,
    )


@pytest.fixture
def books() -> dict[str, Customer]:
    acme = Customer.objects.create(customer_ref="ACME", name="Acme Pty", currency="USD")
    berg = Customer.objects.create(customer_ref="BERG", name="Berg GmbH", currency="EUR")
    FxRate.objects.create(currency="EUR", on=dt.date(2026, 1, 1), rate=Decimal("1.1"))
    _invoice(acme, "A-1", 100_000, dt.date(2026, 2, 1))  # overdue 1,000.00 USD
    _invoice(berg, "B-1", 20_000, dt.date(2026, 2, 1))  # overdue 200.00 EUR = 220.00 USD
    _invoice(berg, "B-2", 90_000, dt.date(2026, 4, 1))  # not due: no risk
    _payment(acme, "P-1", 10_000, YESTERDAY)
    _payment(berg, "P-2", 5_000, YESTERDAY)
    _payment(acme, "P-0", 99_900, YESTERDAY - dt.timedelta(days=1))  # the day before: not yesterday's cash
    _promise(acme, "open", created=NOON, resolved=None)
    _promise(berg, "open", created=NOON, resolved=None)
    _promise(acme, "kept", created=NOON - dt.timedelta(days=9), resolved=YESTERDAY)
    _promise(acme, "broken", created=NOON - dt.timedelta(days=9), resolved=YESTERDAY)
    _promise(berg, "kept", created=NOON - dt.timedelta(days=9), resolved=YESTERDAY - dt.timedelta(days=1))
    _dispute(acme, YESTERDAY, dt.date(2026, 3, 20))  # new, within its SLA
    _dispute(berg, dt.date(2026, 2, 10), dt.date(2026, 2, 20))  # open past its SLA: breached
    _dispute(berg, dt.date(2026, 2, 1), dt.date(2026, 2, 10), status="resolved", resolved=dt.date(2026, 2, 9))
    return {"acme": acme, "berg": berg}


@pytest.fixture
def sydney_manager() -> User:
    return User.objects.create_user(email="syd@example.com", password="x" * 12, role="manager", timezone="Australia/Sydney")


def test_figures_equal_the_hand_count(books) -> None:
    f = daily.figures(DAY)
    assert f.cash == {"EUR": 5_000, "USD": 10_000}
    assert f.cash_home == 10_000 + 5_500
    assert (f.promises_made, f.promises_kept, f.promises_broken) == (2, 1, 1)
    assert (f.disputes_opened, f.disputes_breached) == (1, 1)
    assert [(r["name"], r["overdue"]) for r in f.risks] == [("Acme Pty", 100_000), ("Berg GmbH", 22_000)]
    assert f.week_start == DAY


def test_delivered_at_seven_in_sydney_not_a_minute_before_and_only_once(books, sydney_manager) -> None:
    before = dt.datetime.combine(DAY, dt.time(6, 59), tzinfo=SYDNEY)
    assert daily.deliver_due_reports(now=before) == []
    at_seven = dt.datetime.combine(DAY, dt.time(7, 0), tzinfo=SYDNEY)
    made = daily.deliver_due_reports(now=at_seven)
    assert len(made) == 1
    report = DailyReport.objects.get()
    assert (report.user, report.date) == (sydney_manager, DAY)
    html = (Path(settings.DATA_DIR) / report.html_path).read_text()
    assert "Daily status report, Tuesday 3 March 2026" in html
    assert "$155.00" in html and "Acme Pty" in html
    assert (Path(settings.DATA_DIR) / report.pdf_path).read_bytes().startswith(b"%PDF")
    # A quarter of an hour later the job runs again: nothing new.
    assert daily.deliver_due_reports(now=at_seven + dt.timedelta(minutes=15)) == []
    assert DailyReport.objects.count() == 1


def test_the_page_lists_only_ones_own_reports(client, books, sydney_manager) -> None:
    other = User.objects.create_user(email="other@example.com", password="x" * 12, role="manager")
    daily.deliver_due_reports(now=dt.datetime.combine(DAY, dt.time(9, 0), tzinfo=SYDNEY))
    mine = DailyReport.objects.get(user=sydney_manager)
    client.force_login(sydney_manager)
    page = client.get("/reports/daily/")
    assert page.status_code == 200 and "Tue 3 Mar 2026" in page.content.decode()
    assert client.get(f"/reports/daily/{mine.pk}.pdf").status_code == 200
    client.force_login(other)
    assert client.get(f"/reports/daily/{mine.pk}.html").status_code == 404
