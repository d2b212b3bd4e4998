"""Predictions appear beside the open items they are about: on the customer page and in the export."""

from __future__ import annotations

import datetime as dt
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


def test_the_customer_page_shows_the_expected_payment_and_late_risk(scored: Invoice, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.create_user(email="c@example.com", password="a-long-password-1"))
    page = client.get(f"/customers/{Customer.objects.get().pk}/").content.decode()
    assert "2026-07-19" in page
    assert "81 %" in page
    assert timezone.localdate() >= dt.date(2026, 6, 30)  # the item is open today, so it is listed
