"""BAI2 cash-management balance reports, read with the bai2 library (which checks the 49/98/99
control totals and record counts); recoup splits lines that hold several records and says on
which line of the file a failure is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bai2 import exceptions as bai2_errors
from bai2.constants import TypeCodeTransaction
from bai2.helpers import IteratorHelper
from bai2.parsers import Bai2FileParser

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, Statement

_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
# A record ends with "/" and the next begins with its two-digit code and a comma: some banks
# send several records on one physical line.
_NEXT_RECORD = re.compile(r"/(?=(?:01|02|03|16|49|88|98|99),)")
# Detail type codes of returned and reversed items (BAI2 type code list).
_RETURNS = {"555", "556", "557", "558", "559", "564", "565", "566", "567", "568", "569"}
# What US banks write in the text of an ACH or wire detail, and what it means.
_NARRATIVE = re.compile(
    r"(ORIG CO NAME|ORIGINATOR|B/O|BY ORDER OF|IND NAME|OBI|RMT INFO|REF|ENTRY DESCR|ORIG ID|SEC|TRN"
    r"|CO ENTRY DESCR|INDIVIDUAL ID|ADDENDA)\s*[:=]\s*"
)


def looks_like(head: bytes) -> bool:
    return head.lstrip().startswith(b"01,")


class _Records:
    """The file's records, one at a time, remembering which physical line each came from."""

    def __init__(self, text: str) -> None:
        self.records: list[tuple[int, str]] = []
        for number, physical in enumerate(text.splitlines(), 1):
            physical = physical.strip()
            if not physical:
                continue
            pieces = _NEXT_RECORD.split(physical)
            # The split eats the "/" that ended each record but the last; put it back.
            self.records += [(number, piece + "/") for piece in pieces[:-1]] + [(number, pieces[-1])]
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for number, record in self.records:
            if record[:2] not in _CODES or (len(record) > 2 and record[2] != ","):
                raise BankFileError(f"line {number}", f"{record[:20]!r} is not a BAI2 record (01, 02, 03, 16, 49, 88, 98, 99)")
            self.read += 1
            yield record
        self.read += 1  # past the end: nothing left to look ahead at

    def line_of_current(self, rows: int) -> int:
        """The physical line of the record the parser was on (it reads one record ahead)."""
        index = max(0, min(len(self.records) - 1, self.read - 1 - rows))
        return self.records[index][0]


def parse(data: bytes) -> BankFile:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BankFileError(f"line {line}", "BAI2 files are plain ASCII; this byte is not") from None
    records = _Records(text)
    helper = None
    try:
        helper = IteratorHelper(iter(records))
        bai = Bai2FileParser(helper, check_integrity=True).parse()
    except BankFileError:
        raise
    except (
        bai2_errors.ParsingException,
        bai2_errors.IntegrityException,
        bai2_errors.NotSupportedYetException,
        ValueError,
        IndexError,
        StopIteration,
    ) as exc:
        rows = len(helper.current_record.rows) if helper is not None and helper.current_record is not None else 1
        reason = str(exc) or exc.__class__.__name__
        raise BankFileError(f"line {records.line_of_current(rows)}", f"BAI2: {reason}") from None
    statements: list[Statement] = []
    for group in bai.children:
        for account in group.children:
            statements.append(_statement(group, account, len(statements) + 1))
    return BankFile(format="bai2", statements=statements)


def _statement(group: Any, account: Any, n: int) -> Statement:
    header = account.header
    currency = (header.currency or group.header.currency or "USD").upper()
    day = group.header.as_of_date
    statement = Statement(
        account=str(header.customer_account_number),
        currency=currency,
        statement_id=f"{day:%Y%m%d}-{n}",
        from_date=day,
        to_date=day,
    )
    statement.controls = {
        "account_control_total": account.trailer.account_control_total,
        "records": account.trailer.number_of_records,
        "checked_by": "bai2 library (49, 98 and 99 totals and counts)",
    }
    for k, detail in enumerate(account.children, 1):
        statement.lines.append(
            _line(
                detail,
                seq=len(statement.lines) + 1,
                where=f"account {n} ({header.customer_account_number}), 16 record {k}",
                currency=currency,
                day=day,
            )
        )
    return statement


def _line(detail: Any, *, seq: int, where: str, currency: str, day: Any) -> BankLine:
    code = detail.type_code.code
    credit = detail.type_code.transaction == TypeCodeTransaction.credit
    availability = detail.availability or {}
    value_on = availability.get("date") if isinstance(availability, dict) else None
    fields = _narrative(detail.text or "")
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if credit else "debit",
        amount=int(detail.amount or 0),
        currency=currency,
        booked_on=day,
        value_on=value_on,
        bank_ref=(detail.bank_reference or "").strip(),
        end_to_end_id=(detail.customer_reference or "").strip(),
        payer_name=fields.get("ORIG CO NAME")
        or fields.get("ORIGINATOR")
        or fields.get("B/O")
        or fields.get("BY ORDER OF")
        or fields.get("IND NAME")
        or "",
        remittance=" ".join((detail.text or "").split()),
        bank_code=f"BAI {code}",
        is_return=code in _RETURNS,
    )


def _narrative(text: str) -> dict[str, str]:
    parts = _NARRATIVE.split(text)
    return {key: value.strip() for key, value in zip(parts[1::2], parts[2::2], strict=False)}
