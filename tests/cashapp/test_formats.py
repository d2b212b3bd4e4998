"""Every bank format recoup reads: the shared samples with their own control totals, generated
files in each format, and a malformed file of each format rejected with where it failed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from recoup.cashapp import formats
from recoup.cashapp.formats import BankFileError
from recoup.cashapp.formats.tabular import load_mapping
from tests.cashapp import statements as make
from tests.cashapp.statements import Paid

SAMPLES = Path(__file__).parent / "samples"


def read(name: str) -> formats.BankFile:
    return formats.read((SAMPLES / name).read_bytes(), name)


def credits(bank_file: formats.BankFile) -> int:
    return sum(line.amount for line in bank_file.lines if line.direction == "credit")


def debits(bank_file: formats.BankFile) -> int:
    return sum(line.amount for line in bank_file.lines if line.direction == "debit")


# --- the shared samples, each against the totals it states about itself ---------------------


def test_bai2_sample_agrees_with_its_49_98_99_controls() -> None:
    bank_file = read("moov-bai2-sample1.txt")
    assert bank_file.format == "bai2"
    first, second = bank_file.statements
    # 49: the account control total is the 03 summary amounts plus every 16 detail amount.
    assert first.controls["account_control_total"] == 834000 == 208500 + 208500 + sum(line.amount for line in first.lines)
    assert second.controls["account_control_total"] == 446000 == 111500 + 111500 + sum(line.amount for line in second.lines)
    # 98/99: the group and file totals are the accounts' totals.
    assert 834000 + 446000 == 1280000
    assert len(first.lines) == 11 and len(second.lines) == 6
    # The 88 record's summary says 3 credits (type 100) and 8 debits (type 400) on the first account.
    assert sum(1 for line in first.lines if line.direction == "credit") == 3
    assert sum(1 for line in first.lines if line.direction == "debit") == 8
    assert credits(bank_file) == 208500 + 111500
    assert first.lines[3].value_on == dt.date(2006, 3, 16) and first.lines[3].remittance == "TFR 1020 0345678"


def test_camt053_sample_lines_and_the_balance_it_does_not_reach() -> None:
    bank_file = read("oca-test-camt053.xml")
    (statement,) = bank_file.statements
    assert statement.account == "NL77ABNA0574908765" and statement.currency == "EUR"
    assert (statement.opening_balance, statement.closing_balance) == (1556827, 1512112)
    # The batch entry of 664.05 splits into its two TxDtls (564.05 + 100.00), as its Btch says.
    assert [(line.direction, line.amount) for line in statement.lines] == [
        ("debit", 75425),
        ("debit", 56405),
        ("debit", 10000),
        ("credit", 140531),
    ]
    assert statement.lines[1].where == "Stmt 1 / Ntry 2 / TxDtls 1" and statement.lines[1].is_return  # a returned direct debit
    credit = statement.lines[3]
    assert (credit.payer_name, credit.payer_account, credit.end_to_end_id) == ("3rd party Media", "NL69ABNA0522123643", "115")
    # 15568.27 − 754.25 − 564.05 − 100.00 + 1405.31 = 15555.28, not the stated 15121.12: an abridged file.
    assert statement.controls["balance_agrees"] is False
    assert "makes 15555.28, but the closing balance is 15121.12" in statement.warnings[0]


def test_camt054_sample_whose_batch_count_is_wrong_is_kept_as_one_line() -> None:
    bank_file = read("genkgo-camt054.v8.xml")
    (line,) = bank_file.lines
    assert (line.direction, line.amount, line.currency) == ("debit", 20000000, "SEK")
    assert "NbOfTxs says 2 but the entry holds 3 TxDtls" in bank_file.warnings[0]
    # Every TxDtls's remittance is kept: several Ustrd, several Strd references.
    assert line.references == ("ISR ref number V1", "ISR ref number V2", "Ref number V3 block 1", "Ref number V3 block 2")
    assert "Unstructured Remittance Information V3 block 2" in line.remittance


def test_mt940_rabobank_sample_balances_and_sepa_subfields() -> None:
    bank_file = read("wolph-jejik-rabobank-iban.sta")
    first, second = bank_file.statements
    for statement in (first, second):
        assert statement.opening_balance + statement.net_movement() == statement.closing_balance
        assert statement.controls["balance_agrees"] is True
    assert (first.opening_balance, first.closing_balance, second.closing_balance) == (100000, 96500, 93000)
    line = first.lines[0]
    assert (line.payer_name, line.payer_account) == ("CONTRA ACCOUNT HOLDER", "NL70ABNA0987654321")
    assert line.end_to_end_id == "01-01-2013 12:00 0030000987654321" and line.bank_ref == ""
    assert first.lines[1].remittance == "Reference 201301234"


def test_mt940_abnamro_sample_two_statements_and_the_dutch_payment_reference() -> None:
    bank_file = read("wolph-jejik-abnamro.sta")
    first, second = bank_file.statements
    assert len(first.lines) == 8 and len(second.lines) == 2
    assert first.lines[0].references == ("000000042188659",)
    assert debits(bank_file) == 32144 + 2449
    # The sample's balances do not follow from its lines; recoup says so, with the numbers.
    assert first.controls["balance_agrees"] is False and second.controls["balance_agrees"] is False
    assert "makes 2914.84, but the closing balance is 876.84" in first.warnings[0]


def test_nacha_sample_agrees_with_its_batch_and_file_controls() -> None:
    bank_file = read("moov-ctx-debit.ach")
    (line,) = bank_file.lines
    # 8 record: 3 entries and addenda, entry hash 0023138010, total debit 100000000 cents.
    assert (line.direction, line.amount) == ("debit", 100000000)
    assert line.remittance.endswith("Debit First Account Debit Second Account")
    assert line.payer_name == "Name on Account" and line.bank_code == "ACH CTX 27"


def test_ofx_sample_sgml_cp1252_with_intuit_tag() -> None:
    bank_file = read("ofxparse-bank_medium.ofx")
    (statement,) = bank_file.statements
    assert statement.currency == "CAD" and statement.closing_balance == 38234
    assert [line.amount for line in statement.lines] == [660, 31667, 2200]
    assert statement.lines[0].booked_on == dt.date(2009, 4, 1)  # as written, not moved to UTC
    assert statement.controls == {"lines": 3, "posted_within_period": True}


# --- generated files in every format ----------------------------------------------------------

PAYMENTS = [
    Paid(123450, payer_name="Müller & Söhne GmbH", remittance="Rechnung RE-1001 und RE-1002"),
    Paid(-5000, payer_name="Stadtwerke", remittance="Strom"),
    Paid(99900, reference="RF18539007547034", documents=[("INV-7", 99900)]),
]


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("camt053 v02", make.camt053(PAYMENTS, version="02"), "camt.053"),
        ("camt053 v08", make.camt053(PAYMENTS, version="08"), "camt.053"),
        ("mt940 german", make.mt940_german(PAYMENTS), "mt940"),
        ("bai2", make.bai2(PAYMENTS), "bai2"),
        ("bai2 two records per line", make.bai2(PAYMENTS, two_per_line=True), "bai2"),
        ("ofx 1 sgml cp1252", make.ofx(PAYMENTS, version=1), "ofx"),
        ("ofx 2 xml windows-1252", make.ofx(PAYMENTS, version=2, encoding="windows-1252"), "ofx"),
        ("qfx", make.ofx(PAYMENTS, version=1, qfx=True), "ofx"),
    ],
)
def test_generated_statement_reads_back(name: str, data: bytes, kind: str) -> None:
    bank_file = formats.read(data, name)
    assert bank_file.format == kind
    assert [(line.direction, line.amount) for line in bank_file.lines] == [("credit", 123450), ("debit", 5000), ("credit", 99900)]
    assert bank_file.warnings == []
    first = bank_file.lines[0]
    assert first.payer_name.startswith("Müller" if kind != "bai2" else "M")
    assert "RE-1001" in first.remittance


def test_camt_structured_reference_and_referred_document() -> None:
    line = formats.read(make.camt053(PAYMENTS)).lines[2]
    assert line.references == ("RF18539007547034",)
    assert [(d.ref, d.amount) for d in line.documents] == [("INV-7", 99900)]


def test_camt054_batch_splits_into_its_transactions() -> None:
    paid = [Paid(1000, remittance="INV-1"), Paid(2500, remittance="INV-2"), Paid(300, remittance="INV-3")]
    for version in ("02", "04", "06", "08"):
        lines = formats.read(make.camt054_batch(paid, version=version)).lines
        assert [line.amount for line in lines] == [1000, 2500, 300]
        assert [line.where for line in lines] == [f"Ntfctn 1 / Ntry 1 / TxDtls {k}" for k in (1, 2, 3)]


def test_nacha_ctx_820_remittance_names_invoices_and_amounts() -> None:
    paid = [Paid(150000, payer_name="Borealis Freight", documents=[("INV-100", 100000), ("INV-101", 50000)])]
    (line,) = formats.read(make.nacha_ctx(paid)).lines
    assert (line.direction, line.amount, line.payer_name, line.payer_account) == (
        "credit",
        150000,
        "Borealis Freight",
        "1234567890",
    )
    assert [(d.ref, d.amount) for d in line.documents] == [("INV-100", 100000), ("INV-101", 50000)]


def test_csv_through_a_mapping() -> None:
    data, mapping = make.csv_statement(PAYMENTS)
    bank_file = formats.read(data, "umsaetze.csv", csv_mapping=load_mapping(mapping))
    assert [(line.direction, line.amount) for line in bank_file.lines] == [("credit", 123450), ("debit", 5000), ("credit", 99900)]
    assert bank_file.lines[0].payer_name == "Müller & Söhne GmbH" and bank_file.statements[0].account == "DE02120300000000202051"


# --- malformed files: rejected whole, saying where ---------------------------------------------


def _rejected(data: bytes, name: str = "file", **kwargs: object) -> str:
    with pytest.raises(BankFileError) as caught:
        formats.read(data, name, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_malformed_camt_names_line_and_element() -> None:
    assert _rejected(make.camt053(PAYMENTS).replace(b"</Ntry>", b"</Ntri>", 1)).startswith("line ")
    message = _rejected(
        make.camt053(PAYMENTS).replace(
            b'<Amt Ccy="EUR">1234.50</Amt><CdtDbtInd>CRDT', b'<Amt Ccy="EUR">12x4.50</Amt><CdtDbtInd>CRDT'
        )
    )
    assert message.startswith("Stmt 1 / Ntry 1 / Amt: '12x4.50' is not an amount")
    entity = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&e;</Document>'
    assert "DTDs and entities are not allowed" in _rejected(entity)


def test_malformed_mt940_names_the_line() -> None:
    bad = make.mt940_german(PAYMENTS).replace(b":61:250303", b":61:25X303", 1)
    assert _rejected(bad).startswith("line 5 (:61:)")
    assert _rejected(b":20:X\n:25:1\n:99:oops\n:60F:C250101EUR1,00\n:62F:C250101EUR1,00\n") == "line 3: unknown MT940 tag :99:"


def test_malformed_bai2_names_the_line() -> None:
    good = make.bai2(PAYMENTS)
    assert _rejected(good.replace(b"16,165,123450", b"16,165,12x450")).startswith("line 4: BAI2:")
    wrong_total = good.replace(b"\n49,", b"\n49,1")
    assert "Invalid account control total" in _rejected(wrong_total)
    assert _rejected(wrong_total).startswith("line ")


def test_malformed_ofx_is_rejected() -> None:
    assert _rejected(make.ofx(PAYMENTS).replace(b"<TRNAMT>1234.50", b"<TRNAMT>12,34,50")).startswith("OFX:")
    assert _rejected(b"OFXHEADER:100\nDATA:OFXSGML\nnonsense").startswith("OFX")


def test_malformed_nacha_names_the_record() -> None:
    paid = [Paid(150000, documents=[("INV-100", 150000)])]
    good = make.nacha_ctx(paid)
    records = good.decode().split("\n")
    control = next(n for n, r in enumerate(records) if r.startswith("8"))
    records[control] = records[control][:32] + "000000000001" + records[control][44:]
    assert _rejected("\n".join(records).encode()) == (
        f"line {control + 1} (batch control): the total credit says 1, the batch's records make 150000"
    )
    addenda = next(n for n, r in enumerate(records) if r.startswith("705"))
    records = good.decode().split("\n")
    records[addenda] = records[addenda][:87] + "0000009"
    assert (
        _rejected("\n".join(records).encode())
        == f"line {addenda + 1}, columns 88-94: the addenda names entry 0000009, the entry before it is 0000001"
    )
    assert _rejected(good.replace(b"\n622", b"\nX22", 1)) == "line 3: 'X' is not a NACHA record type (1, 5, 6, 7, 8, 9)"


def test_malformed_csv_names_line_and_column() -> None:
    data, mapping = make.csv_statement(PAYMENTS)
    bad = data.replace(b"03.03.2025;03.03.2025;1234,50", b"31.02.2025;03.03.2025;1234,50")
    assert _rejected(bad, "x.csv", csv_mapping=load_mapping(mapping)) == "line 2, booked_on: '31.02.2025' is not a date (d.m.Y)"


def test_unknown_file_and_oversize() -> None:
    assert "not a bank statement" in _rejected(b"hello world", "notes.md")
    assert "more than the" in _rejected(b"x" * (formats.MAX_FILE_BYTES + 1))
