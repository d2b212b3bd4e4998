"""Predictions appear beside the open items they are about: on the customer page and in the export."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import User
from recoup.imports.services import import_file
from recoup.ledger.exports import open_items_frame
from recoup.ledger.models import Customer, Invoice
from recoup.prediction.models import InvoicePrediction, PredictionModel

pytestmark = pytest.mark.django_db
SCORED = dt.datetime(2026, 6, 30, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def scored(tmp_path: Path) -> Invoice:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency\nA,Alpha,USD\n")
    (tmp_path / "i.csv").write_text("invoice_ref,customer_ref,issue_date,due_date,amount\nI-1,A,2026-05-01,2026-05-31,500.00\n")
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    model = PredictionModel.objects.create(trained_at=SCORED, cutoff=dt.date(2026, 6, 30), path="m.joblib")
    invoice = Invoice.objects.get()
    InvoicePrediction.objects.create(
        invoice=invoice, expected_pay_date=dt.date(2026, 7, 19), p_late=0.8126, p_7=0.9, p_30=0.4, model=model, scored_at=SCORED
    )
    return invoice


def test_the_export_carries_the_prediction_from_the_day_it_was_made(scored: Invoice) -> None:
    row = open_items_frame(dt.date(2026, 6, 30)).row(0, named=True)
    assert (row["expected_pay_date"], row["p_late"], row["p_not_paid_30d"]) == (dt.date(2026, 7, 19), 0.813, 0.4)
    earlier = open_items_frame(dt.date(2026, 6, 29)).row(0, named=True)
    assert earlier["expected_pay_date"] is None and earlier["p_late"] is None


@pytest.fixture
def due_and_overdue(scored: Invoice) -> Customer:
    """Alpha's I-1 is overdue (p_late 0.8126, p_30 0.4); I-2 is not yet due and I-3 is certain by the model."""
    customer = Customer.objects.get()
    model = PredictionModel.objects.get()
    today = timezone.localdate()
    for ref, p_late, p_30 in (("I-2", 0.27, 0.05), ("I-3", 1.0, 1.0)):
        invoice = Invoice.objects.create(
            customer=customer,
            invoice_ref=ref,
            issue_date=today - dt.timedelta(days=5),
            due_date=today + dt.timedelta(days=25),
            currency="USD",
            amount=10_000,
            open_amount=10_000,
        )
        InvoicePrediction.objects.create(
            invoice=invoice,
            expected_pay_date=today + dt.timedelta(days=40),
            p_late=p_late,
            p_7=0.9,
            p_30=p_30,
            model=model,
            scored_at=SCORED,
        )
    return customer


def _cells(page: str, ref: str) -> list[str]:
    row = re.search(rf"<tr[^>]*>\s*<td class=\"mono\">{ref}.*?</tr>", page, re.S)
    assert row, ref
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def test_the_customer_page_shows_what_helps_the_caller(due_and_overdue: Customer, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.create_user(email="c@example.com", password="a-long-password-1"))
    page = client.get(f"/customers/{due_and_overdue.pk}/").content.decode()
    assert timezone.localdate() >= dt.date(2026, 6, 30)  # I-1 is overdue today
    assert "Unpaid in 30 days" in page and "Late risk" in page
    # Overdue: the expected payment and the chance it is still unpaid in 30 days; "late" is a fact.
    assert _cells(page, "I-1")[-3:] == ["2026-07-19", "40 %", "late"]
    # Not yet due: the late risk is the model's, written as a chance.
    assert _cells(page, "I-2")[-2:] == ["5 %", "27 %"]
    # The model is never certain: 1.0 is written ">99 %".
    assert _cells(page, "I-3")[-2:] == [">99 %", ">99 %"]
    assert "100 %" not in page and "81 %" not in page


def test_the_call_prep_sheet_shows_the_chance_of_still_being_unpaid(due_and_overdue: Customer, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.create_user(email="m@example.com", password="a-long-password-1", role="manager"))
    page = client.get(f"/calls/{due_and_overdue.pk}/").content.decode()
    assert "Unpaid 30 d" in page and "P(late)" not in page
    assert _cells(page, "I-1")[-1] == "40 %"
    assert _cells(page, "I-2")[-1] == "5 %"
    assert 'title="Not yet due; chance of paying late: 27 %"' in page
    assert "81 %" not in page and "100 %" not in page


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (None, "–"),
        (0.0, "<1 %"),
        (0.004, "<1 %"),
        (0.005, "1 %"),
        (0.125, "13 %"),
        (0.994, "99 %"),
        (0.995, ">99 %"),
        (1.0, ">99 %"),
    ],
)
def test_chance_is_written_without_claiming_certainty(p: float | None, text: str) -> None:
    from recoup.web.templatetags.recoup_web import chance

    assert chance(p) == text
