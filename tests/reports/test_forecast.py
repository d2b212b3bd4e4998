"""The cash forecast through the database: `recoup report forecast`, promises read as of the date,
the kept forecasts against the cash that came, the page and its downloads."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.accounts.models import User
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.promises.models import Promise
from recoup.reports import forecast_accuracy, forecasting
from recoup.reports.models import ForecastWeek

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
DAY = dt.timedelta(days=1)
DUE = dt.date(2026, 1, 31)


def _settled(customer: Customer, k: int) -> None:
    """Invoice k, due 31 January, paid k days late (the customer's history: 0 … 9 days late)."""
    inv = Invoice.objects.create(
        customer=customer,
        invoice_ref=f"H-{k}",
        issue_date=DUE - 30 * DAY,
        due_date=DUE,
        currency="USD",
        amount=500,
        open_amount=0,
    )
    pay = Payment.objects.create(
        customer=customer, payment_ref=f"HP-{k}", received_on=DUE + k * DAY, amount=500, currency="USD", unapplied_amount=0
    )
    Allocation.objects.create(invoice=inv, payment=pay, amount=500, applied_on=DUE + k * DAY)


@pytest.fixture
def ledger() -> dict[str, object]:
    acme = Customer.objects.create(customer_ref="ACME", name="Acme", currency="USD")
    for k in range(10):
        _settled(acme, k)
    item = Invoice.objects.create(
        customer=acme,
        invoice_ref="OPEN-1",
        issue_date=AS_OF - 20 * DAY,
        due_date=AS_OF + 3 * DAY,
        currency="USD",
        amount=100_000,
        open_amount=60_000,
    )
    # Paid in part after the as-of date, and an invoice issued after it: neither is known then.
    late = Payment.objects.create(
        customer=acme, payment_ref="LATE", received_on=AS_OF + 2 * DAY, amount=40_000, currency="USD", unapplied_amount=0
    )
    Allocation.objects.create(invoice=item, payment=late, amount=40_000, applied_on=AS_OF + 2 * DAY)
    Invoice.objects.create(
        customer=acme,
        invoice_ref="NEW",
        issue_date=AS_OF + DAY,
        due_date=AS_OF + 5 * DAY,
        currency="USD",
        amount=777_700,
        open_amount=777_700,
    )
    return {"acme": acme, "item": item}


def _json(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("report", "forecast", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_json_uses_only_what_was_known_at_the_date(ledger) -> None:
    data = _json("--as-of", AS_OF.isoformat(), "--weeks", "3")
    assert data["as_of"] == "2026-06-30" and data["currency"] == "USD"
    # 1,000.00 open then, due in 3 days, paid 0–9 days late: half in each of the first two weeks.
    assert [(w["start"], w["expected"]) for w in data["weeks"]] == [
        ("2026-07-01", "500.00"),
        ("2026-07-08", "500.00"),
        ("2026-07-15", "0.00"),
    ]
    assert all(isinstance(w["low"], str) and isinstance(w["high"], str) for w in data["weeks"])


def test_an_open_promise_made_by_then_replaces_part_of_the_item(ledger) -> None:
    promise = Promise.objects.create(
        customer=ledger["acme"],
        amount=40_000,
        currency="USD",
        promised_date=AS_OF + 10 * DAY,
        created_at=dt.datetime(2026, 6, 29, 15, tzinfo=dt.UTC),
    )
    promise.invoices.set([ledger["item"]])
    # Made later: not known at the as-of date.
    Promise.objects.create(
        customer=ledger["acme"],
        amount=90_000,
        currency="USD",
        promised_date=AS_OF + 3 * DAY,
        created_at=dt.datetime(2026, 7, 2, 15, tzinfo=dt.UTC),
    )
    data = _json("--as-of", AS_OF.isoformat(), "--weeks", "2")
    # No promise history: kept at 0.5 → 200.00 on day 10; the other 800.00 half and half.
    assert [w["expected"] for w in data["weeks"]] == ["400.00", "600.00"]


def test_bad_weeks_are_refused(ledger) -> None:
    with pytest.raises(CommandError, match="--weeks"):
        call_command("report", "forecast", "--weeks", "0", stdout=io.StringIO())


def test_kept_forecasts_meet_the_cash_that_came(ledger) -> None:
    forecasting.record_forecast(as_of=AS_OF, now=dt.datetime(2026, 7, 1, 4, tzinfo=dt.UTC))
    assert ForecastWeek.objects.count() == 13
    accuracy = forecast_accuracy.kept_accuracy(AS_OF + 30 * DAY)
    week1 = next(h for h in accuracy.by_horizon if h["horizon"] == 1)
    # Forecast 500.00 in week 1, 400.00 came: WAPE 0.25, bias +0.25.
    assert (week1["n"], week1["forecast"], week1["actual"]) == (1, 50_000, 40_000)
    assert week1["wape"] == pytest.approx(0.25) and week1["bias"] == pytest.approx(0.25)


def test_the_backtest_compares_with_the_due_date_baseline(ledger) -> None:
    # The data end at the NEW invoice's issue date; a 1-week horizon fits after 23 June.
    result = forecast_accuracy.backtest([AS_OF - 7 * DAY], weeks=1)
    assert set(result["horizons"]) == {"1"}
    assert set(result["horizons"]["1"]) == {"forecast", "baseline"}


def test_the_page_is_for_seniors_and_managers_and_downloads_csv(client, ledger) -> None:
    collector = User.objects.create_user(email="c@example.com", password="x" * 12, role="collector")
    client.force_login(collector)
    assert client.get("/reports/forecast/").status_code == 403
    manager = User.objects.create_user(email="m@example.com", password="x" * 12, role="manager")
    client.force_login(manager)
    page = client.get(f"/reports/forecast/?as_of={AS_OF.isoformat()}")
    assert page.status_code == 200 and "500.00" in page.content.decode()
    csv = client.get(f"/reports/forecast/?as_of={AS_OF.isoformat()}&format=csv")
    assert csv["Content-Disposition"].endswith('.csv"')
    assert csv.content.decode().splitlines()[1].startswith("1,2026-07-01,2026-07-07,USD,500.00,")


def test_the_weekly_job_keeps_the_forecast_made_at_the_end_of_yesterday(ledger) -> None:
    from django.utils import timezone

    from recoup.reports.tasks import weekly_forecast_task

    result = weekly_forecast_task.call_local()
    yesterday = timezone.localdate() - DAY
    assert result == {"as_of": yesterday.isoformat(), "weeks": 13}
    assert list(ForecastWeek.objects.order_by("as_of").values_list("as_of", flat=True).distinct()) == [yesterday]


def test_the_xlsx_has_the_weeks_and_the_days(ledger, tmp_path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "forecast.xlsx"
    call_command("report", "forecast", "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(target), stderr=io.StringIO())
    book = load_workbook(target)
    assert book.sheetnames == ["forecast", "days"]
    weeks = [[c.value for c in row] for row in book["forecast"].iter_rows()]
    assert weeks[1][4] == 500
    days = {row[0].value.date(): row[1].value for row in book["days"].iter_rows(min_row=2)}
    # Due in 3 days and paid 0–9 days late: 100.00 a day from day 3 to day 12.
    assert days[AS_OF + 3 * DAY] == 100 and days[AS_OF + 2 * DAY] == 0 and days[AS_OF + 12 * DAY] == 100
