"""Foreign exports import with a mapping file alone; the shipped presets read their formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from recoup.imports.errors import ImportRejected, MappingError
from recoup.imports.mapping import list_presets, load_mapping
from recoup.imports.services import import_file
from recoup.ledger.models import Customer, Invoice, Payment

pytestmark = pytest.mark.django_db


def test_a_foreign_export_imports_with_a_mapping_file_alone(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("Acct No;Company;Land;Terms\n10001;Alpha Inc;US;30\n10002;Beta LLC;US;45\n")
    (tmp_path / "customers.toml").write_text(
        'entity = "customers"\n[read]\ndelimiter = ";"\n[columns]\ncustomer_ref = "Acct No"\nname = "Company"\n'
        'country = "Land"\npayment_terms_days = "Terms"\n[constants]\ncurrency = "USD"\n'
    )
    (tmp_path / "open_items.csv").write_text(
        "Doc #,Account,Doc Date,Net Due,Gross,Sales Rep,Region Code\n"
        '88-1,10001,03/15/2026,04/14/2026,"12,345.67",Kim,W\n'
        '88-2,10002,12/01/2025,,"1,000.00",Lee,E\n'
    )
    (tmp_path / "invoices.toml").write_text(
        'entity = "invoices"\n[columns]\ninvoice_ref = "Doc #"\ncustomer_ref = "Account"\nissue_date = "Doc Date"\n'
        'due_date = "Net Due"\namount = "Gross"\n[formats]\ndate = "%m/%d/%Y"\nthousands_separator = ","\n'
    )
    import_file("customers", tmp_path / "customers.csv", mapping=tmp_path / "customers.toml")
    result = import_file("invoices", tmp_path / "open_items.csv", mapping=tmp_path / "invoices.toml")
    assert result.created == 2
    first = Invoice.objects.get(invoice_ref="88-1")
    assert (first.amount, first.currency, first.issue_date, first.due_date) == (
        1234567,
        "USD",
        dt.date(2026, 3, 15),
        dt.date(2026, 4, 14),
    )
    assert first.attributes == {"Sales Rep": "Kim", "Region Code": "W"}
    # No due date in the file: the customer's 45-day terms apply.
    assert Invoice.objects.get(invoice_ref="88-2").due_date == dt.date(2026, 1, 15)
    again = import_file("invoices", tmp_path / "open_items.csv", mapping=tmp_path / "invoices.toml")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_bad_mapping_file_names_the_wrong_key(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('entity = "invoices"\n[columns]\ninvoice_number = "Doc"\n')
    with pytest.raises(MappingError, match="invoice_number"):
        load_mapping(tmp_path / "m.toml", entity="invoices")
    (tmp_path / "n.toml").write_text('[formats]\ndecimal_separator = ";"\n')
    with pytest.raises(MappingError, match="decimal_separator"):
        load_mapping(tmp_path / "n.toml", entity="invoices")
    with pytest.raises(MappingError, match="neither a preset"):
        load_mapping("no_such_preset", entity="invoices")


def test_presets_ship_for_quickbooks_xero_and_sap() -> None:
    assert {"quickbooks_invoices", "xero_invoices", "sap_fbl5n_invoices", "sap_fbl5n_payments"} <= set(list_presets())


def test_quickbooks_report_with_title_block_and_totals(tmp_path: Path) -> None:
    (tmp_path / "qbo.csv").write_text(
        "Craig's Design and Landscaping Services\nA/R Aging Detail\nAs of November 20, 2026\n\n"
        "Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance\n"
        "Current,,,,,,\n"
        '10/30/2026,Invoice,1037,Sonnenschein Family Store,11/29/2026,"1,362.50","1,362.50"\n'
        "11/01/2026,Credit Memo,1038,Sonnenschein Family Store,11/01/2026,-100.00,-100.00\n"
        'Total for Current,,,,,"1,262.50","1,262.50"\n'
        "09/12/2026,Invoice,1022,Amy's Bird Sanctuary,10/12/2026,239.00,239.00\n"
        'TOTAL,,,,,"1,501.50","1,501.50"\n'
    )
    result = import_file("invoices", tmp_path / "qbo.csv", mapping="quickbooks_invoices")
    assert result.created == 3
    assert Customer.objects.filter(name="Sonnenschein Family Store").exists()
    memo = Invoice.objects.get(invoice_ref="1038")
    assert (memo.kind, memo.amount) == ("credit_note", 10000)
    assert Invoice.objects.get(invoice_ref="1037").attributes == {"Open Balance": "1,362.50"}


def test_xero_lines_are_grouped_into_one_invoice(tmp_path: Path) -> None:
    header = "ContactName,EmailAddress,InvoiceNumber,Reference,InvoiceDate,DueDate,Total,TaxTotal,Description,Quantity,UnitAmount,LineAmount,Currency,Type,Status"
    (tmp_path / "xero.csv").write_text(
        header + "\n"
        "City Limousines,ap@limo.example,INV-0042,PO 77,05/10/2026,04/11/2026,575.00,75.00,Consulting,2,200.00,400.00,NZD,ACCREC,AUTHORISED\n"
        "City Limousines,ap@limo.example,INV-0042,PO 77,05/10/2026,04/11/2026,575.00,75.00,Travel,1,100.00,100.00,NZD,ACCREC,AUTHORISED\n"
        "City Limousines,ap@limo.example,CN-0003,,07/10/2026,07/10/2026,50.00,0.00,Refund,1,50.00,50.00,NZD,ACCRECCREDIT,AUTHORISED\n"
    )
    result = import_file("invoices", tmp_path / "xero.csv", mapping="xero_invoices")
    assert result.created == 2
    invoice = Invoice.objects.get(invoice_ref="INV-0042")
    assert (invoice.amount, invoice.currency, invoice.po_number, invoice.issue_date) == (
        57500,
        "NZD",
        "PO 77",
        dt.date(2026, 10, 5),
    )
    assert Invoice.objects.get(invoice_ref="CN-0003").kind == "credit_note"


def test_sap_fbl5n_with_german_numbers_credit_indicator_and_baseline_due_dates(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,country,currency\n4711,Müller Maschinenbau GmbH,DE,EUR\n")
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "fbl5n.csv").write_text(
        "BUKRS;KUNNR;GJAHR;BELNR;BUZEI;BLART;BLDAT;BUDAT;XBLNR;SGTXT;SHKZG;WRBTR;WAERS;ZFBDT;ZBD1T;ZBD2T;ZBD3T;AUGDT;AUGBL\n"
        "1000;4711;2026;1800000017;001;DR;02.03.2026;02.03.2026;PO-55;Lieferung;S;1.234,56;EUR;02.03.2026;14;30;;;\n"
        "1000;4711;2026;1800000018;001;DG;09.03.2026;09.03.2026;;Gutschrift;H;200,00;EUR;09.03.2026;0;;;;\n"
        "1000;4711;2026;1800000019;001;DR;10.03.2026;10.03.2026;;Lieferung;S;500,00;EUR;10.03.2026;30;;;12.04.2026;1400000001\n"
    )
    result = import_file("invoices", tmp_path / "fbl5n.csv", mapping="sap_fbl5n_invoices")
    assert result.created == 3
    first = Invoice.objects.get(invoice_ref="1000-2026-1800000017")
    assert (first.amount, first.due_date, first.po_number) == (123456, dt.date(2026, 4, 1), "PO-55")
    credit = Invoice.objects.get(invoice_ref="1000-2026-1800000018")
    assert (credit.kind, credit.amount) == ("credit_note", 20000)
    paid = import_file("payments", tmp_path / "fbl5n.csv", mapping="sap_fbl5n_payments")
    assert paid.created == 1
    payment = Payment.objects.get(payment_ref="1000-1400000001")
    assert (payment.amount, payment.received_on, payment.unapplied_amount) == (50000, dt.date(2026, 4, 12), 0)
    assert Invoice.objects.get(invoice_ref="1000-2026-1800000019").open_amount == 0


def test_xlsx_files_import_like_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_ref", "name", "currency", "credit_limit"])
    sheet.append(["X1", "Excel Co", "USD", 2500.5])
    sheet.append(["X2", "Sheet Ltd", "JPY", 100000])
    book.save(tmp_path / "c.xlsx")
    book = Workbook()
    sheet = book.active
    sheet.append(["invoice_ref", "customer_ref", "issue_date", "amount"])
    sheet.append(["E-1", "X1", dt.datetime(2026, 5, 1), 99.99])
    sheet.append(["E-2", "X2", dt.datetime(2026, 5, 2), "not money"])
    book.save(tmp_path / "i.xlsx")
    import_file("customers", tmp_path / "c.xlsx")
    assert Customer.objects.get(customer_ref="X1").credit_limit == 250050
    with pytest.raises(ImportRejected) as caught:
        import_file("invoices", tmp_path / "i.xlsx")
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "amount")]
