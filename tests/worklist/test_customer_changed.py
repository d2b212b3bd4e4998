"""The worklist and predictions follow every writer through "customer changed", not only the calls app."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.imports.services import import_file
from recoup.ledger import services as ledger_services
from recoup.ledger.models import Customer, Invoice, Payment
from recoup.prediction import services as prediction_services
from recoup.prediction.models import InvoicePrediction
from recoup.worklist import receivers
from recoup.worklist import services as worklist_services
from recoup.worklist.models import WorklistEntry

pytestmark = pytest.mark.django_db


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def books(tmp_path: Path) -> None:
    today = dt.date.today()
    import_file(
        "customers",
        _write(tmp_path / "c.csv", ["customer_ref", "name", "country", "currency"], [("ACME", "Acme Corp", "US", "USD")]),
    )
    overdue = (today - dt.timedelta(days=75)).isoformat(), (today - dt.timedelta(days=45)).isoformat()
    import_file(
        "invoices",
        _write(
            tmp_path / "i.csv",
            ["invoice_ref", "customer_ref", "issue_date", "due_date", "amount", "currency"],
            [("INV-1", "ACME", *overdue, "15000.00", "USD"), ("INV-2", "ACME", *overdue, "4000.00", "USD")],
        ),
    )
    import_file(
        "payments",
        _write(
            tmp_path / "p.csv",
            ["payment_ref", "received_on", "amount", "currency", "customer_ref"],
            [("PAY-1", today.isoformat(), "15000.00", "USD", "ACME")],
        ),
    )


def test_an_allocation_through_the_ledger_updates_worklist_and_prediction(books, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    model = prediction_services.train(as_of=dt.date.today(), now=now)
    prediction_services.score_open_items(as_of=dt.date.today(), now=now, model=model)
    worklist_services.rebuild(at=now)
    acme = Customer.objects.get(customer_ref="ACME")
    before = WorklistEntry.objects.get(customer=acme)
    assert before.overdue_amount == 1_900_000
    assert InvoicePrediction.objects.filter(invoice__invoice_ref="INV-1").exists()
    scored_before = InvoicePrediction.objects.get(invoice__invoice_ref="INV-2").scored_at

    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.allocate_payment(
            payment=Payment.objects.get(payment_ref="PAY-1"),
            invoice=Invoice.objects.get(invoice_ref="INV-1"),
            amount=1_500_000,
            applied_on=None,
            actor=None,
            now=timezone.now(),
        )

    after = WorklistEntry.objects.get(customer=acme)
    assert after.overdue_amount == 400_000
    assert after.built_at > before.built_at
    # The paid invoice has no prediction any more; the one still open was scored again.
    assert not InvoicePrediction.objects.filter(invoice__invoice_ref="INV-1").exists()
    assert InvoicePrediction.objects.get(invoice__invoice_ref="INV-2").scored_at > scored_before


def test_nothing_follows_a_refused_allocation(books, django_capture_on_commit_callbacks) -> None:
    worklist_services.rebuild(at=timezone.now())
    entry = WorklistEntry.objects.get(customer__customer_ref="ACME")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception, match="has only 400000 open"):
        ledger_services.allocate_payment(
            payment=Payment.objects.get(payment_ref="PAY-1"),
            invoice=Invoice.objects.get(invoice_ref="INV-2"),
            amount=1_500_000,
            applied_on=None,
            actor=None,
            now=timezone.now(),
        )
    assert callbacks == []
    assert WorklistEntry.objects.get(customer__customer_ref="ACME").built_at == entry.built_at


@pytest.mark.slow
def test_an_import_of_100k_rows_triggers_one_rebuild(
    tmp_path: Path, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = [(f"C{n:05d}", f"Customer {n}", "US", "USD") for n in range(2_000)]
    import_file("customers", _write(tmp_path / "c.csv", ["customer_ref", "name", "country", "currency"], customers))
    header = ["invoice_ref", "customer_ref", "issue_date", "due_date", "amount", "currency"]
    import_file(
        "invoices", _write(tmp_path / "first.csv", header, [("I-FIRST", "C00000", "2026-09-01", "2026-10-01", "50.00", "USD")])
    )
    worklist_services.rebuild(at=timezone.now())
    assert WorklistEntry.objects.count() == 1
    rebuilds: list[dt.datetime] = []
    refreshes: list[int] = []
    real_rebuild = worklist_services.rebuild
    monkeypatch.setattr(worklist_services, "rebuild", lambda **kw: rebuilds.append(kw["at"]) or real_rebuild(**kw))
    monkeypatch.setattr(worklist_services, "refresh_customer", lambda customer_id, **kw: refreshes.append(customer_id))
    rows = [(f"I{n:06d}", f"C{n % 2_000:05d}", "2026-09-01", "2026-10-01", f"{100 + n % 900}.00", "USD") for n in range(100_000)]
    path = _write(tmp_path / "i.csv", header, rows)
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file("invoices", path)
    assert result.created == 100_000
    assert len(rebuilds) == 1 and refreshes == []
    assert WorklistEntry.objects.count() == 2_000
    assert receivers.REFRESH_AT_ONCE < 2_000
