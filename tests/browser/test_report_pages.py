"""A manager reads the aging page and a customer's outlook, and edits a strategy, in the browser."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.ledger.models import Customer, FxRate, Invoice
from recoup.prediction.models import InvoicePrediction, PredictionModel
from recoup.worklist.models import Strategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password-2"
AS_OF = dt.date(2026, 12, 2)  # two days into December: the month to date is a partial period


@pytest.fixture
def books() -> dict[str, Customer]:
    """Raw amounts rank INR, BRL, JPY, USD; in USD they rank INR, JPY, USD, BRL. Each has a collector."""
    people = {"INR": ("Priya", "Raman"), "JPY": ("Kenji", "Sato"), "USD": ("Ann", "Lee"), "BRL": ("Rui", "Costa")}
    out = {}
    d = dt.timedelta
    for code, minor in (("INR", 670_000_000), ("JPY", 8_590_000), ("USD", 5_000_000), ("BRL", 9_200_000)):
        first, last = people[code]
        collector = User.objects.create_user(
            email=f"{code.lower()}@example.com", password=PASSWORD, first_name=first, last_name=last
        )
        customer = Customer.objects.create(customer_ref=f"{code}-1", name=f"{code} Trading", currency=code, collector=collector)
        # One invoice a month for a year (paid), and one open 30 days overdue.
        for n in range(13):
            issued = AS_OF - d(days=30 * n + 60)
            Invoice.objects.create(
                customer=customer,
                invoice_ref=f"{code}-{n}",
                issue_date=issued,
                due_date=issued + d(days=30),
                currency=code,
                amount=minor,
                open_amount=minor if n == 0 else 0,
            )
        out[code] = customer
    for code, rate in (("INR", "0.012"), ("JPY", "0.0067"), ("BRL", "0.19")):
        FxRate.objects.create(currency=code, on=AS_OF - d(days=400), rate=Decimal(rate))
    User.objects.create_user(email="morgan@example.com", password=PASSWORD, role=Role.MANAGER, first_name="Morgan")
    return out


def _log_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("morgan@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/customers/"))


def test_aging_ranks_by_value_names_collectors_and_keeps_the_month_to_date_apart(page, live_server, books) -> None:  # type: ignore[no-untyped-def]
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/reports/aging/?as_of={AS_OF}&sort=-total")
    groups = page.locator("table.aging tbody th.group")
    assert [g.inner_text().split("\n")[0].strip() for g in groups.all()] == [
        "INR Trading INR-1",
        "JPY Trading JPY-1",
        "USD Trading USD-1",
        "BRL Trading BRL-1",
    ]
    # December so far is written apart, with its day count, and the lines end in November.
    note = page.locator("#month-to-date")
    assert note.is_visible()
    assert "December to date" in note.inner_text() and "2 days" in note.inner_text()
    x_labels = page.locator("figure.chart").first.locator(".axis.x text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert "Nov 26" in x_labels and "Dec 26" not in x_labels, x_labels

    page.get_by_label("Group by").select_option("collector")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"by=collector"))
    names = [g.inner_text().strip() for g in groups.all()]
    assert names == ["Priya Raman", "Kenji Sato", "Ann Lee", "Rui Costa"]
    assert not [url for url in missing if "favicon" in url], missing  # the icon is served
    assert missing == []


def test_a_customers_outlook_shows_the_chance_of_still_being_unpaid(page, live_server, books) -> None:  # type: ignore[no-untyped-def]
    customer = books["USD"]
    today = timezone.localdate()
    invoice = Invoice.objects.create(
        customer=customer,
        invoice_ref="USD-OPEN",
        issue_date=today - dt.timedelta(days=60),
        due_date=today - dt.timedelta(days=30),
        currency="USD",
        amount=120_000,
        open_amount=120_000,
    )
    model = PredictionModel.objects.create(trained_at=timezone.now(), cutoff=today, path="m.joblib")
    InvoicePrediction.objects.create(
        invoice=invoice,
        expected_pay_date=today + dt.timedelta(days=9),
        p_late=1.0,
        p_7=0.8,
        p_30=0.35,
        model=model,
        scored_at=timezone.now(),
    )
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    row = page.locator("tr", has_text="USD-OPEN")
    cells = row.locator("td").all_inner_texts()
    assert cells[-3:] == [f"{today + dt.timedelta(days=9):%Y-%m-%d}", "35 %", "late"]
    assert "100 %" not in page.locator("main").inner_text()


def test_the_strategy_form_lines_up(page, live_server, books) -> None:  # type: ignore[no-untyped-def]
    # A transactional test empties the tables the migrations filled: the samples are made again.
    samples = importlib.import_module("recoup.worklist.migrations.0002_sample_strategies")
    samples.create(django_apps, None)
    _log_in(page, live_server)
    strategy = Strategy.objects.get(name="Amount-driven")
    page.goto(f"{live_server.url}/worklist/strategies/{strategy.pk}/")
    assert page.get_by_label("Calls from (customer's local time):").input_value() == "09:00"
    assert page.get_by_label("Calls until:").input_value() == "17:00"
    # Each checkbox stands just left of its label, on the same line.
    for label in ("Skip while an open promise is not yet due", "Default for every other segment"):
        box = page.get_by_label(label).bounding_box()
        text = page.locator("label", has_text=label).bounding_box()
        assert box and text
        assert box["x"] + box["width"] <= text["x"] <= box["x"] + box["width"] + 20
        assert abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) < 6
    # The seven weekdays sit on one line.
    tops = {
        round(page.get_by_label(day, exact=True).bounding_box()["y"]) for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    }
    assert len(tops) == 1
