"""Canonical files in, the same open amounts out: imports, idempotency, rejection, dry runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.audit.models import AuditEvent
from recoup.imports.errors import FileFormatError, ImportRejected
from recoup.imports.models import ImportRun
from recoup.imports.services import import_file
from recoup.ledger.models import Allocation, Contact, Customer, Invoice, Payment
from tests.imports import ledger_writer

pytestmark = pytest.mark.django_db


def _write_books(tmp_path: Path, seed: int = 7, **sizes: int) -> tuple[ledger_writer.Books, dict[str, Path]]:
    books = ledger_writer.build(seed, **sizes)
    files = {
        "customers": ledger_writer.write_csv(tmp_path / "customers.csv", books.customers),
        "invoices": ledger_writer.write_csv(tmp_path / "invoices.csv", books.invoices),
        "payments": ledger_writer.write_csv(tmp_path / "payments.csv", books.payments),
    }
    return books, files


def _import_all(files: dict[str, Path]) -> dict[str, tuple[int, int, int]]:
    counts = {}
    for entity in ("customers", "invoices", "payments"):
        result = import_file(entity, files[entity])
        counts[entity] = (result.created, result.updated, result.unchanged)
    return counts


def _export_open_items(as_of: dt.date) -> dict[str, Decimal]:
    out = io.StringIO()
    call_command("export_ledger", "open-items", "--as-of", as_of.isoformat(), "--format", "csv", stdout=out)
    # The command writes bytes to sys.stdout directly; fall back to the frame when captured elsewhere.
    from recoup.ledger.exports import open_items_frame

    frame = open_items_frame(as_of)
    return {r["invoice_ref"]: Decimal(r["open_amount"]) for r in frame.iter_rows(named=True) if r["kind"] != "credit_note"}


def test_open_items_reproduce_an_independent_computation_to_the_cent(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path)
    _import_all(files)
    for as_of in (dt.date(2025, 6, 30), dt.date(2026, 1, 15), dt.date(2027, 1, 1)):
        assert _export_open_items(as_of) == books.open_as_of(as_of), as_of
    # The stored open amount (today's) agrees with the independent books too.
    stored = {i.invoice_ref: i.open_amount for i in Invoice.objects.all()}
    for ref, expected in books.open_amounts.items():
        currency = next(r["currency"] for r in books.invoices if r["invoice_ref"] == ref)
        assert stored[ref] == int(expected.scaleb(ledger_writer.CURRENCIES[currency])), ref


def test_importing_the_same_files_again_changes_nothing(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path)
    first = _import_all(files)
    assert first["invoices"] == (len(books.invoices), 0, 0)
    events = AuditEvent.objects.count()
    snapshot = sorted(Invoice.objects.values_list("invoice_ref", "open_amount", "updated_at"))
    second = _import_all(files)
    assert second == {
        "customers": (0, 0, len(books.customers)),
        "invoices": (0, 0, len(books.invoices)),
        "payments": (0, 0, len({p["payment_ref"] for p in books.payments})),
    }
    assert AuditEvent.objects.count() == events
    assert sorted(Invoice.objects.values_list("invoice_ref", "open_amount", "updated_at")) == snapshot
    assert ImportRun.objects.filter(status="applied").count() == 6


def test_a_changed_row_updates_its_record_and_is_audited(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    _import_all(files)
    unpaid = next(r for r in books.invoices if not any(p["invoice_ref"] == r["invoice_ref"] for p in books.payments))
    unpaid["amount"] = str(Decimal(unpaid["amount"]) + 1)
    ledger_writer.write_csv(files["invoices"], books.invoices)
    result = import_file("invoices", files["invoices"])
    assert (result.created, result.updated, result.unchanged) == (0, 1, len(books.invoices) - 1)
    invoice = Invoice.objects.get(invoice_ref=unpaid["invoice_ref"])
    assert invoice.open_amount == invoice.amount
    event = AuditEvent.objects.filter(object_type="ledger.invoice", object_id=invoice.pk, action="import.update").get()
    assert event.before["amount"] + 10 ** ledger_writer.CURRENCIES[invoice.currency] == event.after["amount"]
    assert event.import_run_id == result.run_id


@pytest.mark.parametrize(
    ("column", "bad_value", "reason"),
    [("issue_date", "2025-02-30", "not a date"), ("amount", "12,50", "not an amount"), ("amount", "abc", "not an amount")],
)
def test_one_bad_value_rejects_the_whole_file_naming_line_and_column(
    tmp_path: Path, column: str, bad_value: str, reason: str
) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    import_file("customers", files["customers"])
    books.invoices[3][column] = bad_value  # the 4th data row: line 5 of the file
    ledger_writer.write_csv(files["invoices"], books.invoices)
    with pytest.raises(ImportRejected) as caught:
        import_file("invoices", files["invoices"])
    [error] = caught.value.errors
    assert (error.line, error.column, error.value) == (5, column, bad_value)
    assert reason in error.reason
    assert Invoice.objects.count() == 0
    assert ImportRun.objects.filter(entity="invoices", status="rejected").count() == 1
    with pytest.raises(CommandError, match="rejected, nothing imported"):
        call_command("import_ledger", "invoices", str(files["invoices"]), "--no-progress")


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    import_file("customers", files["customers"])
    books.invoices[0]["customer_ref"] = "NOBODY"
    books.invoices[5]["currency"] = "XYZ"
    books.invoices[9]["due_date"] = "2020-01-01"
    books.invoices[12]["invoice_ref"] = books.invoices[11]["invoice_ref"]
    ledger_writer.write_csv(files["invoices"], books.invoices)
    with pytest.raises(ImportRejected) as caught:
        import_file("invoices", files["invoices"])
    found = {(e.line, e.column): e.reason for e in caught.value.errors}
    assert "no customer has this ref" in found[(2, "customer_ref")]
    assert "ISO 4217" in found[(7, "currency")]
    assert "before the issue date" in found[(11, "due_date")]
    assert found[(14, "invoice_ref")] == "appears more than once in this file (first at line 13)"


def test_skip_invalid_imports_the_good_rows_and_writes_the_bad_ones(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    import_file("customers", files["customers"])
    books.invoices[2]["amount"] = "=1+1"
    ledger_writer.write_csv(files["invoices"], books.invoices)
    result = import_file("invoices", files["invoices"], skip_invalid=True)
    assert (result.created, result.invalid) == (19, 1)
    assert Invoice.objects.count() == 19
    with Path(result.error_file).open() as fh:  # type: ignore[arg-type]
        rows = list(csv.DictReader(fh))
    assert rows[0]["line"] == "4" and rows[0]["column"] == "amount"
    assert rows[0]["value"] == "'=1+1"  # a spreadsheet must not run it


def test_dry_run_counts_but_writes_nothing(tmp_path: Path) -> None:
    _, files = _write_books(tmp_path, customers=5, invoices=20)
    result = import_file("customers", files["customers"], dry_run=True)
    assert result.created == 5 and result.dry_run
    assert Customer.objects.count() == 0 and AuditEvent.objects.count() == 0 and ImportRun.objects.count() == 0


def test_payments_may_not_settle_more_than_an_invoice(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    import_file("customers", files["customers"])
    import_file("invoices", files["invoices"])
    target = books.invoices[0]
    extra = {
        "payment_ref": "TOO-MUCH",
        "received_on": "2026-01-01",
        "amount": str(Decimal(target["amount"]) + 1),
        "currency": target["currency"],
        "customer_ref": target["customer_ref"],
        "invoice_ref": target["invoice_ref"],
        "applied_amount": str(Decimal(target["amount"]) + 1),
    }
    ledger_writer.write_csv(files["payments"], [*books.payments, extra])
    with pytest.raises(ImportRejected) as caught:
        import_file("payments", files["payments"])
    assert any("would settle" in e.reason for e in caught.value.errors)
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0


def test_payment_currency_must_match_the_invoice(tmp_path: Path) -> None:
    books, files = _write_books(tmp_path, customers=5, invoices=20)
    import_file("customers", files["customers"])
    import_file("invoices", files["invoices"])
    inv = books.invoices[0]
    other = "EUR" if inv["currency"] != "EUR" else "USD"
    pay = {
        "payment_ref": "P-X",
        "received_on": "2026-01-01",
        "amount": "1.00",
        "currency": other,
        "customer_ref": "",
        "invoice_ref": inv["invoice_ref"],
        "applied_amount": "",
    }
    ledger_writer.write_csv(files["payments"], [pay])
    with pytest.raises(ImportRejected) as caught:
        import_file("payments", files["payments"])
    assert caught.value.errors[0].reason == f"the invoice is in {inv['currency']}"


def test_one_payment_over_several_rows_and_unapplied_cash(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency\nA,Alpha,USD\n")
    (tmp_path / "i.csv").write_text("invoice_ref,customer_ref,issue_date,amount\nI1,A,2026-01-01,100.00\nI2,A,2026-01-05,50.00\n")
    (tmp_path / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount,customer_ref\n"
        "P1,2026-02-01,200.00,I1,100.00,\nP1,2026-02-01,200.00,I2,30.00,\nP2,2026-02-03,10.00,,,A\n"
    )
    for entity, name in (("customers", "c"), ("invoices", "i"), ("payments", "p")):
        import_file(entity, tmp_path / f"{name}.csv")
    assert Invoice.objects.get(invoice_ref="I1").open_amount == 0
    assert Invoice.objects.get(invoice_ref="I2").open_amount == 2000
    assert Payment.objects.get(payment_ref="P1").unapplied_amount == 7000
    p2 = Payment.objects.get(payment_ref="P2")
    assert (p2.unapplied_amount, p2.customer.customer_ref, p2.currency) == (1000, "A", "USD")
    # Moving part of P1 to I2 instead of I1 updates the allocations, not duplicates them.
    (tmp_path / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount,customer_ref\n"
        "P1,2026-02-01,200.00,I1,80.00,\nP1,2026-02-01,200.00,I2,50.00,\nP2,2026-02-03,10.00,,,A\n"
    )
    result = import_file("payments", tmp_path / "p.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Invoice.objects.get(invoice_ref="I1").open_amount == 2000
    assert Invoice.objects.get(invoice_ref="I2").open_amount == 0
    assert Allocation.objects.count() == 2


def test_credit_notes_are_applied_to_the_invoice_they_credit(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency\nA,Alpha,EUR\n")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount,kind,credits_invoice_ref\n"
        "I1,A,2026-01-01,100.00,invoice,\nCN1,A,2026-01-10,40.00,credit_note,I1\nCN2,A,2026-01-11,5.00,credit_note,\n"
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    assert Invoice.objects.get(invoice_ref="I1").open_amount == 6000
    cn1 = Invoice.objects.get(invoice_ref="CN1")
    assert (cn1.open_amount, cn1.due_date) == (0, dt.date(2026, 1, 10))
    assert Invoice.objects.get(invoice_ref="CN2").open_amount == 500  # unused credit
    (tmp_path / "bad.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount,kind,credits_invoice_ref\nCN3,A,2026-01-10,140.00,credit_note,I1\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_file("invoices", tmp_path / "bad.csv")
    assert "more than the invoice it credits" in caught.value.errors[0].reason


def test_customers_file_makes_primary_contacts_and_keeps_extra_columns(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,country,phone,email,industry,Account Manager\n"
        "A,Alpha,DE,030 1234567,ap@alpha.example,chemicals,Ute\nB,Beta,US,(312) 555-0142,,retail,\n"
    )
    import_file("customers", tmp_path / "c.csv")
    alpha = Customer.objects.get(customer_ref="A")
    assert alpha.attributes == {"industry": "chemicals", "Account Manager": "Ute"}
    assert Customer.objects.get(customer_ref="B").attributes == {"industry": "retail"}
    contact = Contact.objects.get(customer=alpha)
    assert (contact.phone, contact.email, contact.is_primary) == ("+49301234567", "ap@alpha.example", True)
    assert Contact.objects.get(customer__customer_ref="B").phone == "+13125550142"


def test_a_file_without_a_required_column_is_refused_before_reading_rows(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("ref,name\nA,Alpha\n")
    with pytest.raises(FileFormatError, match="no column 'customer_ref'"):
        import_file("customers", tmp_path / "c.csv")


def test_contacts_import_and_one_primary_per_customer(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,country,phone\nA,Alpha,GB,020 7946 0018\n")
    (tmp_path / "k.csv").write_text(
        "customer_ref,name,role,phone,email,is_primary,do_not_call\n"
        "A,Jane Doe,controller,020 7946 0019,jane@alpha.example,true,no\nA,Bob Roe,clerk,,bob@alpha.example,false,yes\n"
    )
    import_file("customers", tmp_path / "c.csv")
    result = import_file("contacts", tmp_path / "k.csv")
    assert result.created == 2
    primary = Contact.objects.get(customer__customer_ref="A", is_primary=True)
    assert primary.name == "Jane Doe" and primary.phone == "+442079460019"
    assert Contact.objects.get(name="Bob Roe").do_not_call
    assert import_file("contacts", tmp_path / "k.csv").unchanged == 2
