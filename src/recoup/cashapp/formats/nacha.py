"""NACHA ACH files (CCD, CCD+, CTX, PPD …): 94-character records, read by recoup.

No maintained Python reader of NACHA files exists (the packages on PyPI were last released
years ago), and the layout is fixed-width and short, so recoup reads it and checks every control
the format has: the batch (8) and file (9) records' entry counts, entry hashes and debit and
credit totals. In a file of payments received the batch's company is the payer (the originator);
its company identification serves as the payer's account. CTX and CCD+ addenda (705) carry an
ASC X12 820 remittance: its ``RMR`` segments name the invoices paid and how much of each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, RemittanceItem, Statement, major, parse_date, to_minor

_CREDIT_CODES = {"22", "32", "42", "52"}
_DEBIT_CODES = {"27", "37", "47", "55"}
_PRENOTES = {"23", "28", "33", "38", "43", "48", "53"}
_RETURN_CODES = {"21", "26", "31", "36", "41", "46", "51", "56"}


def looks_like(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    return first.startswith(b"1") and first[34:37] == b"094"  # record size 094 in every file header


@dataclass
class _Entry:
    line: int
    code: str
    dfi: str
    account: str
    amount: int
    name: str
    identification: str
    trace: str
    addenda: list[tuple[str, str, int]] = field(default_factory=list)  # (type, text, sequence)


@dataclass
class _Batch:
    line: int
    company: str
    company_id: str
    sec: str
    description: str
    effective: dt.date
    entries: list[_Entry] = field(default_factory=list)
    closed: bool = False


def parse(data: bytes) -> BankFile:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BankFileError(f"line {line}", "NACHA files are plain ASCII; this byte is not") from None
    records = [(n, r.rstrip("\r").ljust(94)) for n, r in enumerate(text.split("\n"), 1) if r.strip()]
    if not records or records[0][1][0] != "1":
        raise BankFileError("line 1", "a NACHA file starts with a file header record (type 1)")
    batches: list[_Batch] = []
    file_control: tuple[int, str] | None = None
    for number, record in records:
        if len(record) != 94:
            raise BankFileError(f"line {number}", f"a NACHA record is 94 characters, this one {len(record)}")
        kind = record[0]
        if kind == "9" and record.strip("9") == "":
            continue  # filler that pads the last block to ten records
        if kind == "1":
            continue
        if kind == "5":
            batches.append(_batch_header(number, record))
        elif kind in "678" and not batches:
            raise BankFileError(f"line {number}", f"a type {kind} record outside a batch")
        elif kind == "6":
            batches[-1].entries.append(_entry(number, record, batches[-1].sec))
        elif kind == "7":
            _addenda(number, record, batches[-1])
        elif kind == "8":
            _check_batch(number, record, batches[-1])
        elif kind == "9":
            file_control = (number, record)
        else:
            raise BankFileError(f"line {number}", f"{kind!r} is not a NACHA record type (1, 5, 6, 7, 8, 9)")
    if file_control is None:
        raise BankFileError(f"line {records[-1][0]}", "no file control record (type 9): the file is incomplete")
    _check_file(*file_control, batches)
    return BankFile(format="nacha", statements=_statements(batches))


def _number(record: str, start: int, end: int, line: int, name: str) -> int:
    field_text = record[start - 1 : end]
    if not field_text.strip().isdigit():
        raise BankFileError(f"line {line}, columns {start}-{end}", f"{name} {field_text.strip()!r} is not a number")
    return int(field_text)


def _batch_header(line: int, record: str) -> _Batch:
    effective = record[69:75]
    return _Batch(
        line=line,
        company=record[4:20].strip(),
        company_id=record[40:50].strip(),
        sec=record[50:53],
        description=record[53:63].strip(),
        effective=parse_date(effective, "%y%m%d", f"line {line}, columns 70-75 (effective entry date)"),
    )


def _entry(line: int, record: str, sec: str) -> _Entry:
    _number(record, 4, 12, line, "the receiving DFI")
    name = record[58:74] if sec == "CTX" else record[54:76]
    return _Entry(
        line=line,
        code=record[1:3],
        dfi=record[3:11],
        account=record[12:29].strip(),
        amount=_number(record, 30, 39, line, "the amount"),
        name=name.strip(),
        identification=record[39:54].strip(),
        trace=record[79:94],
    )


def _addenda(line: int, record: str, batch: _Batch) -> None:
    if not batch.entries:
        raise BankFileError(f"line {line}", "an addenda record (7) before any entry (6)")
    entry = batch.entries[-1]
    if record[87:94] != entry.trace[-7:]:
        raise BankFileError(
            f"line {line}, columns 88-94", f"the addenda names entry {record[87:94]}, the entry before it is {entry.trace[-7:]}"
        )
    entry.addenda.append((record[1:3], record[3:83], _number(record, 84, 87, line, "the addenda sequence")))


def _totals(entries: list[_Entry]) -> dict[str, int]:
    # The transaction code's second digit: 1-4 credits (returns, live, prenotes, zero-dollar), 6-9 debits.
    return {
        "entry hash": sum(int(e.dfi) for e in entries) % 10**10,
        "total debit": sum(e.amount for e in entries if e.code[1] in "6789"),
        "total credit": sum(e.amount for e in entries if e.code[1] in "1234"),
    }


def _check_batch(line: int, record: str, batch: _Batch) -> None:
    found = {"entry/addenda count": sum(1 + len(e.addenda) for e in batch.entries), **_totals(batch.entries)}
    says = {
        "entry/addenda count": _number(record, 5, 10, line, "the entry/addenda count"),
        "entry hash": _number(record, 11, 20, line, "the entry hash"),
        "total debit": _number(record, 21, 32, line, "the total debit"),
        "total credit": _number(record, 33, 44, line, "the total credit"),
    }
    for name, value in says.items():
        if value != found[name]:
            raise BankFileError(
                f"line {line} (batch control)", f"the {name} says {value}, the batch's records make {found[name]}"
            )
    batch.closed = True


def _check_file(line: int, record: str, batches: list[_Batch]) -> None:
    open_batches = [b.line for b in batches if not b.closed]
    if open_batches:
        raise BankFileError(f"line {open_batches[0]}", "a batch without its batch control record (type 8)")
    entries = [e for b in batches for e in b.entries]
    found = {
        "batch count": len(batches),
        "entry/addenda count": sum(1 + len(e.addenda) for e in entries),
        **_totals(entries),
    }
    says = {
        "batch count": _number(record, 2, 7, line, "the batch count"),
        "entry/addenda count": _number(record, 14, 21, line, "the entry/addenda count"),
        "entry hash": _number(record, 22, 31, line, "the entry hash"),
        "total debit": _number(record, 32, 43, line, "the total debit"),
        "total credit": _number(record, 44, 55, line, "the total credit"),
    }
    for name, value in says.items():
        if value != found[name]:
            raise BankFileError(f"line {line} (file control)", f"the {name} says {value}, the file's records make {found[name]}")


def _statements(batches: list[_Batch]) -> list[Statement]:
    by_account: dict[str, Statement] = {}
    for n, batch in enumerate(batches, 1):
        for k, entry in enumerate(batch.entries, 1):
            if entry.code in _PRENOTES or (entry.amount == 0 and not entry.addenda):
                continue  # a prenote tests the route and moves no money
            statement = by_account.setdefault(entry.account, Statement(account=entry.account, currency="USD", statement_id=""))
            statement.lines.append(
                _line(batch, entry, seq=len(statement.lines) + 1, where=f"line {entry.line} (batch {n}, entry {k})")
            )
    for statement in by_account.values():
        days = [line.booked_on for line in statement.lines]
        statement.from_date, statement.to_date = min(days), max(days)
        statement.statement_id = f"ACH {statement.from_date:%Y%m%d}"
        statement.controls = {"checked": "batch and file controls: counts, entry hash, debit and credit totals"}
    return list(by_account.values())


def _line(batch: _Batch, entry: _Entry, *, seq: int, where: str) -> BankLine:
    texts = [text for kind, text, _ in sorted(entry.addenda, key=lambda a: a[2]) if kind == "05"]
    joined = "".join(texts)
    # An X12 820 runs across addenda as one string; free text is one note per addenda.
    is_x12 = "*" in joined and any(tag in joined for tag in ("RMR*", "BPR*", "ST*820", "N1*", "REF*"))
    remittance = parse_820(joined.strip() if is_x12 else " ".join(t.strip() for t in texts), where)
    credit = entry.code[1] in "1234"
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if credit else "debit",
        amount=entry.amount,
        currency="USD",
        booked_on=batch.effective,
        bank_ref=entry.trace,
        end_to_end_id=entry.identification,
        payer_name=remittance.payer or batch.company,
        payer_account=batch.company_id,
        remittance=" ".join(t for t in (batch.description, remittance.text) if t),
        documents=tuple(remittance.items),
        bank_code=f"ACH {batch.sec} {entry.code}",
        is_return=entry.code in _RETURN_CODES or any(kind == "99" for kind, _, _ in entry.addenda),
    )


@dataclass
class Remittance:
    """What an X12 820 (or free text) in the addenda says."""

    text: str
    payer: str = ""
    items: list[RemittanceItem] = field(default_factory=list)


def parse_820(text: str, where: str) -> Remittance:
    """RMR (invoice and amount paid), N1*PR (payer's name) of an ASC X12 820 remittance.

    Elements are separated by ``*`` and segments by ``~`` or ``\\``, as banks relay them in
    705 addenda. Free text that has no segment is kept as it is.
    """
    segments = [s.strip() for s in text.replace("\\", "~").split("~") if s.strip()]
    remittance = Remittance(text=text)
    for segment in segments:
        elements = segment.split("*")
        if elements[0] == "RMR" and len(elements) >= 3 and elements[1] in ("IV", "IK", "OI", "PO", "R7"):
            paid = (
                to_minor(elements[4], "USD", f"{where}, RMR {elements[2]}") if len(elements) > 4 and elements[4].strip() else None
            )
            remittance.items.append(RemittanceItem(ref=elements[2].strip(), amount=paid))
        elif elements[0] == "N1" and len(elements) >= 3 and elements[1] == "PR":
            remittance.payer = elements[2].strip()
    if remittance.items:
        refs = ", ".join(f"{i.ref} {major(i.amount, 'USD')}" if i.amount is not None else i.ref for i in remittance.items)
        remittance.text = f"820: {refs}"
    return remittance
