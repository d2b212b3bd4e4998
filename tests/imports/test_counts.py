"""An import's counts add up to the rows of its file: every row is created, updated or
unchanged (as a record), merged into the record of an earlier row, or invalid."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from recoup.demo.services import load_demo_company
from recoup.imports.services import ImportResult, import_file
from recoup.ledger.models import Invoice, Payment

pytestmark = pytest.mark.django_db


def _adds_up(result: ImportResult) -> tuple[int, int, int, int, int]:
    counts = (result.created, result.updated, result.unchanged, result.merged, result.invalid)
    assert sum(counts) == result.rows, (result.rows, counts)
    return counts


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency\nA,Alpha,USD\nB,Beta,USD\n")
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount\n"
        + "".join(f"I-{n},{'A' if n < 5 else 'B'},2026-01-0{n},100.00\n" for n in range(1, 9))
    )
    import_file("invoices", tmp_path / "i.csv")
    return tmp_path


def test_one_payment_over_several_rows_is_one_payment_and_its_further_rows(ledger: Path) -> None:
    (ledger / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount,customer_ref\n"
        "P-1,2026-02-01,300.00,I-1,100.00,\nP-1,2026-02-01,300.00,I-2,100.00,\nP-1,2026-02-01,300.00,I-3,100.00,\n"
        "P-2,2026-02-02,50.00,I-4,,\n"
        "P-3,2026-02-03,75.00,,,B\n"  # cash on account
    )
    first = import_file("payments", ledger / "p.csv")
    assert _adds_up(first) == (3, 0, 0, 2, 0)
    assert first.counts_text() == (
        "3 payments created, 0 updated, 0 unchanged, 2 further rows of those payments (one payment, several invoices), 0 invalid"
    )
    again = import_file("payments", ledger / "p.csv")
    assert _adds_up(again) == (0, 0, 3, 2, 0)
    assert Payment.objects.count() == 3


def test_rows_set_aside_with_their_payment_are_counted_as_invalid(ledger: Path) -> None:
    (ledger / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount\n"
        "P-1,2026-02-01,200.00,I-1,100.00\nP-1,2026-02-01,200.00,I-2,1O0.00\n"  # a letter O: bad
        "P-2,2026-02-02,250.00,I-3,100.00\nP-2,2026-02-02,250.00,I-4,150.00\n"  # over-pays I-4
        "P-3,2026-02-03,300.00,I-5,100.00\nP-3,2026-02-03,300.00,I-6,100.00\nP-3,2026-02-03,300.00,I-7,100.00\n"
    )
    result = import_file("payments", ledger / "p.csv", skip_invalid=True)
    assert _adds_up(result) == (1, 0, 0, 2, 4)
    assert sorted({e.line for e in result.errors}) == [2, 3, 4, 5]
    assert Payment.objects.get().payment_ref == "P-3"


def test_invoice_lines_grouped_into_one_invoice_are_counted_once_each(tmp_path: Path) -> None:
    header = "ContactName,InvoiceNumber,Reference,InvoiceDate,DueDate,Total,Description,LineAmount,Currency,Type"
    (tmp_path / "xero.csv").write_text(
        header + "\n"
        "City Limousines,INV-1,,05/10/2026,04/11/2026,500.00,Consulting,400.00,NZD,ACCREC\n"
        "City Limousines,INV-1,,05/10/2026,04/11/2026,500.00,Travel,100.00,NZD,ACCREC\n"
        "City Limousines,INV-2,,06/10/2026,05/11/2026,80.00,Parts,80.00,NZD,ACCREC\n"
        "City Limousines,INV-3,,07/10/2026,06/11/2026,90.00,Parts,45.00,NZD,ACCREC\n"
        "City Limousines,INV-3,,07/10/2026,06/11/2026,90.00,Labour,45.00,NZD,ACCREC\n"
        "City Limousines,INV-3,,07/10/2026,06/11/2026,9O.00,Travel,0.00,NZD,ACCREC\n"  # a letter O: bad
    )
    result = import_file("invoices", tmp_path / "xero.csv", mapping="xero_invoices", skip_invalid=True)
    assert _adds_up(result) == (2, 0, 0, 1, 3)
    assert "1 further lines of those invoices" in result.counts_text()
    # The whole of INV-3 is set aside, not its good lines: their sum would be a wrong amount.
    assert sorted(Invoice.objects.values_list("invoice_ref", flat=True)) == ["INV-1", "INV-2"]
    assert {(e.line, e.reason) for e in result.errors if e.line in (5, 6)} == {
        (5, "another line of this invoice is invalid"),
        (6, "another line of this invoice is invalid"),
    }


def test_the_demo_company_summary_adds_up() -> None:
    summary = load_demo_company(customers=12, invoices=300, seed=3, as_of=dt.date(2026, 3, 15))
    for entity, counts in summary["imports"].items():
        parts = [counts[k] for k in ("created", "updated", "unchanged", "merged", "invalid")]
        assert sum(parts) == counts["rows"], (entity, counts)
    payments = summary["imports"]["payments"]
    assert payments["merged"] > 0 and payments["created"] == Payment.objects.count()
    out = io.StringIO()
    call_command("demo", customers=12, invoices=300, seed=3, as_of="2026-03-15", stdout=out)
    line = next(t for t in out.getvalue().splitlines() if t.strip().startswith("payments"))
    assert f"{payments['rows']:,} rows: 0 payments created, 0 updated, {payments['created']:,} unchanged" in line
    assert f"{payments['merged']:,} further rows of those payments" in line
