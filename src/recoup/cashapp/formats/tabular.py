"""Bank statements as CSV, through a mapping file (TOML) that names the bank's columns.

Without a mapping the canonical header is expected: ``booked_on, amount, currency, payer_name,
payer_account, remittance, bank_ref, end_to_end_id, value_on`` (``amount`` signed: negative is a
debit). A mapping renames columns and sets the date format, separators, delimiter and encoding::

    [columns]
    booked_on = "Buchungstag"
    amount = "Betrag"              # or credit = "Haben" and debit = "Soll", both positive
    payer_name = "Auftraggeber"
    remittance = ["Verwendungszweck 1", "Verwendungszweck 2"]
    [format]
    date = "%d.%m.%Y"
    decimal_separator = ","
    thousands_separator = "."
    delimiter = ";"
    encoding = "cp1252"
    currency = "EUR"
    account = "DE89370400440532013000"
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from typing import Any

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, Statement, parse_date, to_minor

FIELDS = (
    "booked_on",
    "value_on",
    "amount",
    "credit",
    "debit",
    "currency",
    "payer_name",
    "payer_account",
    "remittance",
    "bank_ref",
    "end_to_end_id",
    "reference",
)


@dataclass(frozen=True)
class CsvMapping:
    columns: dict[str, list[str]] = field(default_factory=lambda: {f: [f] for f in FIELDS})
    date: str = "%Y-%m-%d"
    decimal_separator: str = "."
    thousands_separator: str = ""
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    currency: str = ""
    account: str = ""


def load_mapping(text: str, where: str = "mapping") -> CsvMapping:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankFileError(where, f"not valid TOML: {exc}") from None
    columns: dict[str, list[str]] = {}
    for name, value in dict(raw.get("columns", {})).items():
        if name not in FIELDS:
            raise BankFileError(f"{where} [columns]", f"{name!r} is not a statement field ({', '.join(FIELDS)})")
        columns[name] = [value] if isinstance(value, str) else [str(v) for v in value]
    fmt: dict[str, Any] = dict(raw.get("format", {}))
    unknown = set(fmt) - {"date", "decimal_separator", "thousands_separator", "delimiter", "encoding", "currency", "account"}
    if unknown:
        raise BankFileError(f"{where} [format]", f"unknown setting(s) {', '.join(sorted(unknown))}")
    return CsvMapping(columns=columns or CsvMapping().columns, **{k: str(v) for k, v in fmt.items()})


def parse(data: bytes, mapping: CsvMapping | None = None) -> BankFile:
    mapping = mapping or CsvMapping()
    try:
        text = data.decode(mapping.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise BankFileError("CSV", f"cannot be read as {mapping.encoding}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    header = reader.fieldnames or []
    for name, columns in mapping.columns.items():
        missing = [c for c in columns if c not in header]
        if (missing and name in ("booked_on", "amount", "credit", "debit")) or (missing and len(missing) < len(columns)):
            raise BankFileError("line 1", f"no column {missing[0]!r} (for {name}); the header has {', '.join(header)}")
    if "booked_on" not in mapping.columns or not (
        {"amount"} <= set(mapping.columns) or {"credit", "debit"} <= set(mapping.columns)
    ):
        raise BankFileError("mapping", "a bank CSV needs booked_on and amount (or credit and debit) columns")
    statement = Statement(account=mapping.account, currency=mapping.currency, statement_id="")
    try:
        for row in reader:
            statement.lines.append(_line(row, mapping, reader.line_num, len(statement.lines) + 1))
    except csv.Error as exc:
        raise BankFileError(f"line {reader.line_num}", f"not valid CSV: {exc}") from None
    if not statement.lines:
        raise BankFileError("CSV", "no lines below the header")
    days = [line.booked_on for line in statement.lines]
    statement.from_date, statement.to_date = min(days), max(days)
    statement.currency = statement.currency or statement.lines[0].currency
    statement.statement_id = f"CSV {statement.from_date}..{statement.to_date}"
    statement.controls = {"lines": len(statement.lines)}
    return BankFile(format="csv", statements=[statement])


def _get(row: dict[str, Any], mapping: CsvMapping, name: str) -> str:
    return " ".join(str(row.get(c) or "").strip() for c in mapping.columns.get(name, []) if row.get(c)).strip()


def _amount(text: str, currency: str, mapping: CsvMapping, where: str) -> int:
    cleaned = text.replace(mapping.thousands_separator, "") if mapping.thousands_separator else text
    return to_minor(cleaned.replace(mapping.decimal_separator, ".").replace(" ", ""), currency, where)


def _line(row: dict[str, Any], mapping: CsvMapping, line: int, seq: int) -> BankLine:
    where = f"line {line}"
    currency = (_get(row, mapping, "currency") or mapping.currency or "").upper()
    if not currency:
        raise BankFileError(f"{where}, currency", "no currency in the row and none in the mapping")
    if "amount" in mapping.columns:
        signed = _amount(_get(row, mapping, "amount"), currency, mapping, f"{where}, amount")
    else:
        credit, debit = _get(row, mapping, "credit"), _get(row, mapping, "debit")
        signed = (
            _amount(credit, currency, mapping, f"{where}, credit")
            if credit
            else -_amount(debit or "0", currency, mapping, f"{where}, debit")
        )
    if signed == 0:
        raise BankFileError(f"{where}, amount", "a line of zero moves no money")
    value = _get(row, mapping, "value_on")
    remittance = _get(row, mapping, "remittance")
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if signed > 0 else "debit",
        amount=abs(signed),
        currency=currency,
        booked_on=parse_date(_get(row, mapping, "booked_on"), mapping.date, f"{where}, booked_on"),
        value_on=parse_date(value, mapping.date, f"{where}, value_on") if value else None,
        bank_ref=_get(row, mapping, "bank_ref"),
        end_to_end_id=_get(row, mapping, "end_to_end_id"),
        payer_name=_get(row, mapping, "payer_name"),
        payer_account=_get(row, mapping, "payer_account"),
        remittance=remittance,
        references=tuple(r for r in [_get(row, mapping, "reference")] if r),
        bank_code="CSV",
    )
