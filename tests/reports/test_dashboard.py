"""The dashboard's figures and downloads: filters select customers, exports neutralise formulas,
the PDF is a PDF, and only seniors and managers see it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from recoup.accounts.models import User
from recoup.activities.models import Activity
from recoup.ledger.models import Customer, Invoice
from recoup.reports import dashboard

pytestmark = pytest.mark.django_db


def _open(customer: Customer, ref: str, amount: int, days_overdue: int) -> None:
    today = timezone.localdate()
    due = today - dt.timedelta(days=days_overdue)
    Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency="USD",
        amount=amount,
        open_amount=amount,
    )


@pytest.fixture
def books() -> dict[str, object]:
    ann = User.objects.create_user(email="ann@example.com", password="x" * 12, first_name="Ann")
    bob = User.objects.create_user(email="bob@example.com", password="x" * 12, first_name="Bob")
    evil = Customer.objects.create(
        customer_ref="=1+2", name='=HYPERLINK("http://x")', currency="USD", segment="smb", collector=ann
    )
    good = Customer.objects.create(customer_ref="G-1", name="Good Co", currency="USD", segment="enterprise", collector=bob)
    _open(evil, "E-1", 50_000, 10)
    _open(good, "G-1", 80_000, 40)
    now = timezone.now()
    for outcome in ("promise_to_pay", "no_answer", "voicemail", "conversation"):
        Activity.objects.create(customer=evil, at=now, outcome=outcome)
    return {"ann": ann, "bob": bob, "evil": evil, "good": good}


@pytest.fixture
def manager_client(client):
    client.force_login(User.objects.create_user(email="m@example.com", password="x" * 12, role="manager"))
    return client


def test_filters_select_customers(books) -> None:
    today = timezone.localdate()
    everyone = dashboard.dashboard(today, dashboard.Filters(), today=today)
    assert everyone.tables["risk"]["customer_ref"].to_list() == ["G-1", "=1+2"]
    bobs = dashboard.dashboard(today, dashboard.Filters(collector_id=books["bob"].pk), today=today)
    assert bobs.tables["risk"]["customer_ref"].to_list() == ["G-1"]
    smb = dashboard.dashboard(today, dashboard.Filters(segment="smb"), today=today)
    this_month = smb.tables["contacts"].row(-1, named=True)
    # Two of four calls reached the right party (a promise, a conversation).
    assert (this_month["calls"], this_month["right_party"], this_month["right_party_rate"]) == (4, 2, 50.0)


def test_csv_and_xlsx_exports_neutralise_formulas(manager_client, books) -> None:
    response = manager_client.get("/reports/dashboard/?table=risk&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[1]["customer_ref"] == "'=1+2" and rows[1]["name"].startswith("'=HYPERLINK")
    assert rows[0]["overdue"] == "800.00"
    book = load_workbook(io.BytesIO(manager_client.get("/reports/dashboard/?table=risk&format=xlsx").content))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[2][0] == "'=1+2"
    assert float(values[1][2]) == 800.0


def test_the_page_as_pdf(manager_client, books) -> None:
    response = manager_client.get("/reports/dashboard/?format=pdf")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_collectors_cannot_open_it(client, books) -> None:
    client.force_login(books["ann"])
    assert client.get("/reports/dashboard/").status_code == 403
