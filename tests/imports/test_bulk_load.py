"""The large-load path (constraints and indexes set aside and rebuilt) keeps every guarantee.

The threshold is lowered so small files take the path a million-row file takes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from recoup.database import bulk
from recoup.imports.errors import ImportRejected
from recoup.imports.services import import_file
from recoup.ledger.models import Customer, Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        return {c for c in connection.introspection.get_constraints(cursor, "ledger_invoice")}


def test_a_large_load_creating_customers_on_the_way_keeps_constraints_and_indexes(tmp_path: Path) -> None:
    before = _indexes()
    (tmp_path / "qbo.csv").write_text(
        "Invoice List\nAll dates\n\nDate,Transaction Type,Num,Customer,Due Date,Amount\n"
        '10/01/2026,Invoice,5001,Harbor Supply,10/31/2026,"1,200.00"\n'
        "10/02/2026,Invoice,5002,Inland Grain,11/01/2026,300.00\n"
        'TOTAL,,,,,"1,500.00"\n'
    )
    # In one transaction: customers created (deferred foreign-key checks pending), then the
    # invoices bulk-loaded with the foreign key set aside.
    result = import_file("invoices", tmp_path / "qbo.csv", mapping="quickbooks_invoices")
    assert result.created == 2
    assert Invoice.objects.get(invoice_ref="5001").customer == Customer.objects.get(customer_ref="Harbor Supply")
    assert _indexes() == before  # every constraint and index is back, under its own name
    assert Invoice.objects.get(invoice_ref="5002").due_date == dt.date(2026, 11, 1)


def test_a_rebuilt_unique_constraint_still_refuses_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name\nA,Alpha\n")
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text("invoice_ref,customer_ref,issue_date,amount\nX-1,A,2026-01-01,10.00\n")
    import_file("invoices", tmp_path / "i.csv")
    # Bypass the importer's own duplicate check: the database must still say no.
    from django.db import IntegrityError, transaction

    frame_row = Invoice.objects.values("customer_id").get()
    import polars as pl

    frame = pl.DataFrame(
        {
            "id": [999_999],
            "source": [""],
            "invoice_ref": ["X-1"],
            "customer_id": [frame_row["customer_id"]],
            "kind": ["invoice"],
            "issue_date": [dt.date(2026, 1, 2)],
            "due_date": [dt.date(2026, 2, 1)],
            "currency": ["USD"],
            "amount": [5],
            "open_amount": [5],
            "po_number": [""],
            "description": [""],
            "attributes": ["{}"],
            "import_hash": [""],
            "created_at": [dt.datetime(2026, 1, 2, tzinfo=dt.UTC)],
            "updated_at": [dt.datetime(2026, 1, 2, tzinfo=dt.UTC)],
        }
    )
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.bulk_load(connection, "ledger_invoice", 1):
        bulk.insert_frame(connection, "ledger_invoice", frame)
    assert Invoice.objects.count() == 1
    assert _indexes()  # the failed rebuild rolled back with its transaction, leaving the table as it was


def test_rejected_large_load_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name\nA,Alpha\n")
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text("invoice_ref,customer_ref,issue_date,amount\nY-1,A,2026-01-01,10.00\nY-2,A,2026-13-01,1.00\n")
    with pytest.raises(ImportRejected):
        import_file("invoices", tmp_path / "i.csv")
    assert Invoice.objects.count() == 0
