"""What a refused file or row is told: its line and column, the value as the file wrote it, and
the reason in recoup's words (never the CSV reader's or the spreadsheet library's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from recoup.imports.errors import FileFormatError, ImportRejected, RowError
from recoup.imports.services import import_file
from recoup.ledger.models import Customer, Invoice

pytestmark = pytest.mark.django_db

CUSTOMERS = "customer_ref,name,currency\nA,Alpha,USD\nB,Beta,USD\n"
LATIN1 = "encoding = 'latin-1'\n"  # not UTF-8: read row by row rather than by Polars


def _rejected(entity: str, path: Path, **kwargs: object) -> list[RowError]:
    with pytest.raises(ImportRejected) as caught:
        import_file(entity, path, **kwargs)  # type: ignore[arg-type]
    return caught.value.errors


@pytest.mark.parametrize("mapping", [None, LATIN1], ids=["columnar", "row by row"])
def test_an_unbalanced_quote_names_the_line_where_the_value_opens(tmp_path: Path, mapping: str | None) -> None:
    (tmp_path / "c.csv").write_text('customer_ref,name\nA,Alpha\nB,"Beta\nC,Gamma\nD,Delta\n')
    kwargs = _mapping(tmp_path, mapping)
    with pytest.raises(FileFormatError) as caught:
        import_file("customers", tmp_path / "c.csv", **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("c.csv: line 3: a double quote opens a value that is never closed")
    assert "Schema" not in message and "dtype" not in message


@pytest.mark.parametrize("mapping", [None, LATIN1], ids=["columnar", "row by row"])
def test_rows_with_more_fields_than_the_header_are_named(tmp_path: Path, mapping: str | None) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name\nA,Alpha\nB,Beta,Ltd\nC,Gamma\nD,Delta,and,Sons\n")
    kwargs = _mapping(tmp_path, mapping)
    with pytest.raises(FileFormatError) as caught:
        import_file("customers", tmp_path / "c.csv", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "c.csv: line 3 has 3 fields but the header has 2 (a value holding the delimiter ',' must be in double quotes);"
        " so does line 5"
    )
    assert Customer.objects.count() == 0


def test_text_after_a_closing_quote_is_named(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text('customer_ref,name\nA,Alpha\nB,"Beta" Ltd\n')
    with pytest.raises(FileFormatError, match=r"^c\.csv: line 3: text follows the closing double quote of a value"):
        import_file("customers", tmp_path / "c.csv")


def test_a_quoted_line_break_does_not_shift_the_lines_named(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount,description\n"
        'I-1,A,2026-01-05,10.00,"two\nlines"\n'
        "I-2,A,2026-01-06,ten,one line\n"
    )
    [error] = _rejected("invoices", tmp_path / "i.csv")
    assert (error.line, error.column, error.value) == (4, "amount", "ten")


def test_a_repeated_column_name_is_refused_naming_both_places(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,segment,name\nA,Alpha,smb,Alpha Inc\n")
    with pytest.raises(FileFormatError) as caught:
        import_file("customers", tmp_path / "c.csv")
    assert str(caught.value) == "c.csv: the column 'name' appears twice in the header (columns 2 and 4)"
    book = Workbook()
    book.active.append(["customer_ref", "name", "segment", "customer_ref"])
    book.active.append(["A", "Alpha", "smb", "A"])
    book.save(tmp_path / "c.xlsx")
    with pytest.raises(FileFormatError, match=r"the column 'customer_ref' appears twice in the header \(columns A and D\)"):
        import_file("customers", tmp_path / "c.xlsx")


def test_a_repeated_ref_names_the_line_it_first_appears_on(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name\nA,Alpha\nB,Beta\nA,Alpha again\nA,Alpha thrice\n")
    errors = _rejected("customers", tmp_path / "c.csv")
    assert [(e.line, e.reason) for e in errors] == [
        (4, "appears more than once in this file (first at line 2)"),
        (5, "appears more than once in this file (first at line 2)"),
    ]


def test_amounts_are_echoed_as_the_file_wrote_them(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency,credit_limit\nA,Alpha,USD,-5.00\nB,Beta,JPY,\n")
    [limit] = _rejected("customers", tmp_path / "c.csv")
    assert (limit.line, limit.column, limit.value, limit.reason) == (2, "credit_limit", "-5.00", "must not be negative")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount\nI-1,A,2026-01-05,0.00\nI-2,A,2026-01-05,-12.50\nI-3,A,2026-01-05,1.5\n"
    )
    zero, negative = _rejected("invoices", tmp_path / "i.csv")
    assert (zero.line, zero.value) == (2, "0.00") and zero.reason.startswith("zero")
    assert (negative.line, negative.value) == (3, "-12.50") and negative.reason.startswith("negative")


def test_sums_the_ledger_computes_are_written_in_major_units(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount,kind,credits_invoice_ref\n"
        "I-1,A,2026-01-05,1200.00,invoice,\nI-2,A,2026-01-05,100.00,invoice,\n"
    )
    import_file("invoices", tmp_path / "i.csv")
    (tmp_path / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount\n"
        "P-1,2026-02-01,200.00,I-1,200.00\nP-2,2026-02-02,2300.00,I-1,2300.00\n"
    )
    together, over = _rejected("payments", tmp_path / "p.csv")  # the two payments together over-pay
    assert (together.line, together.value) == (2, "200.00")
    assert (over.line, over.column, over.value) == (3, "applied_amount", "2300.00")
    assert over.reason == "would settle 2500.00 against the invoice's amount 1200.00"
    (tmp_path / "p.csv").write_text(
        "payment_ref,received_on,amount,invoice_ref,applied_amount\nP-1,2026-02-01,500.00,I-1,300.00\nP-1,2026-02-01,500.00,I-2,250.00\n"
    )
    first, second = _rejected("payments", tmp_path / "p.csv")
    assert (second.line, second.value, second.reason) == (
        3,
        "250.00",
        "the rows of this payment apply more than its amount 500.00",
    )
    assert first.reason == "the rows of this payment apply more than its amount 500.00"
    (tmp_path / "p.csv").write_text("payment_ref,received_on,amount,invoice_ref\nP-1,2026-02-01,500.00,I-1\n")
    import_file("payments", tmp_path / "p.csv")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount,kind,credits_invoice_ref\n"
        "I-1,A,2026-01-05,400.00,invoice,\nI-2,A,2026-01-05,100.00,invoice,\nCN-1,A,2026-01-09,150.00,credit_note,I-2\n"
    )
    less, credit = _rejected("invoices", tmp_path / "i.csv")
    assert (less.line, less.value, less.reason) == (2, "400.00", "less than the 500.00 already paid or credited on this invoice")
    assert (credit.line, credit.value, credit.reason) == (4, "150.00", "more than the invoice it credits (100.00)")


def test_an_xlsx_formula_without_a_cached_value_says_so(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    book = Workbook()  # openpyxl writes formulas without calculating them, as many tools do
    sheet = book.active
    sheet.append(["invoice_ref", "customer_ref", "issue_date", "amount"])
    sheet.append(["E-1", "A", dt.datetime(2026, 5, 1), 99.99])
    sheet.append(["E-2", "A", dt.datetime(2026, 5, 2), "=D2*2"])
    sheet.append(["E-3", "B", dt.datetime(2026, 5, 3), 10])
    book.save(tmp_path / "i.xlsx")
    [error] = _rejected("invoices", tmp_path / "i.xlsx")
    assert (error.line, error.column, error.value) == (3, "amount", "=D2*2")
    assert error.reason.startswith("a formula without a cached value")
    result = import_file("invoices", tmp_path / "i.xlsx", skip_invalid=True)
    assert (result.created, result.invalid) == (2, 1)
    assert sorted(Invoice.objects.values_list("invoice_ref", flat=True)) == ["E-1", "E-3"]


def test_a_formula_with_its_value_reads_as_the_value(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_ref", "name", "currency"])
    sheet.append(["A", "=UPPER(B3)", "USD"])
    sheet.append(["B", "beta", "USD"])
    book.save(tmp_path / "c.xlsx")
    _cache_value(tmp_path / "c.xlsx", "B2", "BETA")
    import_file("customers", tmp_path / "c.xlsx")
    assert Customer.objects.get(customer_ref="A").name == "BETA"


def _cache_value(path: Path, cell: str, value: str) -> None:
    """Give one formula cell the cached value a spreadsheet program would have saved."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'<c r="{cell}"')
    end = sheet.index("</c>", start)
    formula = sheet[sheet.index("<f>", start) : sheet.index("</f>", start) + 4]
    sheet = sheet[:start] + f'<c r="{cell}" t="str">{formula}<v>{value}</v>' + sheet[end:]
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _mapping(tmp_path: Path, read: str | None) -> dict[str, Path]:
    if read is None:
        return {}
    (tmp_path / "m.toml").write_text(f"[read]\n{read}")
    return {"mapping": tmp_path / "m.toml"}


def test_an_amount_summed_over_invoice_lines_is_shown_as_the_sum(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "m.toml").write_text('[derive]\ngroup_lines_by = "invoice_ref"\nsum_columns = ["amount"]\n')
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,amount\nI-1,A,2026-01-05,10.50\nI-1,A,2026-01-05,-10.50\nI-2,A,2026-01-05,3\n"
    )
    zero, other_line = _rejected("invoices", tmp_path / "i.csv", mapping=tmp_path / "m.toml")
    assert (zero.line, zero.column, zero.value) == (2, "amount", "0.00") and zero.reason.startswith("zero")
    assert (other_line.line, other_line.reason) == (3, "another line of this invoice is invalid")
