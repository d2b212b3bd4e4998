"""The aging page: login required, right bucket amounts, sorting, filters, KPI strip and chart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from recoup.accounts.models import User
from recoup.ledger.models import Customer, Invoice
from tests.reports.conftest import Books
from tests.reports.test_report_cli import independent_aging

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 1, 15)


@pytest.fixture
def client_in(client, db):
    # A manager sees the whole ledger's aging (a collector, only their portfolio and the pool).
    user = User.objects.create_user(email="mo@example.com", password="correct horse battery staple", role="manager")
    client.force_login(user)
    return client


def test_anonymous_users_are_sent_to_log_in(client) -> None:
    response = client.get(reverse("reports-aging"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_page_shows_the_bucket_amounts_of_an_independent_computation(client_in, books: Books) -> None:
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "sort": "key"})
    assert response.status_code == 200
    html = response.content.decode()
    expected = independent_aging(books, AS_OF)
    rows = {r["customer_ref"]: r for r in response.context["page"].object_list}
    assert set(rows) == set(expected)
    for ref, amounts in expected.items():
        customer = Customer.objects.get(customer_ref=ref)
        assert f'href="{reverse("customer-detail", args=[customer.pk])}"' in html
        for bucket, value in amounts.items():
            assert rows[ref][bucket] == int(value.scaleb(_places(customer.currency))), (ref, bucket)
    # One customer's row, as rendered: its total in the currency's format.
    usd = next((c for c in books.customers if c["currency"] == "USD" and c["customer_ref"] in expected), None)
    if usd:
        total = expected[usd["customer_ref"]]["total"]
        assert f"${total:,.2f}" in html
    # Accessible table: column headers with scope and sort state, row headers per customer.
    assert html.count('scope="col"') >= 10
    assert 'aria-sort="ascending"' in html
    assert 'scope="row"' in html
    assert "<svg" in html and "kozea.github.io" not in html and '<script src="http' not in html


def _places(currency: str) -> int:
    return {"JPY": 0, "BHD": 3}.get(currency, 2)


def _rates(on: dt.date) -> None:
    from recoup.ledger.models import FxRate

    for code, rate in {"EUR": "1.0843", "JPY": "0.006712345", "BHD": "2.659574468"}.items():
        FxRate.objects.create(currency=code, on=on, rate=rate)


def test_sorting_by_a_bucket_and_filtering_by_currency(client_in, books: Books) -> None:
    _rates(dt.date(2024, 1, 1))
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "sort": "-over_120"})
    values = [r["over_120_home"] for r in response.context["page"].object_list]
    assert values == sorted(values, reverse=True)
    assert 'aria-sort="descending"' in response.content.decode()
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "currency": "EUR"})
    rows = response.context["page"].object_list
    assert rows and {r["currency"] for r in rows} == {"EUR"}
    assert response.context["board"].kpi_currency == "EUR"


@pytest.mark.parametrize("by", ["collector", "segment", "currency"])
def test_group_by_switch(client_in, books: Books, by: str) -> None:
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "by": by})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.by == by
    totals = {t["currency"]: t["total"] for t in board.aging.totals.to_dicts()}
    per_customer = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat()}).context["board"].aging.totals
    assert totals == {t["currency"]: t["total"] for t in per_customer.to_dicts()}


def test_kpi_strip_and_trend(client_in, today_ledger) -> None:
    response = client_in.get(reverse("reports-aging"))
    board = response.context["board"]
    assert board.as_of == today_ledger
    assert board.kpi_currency == "USD"
    # 10000 overdue of 15000 open debits.
    assert str(board.overdue_share) == "66.7"
    assert board.kpis["dso"] is not None
    # Twelve whole months, and the month to date apart when today is not a month end.
    trend = response.context["trend"]
    assert len([r for r in trend if not r["partial"]]) == 12
    assert len(trend) == (12 if (today_ledger + dt.timedelta(days=1)).day == 1 else 13)
    html = response.content.decode()
    assert re.search(r"Overdue share</dt><dd[^>]*>66\.7 %", html)
    assert "Best possible DSO" in html


def test_home_without_rates_explains_and_falls_back(client_in, books: Books) -> None:
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "home": "1"})
    assert response.status_code == 200
    assert "no FX rate" in response.content.decode()
    assert response.context["board"].home is False


@pytest.fixture
def today_ledger(db) -> dt.date:
    from django.utils import timezone

    today = timezone.localdate()
    c = Customer.objects.create(customer_ref="T-1", name="Today Co", currency="USD")
    d = dt.timedelta
    Invoice.objects.create(
        customer=c,
        invoice_ref="T-OLD",
        issue_date=today - d(50),
        due_date=today - d(20),
        currency="USD",
        amount=10000,
        open_amount=10000,
    )
    Invoice.objects.create(
        customer=c,
        invoice_ref="T-NEW",
        issue_date=today - d(5),
        due_date=today + d(25),
        currency="USD",
        amount=5000,
        open_amount=5000,
    )
    return today


def test_home_with_rates_converts_every_row(client_in, books: Books) -> None:
    _rates(dt.date(2024, 1, 1))
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "home": "1"})
    board = response.context["board"]
    assert board.home is True and board.problem == ""
    assert {r["currency"] for r in response.context["page"].object_list} == {"USD"}
    assert board.kpi_currency == "USD" and board.kpis["dso"] is not None
    assert "converted to USD" in response.content.decode()


@pytest.fixture
def four_currencies(db) -> None:
    """Raw minor units rank INR, BRL, JPY, USD; their values in USD rank INR, JPY, USD, BRL.
    Each customer has its own collector; CHF has no rate."""
    from decimal import Decimal

    from recoup.ledger.models import FxRate

    d = dt.timedelta
    people = {"INR": ("Priya", "Raman"), "JPY": ("Kenji", "Sato"), "USD": ("Ann", "Lee"), "BRL": ("Rui", "Costa")}
    for code, minor in (("INR", 670_000_000), ("JPY", 8_590_000), ("USD", 5_000_000), ("BRL", 9_200_000), ("CHF", 100)):
        first, last = people.get(code, ("", ""))
        collector = (
            User.objects.create_user(email=f"{code.lower()}@example.com", password="x" * 12, first_name=first, last_name=last)
            if first
            else None
        )
        customer = Customer.objects.create(customer_ref=f"{code}-1", name=f"{code} Co", currency=code, collector=collector)
        Invoice.objects.create(
            customer=customer,
            invoice_ref=f"{code}-INV",
            issue_date=AS_OF - d(60),
            due_date=AS_OF - d(30),
            currency=code,
            amount=minor,
            open_amount=minor,
        )
    for code, rate in (("INR", "0.012"), ("JPY", "0.0067"), ("BRL", "0.19")):
        FxRate.objects.create(currency=code, on=AS_OF - d(1), rate=Decimal(rate))


@pytest.mark.parametrize(
    ("by", "sort", "expected"),
    [
        ("customer", "-total", ["INR Co", "JPY Co", "USD Co", "BRL Co", "CHF Co"]),
        ("customer", "total", ["BRL Co", "USD Co", "JPY Co", "INR Co", "CHF Co"]),
        ("customer", "-d1_30", ["INR Co", "JPY Co", "USD Co", "BRL Co", "CHF Co"]),
        ("collector", "-total", ["Priya Raman", "Kenji Sato", "Ann Lee", "Rui Costa", "Unassigned"]),
        ("currency", "-total", ["INR", "JPY", "USD", "BRL", "CHF"]),
    ],
)
def test_amount_sorts_compare_values_in_the_home_currency(client_in, four_currencies, by, sort, expected) -> None:
    response = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "by": by, "sort": sort})
    html = response.content.decode()
    labels = re.findall(r'<th scope="row" class="group">\s*(?:<a [^>]*>|<span [^>]*>)?([^<]+?)\s*<', html)
    assert labels == expected
    assert "No exchange rate for CHF" in html
    # Every amount is still written in its own currency.
    assert "₹6,700,000.00" in html and "¥8,590,000" in html and "R$92,000.00" in html


def test_aging_by_collector_shows_names_not_addresses(client_in, four_currencies) -> None:
    html = client_in.get(reverse("reports-aging"), {"as_of": AS_OF.isoformat(), "by": "collector"}).content.decode()
    assert ">Priya Raman<" in html
    assert ">inr@example.com<" not in html


def test_the_month_to_date_is_labelled_with_its_days_and_not_drawn_as_a_month(client_in, db) -> None:
    as_of = dt.date(2026, 12, 2)
    c = Customer.objects.create(customer_ref="M-1", name="Monthly Co", currency="USD")
    d = dt.timedelta
    # An invoice issued every month, each paid a month late: the whole months look alike.
    for n in range(15):
        issued = dt.date(2025, 9, 15) + d(days=30 * n)
        Invoice.objects.create(
            customer=c,
            invoice_ref=f"M-{n}",
            issue_date=issued,
            due_date=issued + d(days=30),
            currency="USD",
            amount=100_000,
            open_amount=100_000,
        )
    response = client_in.get(reverse("reports-aging"), {"as_of": as_of.isoformat()})
    mtd = response.context["month_to_date"]
    assert mtd["month_end"] == as_of and mtd["days"] == 2 and mtd["partial"] is True
    html = response.content.decode()
    # The lines end with the last whole month (Nov 26); December so far is written apart with its day count.
    charts = html[html.index('<div class="charts">') : html.index("</figure>", html.index("chart-percent-caption"))]
    assert "Nov 26" in charts and "Dec 26" not in charts
    assert "December to date" in html and "(1–2 Dec, 2 days)" in html
    assert "2026-12-01 – 2026-12-02 (month to date, 2 days)" in html
