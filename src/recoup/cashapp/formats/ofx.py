"""OFX 1.x (SGML, unclosed tags), OFX 2.x (XML) and QFX (OFX with Intuit's ``INTU.*`` tags), read
with ofxtools: its tag parser handles the SGML and the header, its models check each value.

ofxtools decodes the body by the header's CHARSET (v1: ``1252``, ``ISO-8859-1``) and reads OFX 2
as UTF-8; recoup first maps the charset names banks actually write (``WINDOWS-1252``, ``CP1252``)
and re-encodes an OFX 2 file that declares another encoding, so any declared encoding reads.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from typing import Any

from ofxtools.header import OFXHeaderError
from ofxtools.models.base import OFXAggregateError
from ofxtools.Parser import OFXTree, ParseError
from ofxtools.Types import OFXTypeError

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, Statement, parse_date, to_minor

_XML_DECLARATION = re.compile(rb"<\?xml[^>]*encoding=[\"']([\w.:-]+)[\"'][^>]*\?>", re.IGNORECASE)
_CHARSET = re.compile(rb"CHARSET:\s*([\w-]+)")
_CHARSETS = {
    b"WINDOWS-1252": b"1252",
    b"CP1252": b"1252",
    b"8859-1": b"ISO-8859-1",
    b"LATIN1": b"ISO-8859-1",
    b"LATIN-1": b"ISO-8859-1",
}
# Money in: the transaction types a customer's payment arrives as.
_INCOMING = {"CREDIT", "DEP", "DIRECTDEP", "XFER", "INT", "DIV", "OTHER"}


def looks_like(head: bytes) -> bool:
    return b"OFXHEADER" in head or b"<OFX>" in head.upper()


def _prepare(data: bytes) -> bytes:
    declared = _XML_DECLARATION.search(data[:400])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        encoding = declared.group(1).decode("ascii")
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise BankFileError("XML declaration", f"the file says it is {encoding}, but it cannot be read so: {exc}") from None
        return _XML_DECLARATION.sub(b'<?xml version="1.0" encoding="UTF-8"?>', text.encode("utf-8"), count=1)
    charset = _CHARSET.search(data[:600])
    if charset and charset.group(1).upper() in _CHARSETS:
        start, end = charset.span(1)
        return data[:start] + _CHARSETS[charset.group(1).upper()] + data[end:]
    return data


def parse(data: bytes) -> BankFile:
    tree = OFXTree()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "private extension tag <INTU.BID>": QFX, expected
            tree.parse(io.BytesIO(_prepare(data)))
            ofx = tree.convert()
    except (OFXHeaderError, ParseError) as exc:
        raise BankFileError("OFX header" if isinstance(exc, OFXHeaderError) else "OFX", str(exc).split("\n")[0][:200]) from None
    except (OFXAggregateError, OFXTypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
        raise BankFileError("OFX", f"{exc.__class__.__name__}: {str(exc)[:200]}") from None
    raw = tree.getroot()
    raw_lists = raw.findall(".//BANKTRANLIST") if raw is not None else []
    statements = []
    for n, stmt in enumerate(ofx.statements, 1):
        raw_list = raw_lists[n - 1] if n - 1 < len(raw_lists) else None
        statements.append(_statement(stmt, raw_list, n))
    if not statements:
        raise BankFileError("OFX", "no bank or card statement (STMTRS, CCSTMTRS) in the file")
    return BankFile(format="ofx", statements=statements)


def _day(raw: Any, tag: str, where: str) -> dt.date | None:
    """The date as the bank wrote it (``20090401122017.000[-5:EST]`` → 2009-04-01), not in UTC."""
    text = raw.findtext(tag) if raw is not None else None
    return parse_date(text.strip()[:8], "%Y%m%d", f"{where} / {tag}") if text and text.strip() else None


def _statement(stmt: Any, raw_list: Any, n: int) -> Statement:
    where = f"statement {n}"
    account = stmt.account
    number = " ".join(str(p) for p in (getattr(account, "bankid", None), account.acctid) if p)
    currency = str(stmt.curdef)
    statement = Statement(account=number, currency=currency, statement_id="")
    statement.from_date = _day(raw_list, "DTSTART", where)
    statement.to_date = _day(raw_list, "DTEND", where)
    statement.statement_id = f"{statement.from_date}..{statement.to_date}"
    if stmt.ledgerbal is not None:
        statement.closing_balance = to_minor(stmt.ledgerbal.balamt, currency, f"{where} / LEDGERBAL")
    raw_transactions = raw_list.findall("STMTTRN") if raw_list is not None else []
    for k, tx in enumerate(stmt.banktranlist or [], 1):
        raw_tx = raw_transactions[k - 1] if k - 1 < len(raw_transactions) else None
        statement.lines.append(_line(tx, raw_tx, seq=k, where=f"{where} / STMTTRN {k} (FITID {tx.fitid})", currency=currency))
    # OFX states no opening balance and no totals: the check it allows is the period's bounds.
    outside = [
        line.where
        for line in statement.lines
        if statement.from_date and statement.to_date and not statement.from_date <= line.booked_on <= statement.to_date
    ]
    statement.controls = {"lines": len(statement.lines), "posted_within_period": not outside}
    if outside:
        statement.warnings.append(f"{where}: {len(outside)} transaction(s) posted outside DTSTART–DTEND ({outside[0]})")
    return statement


def _line(tx: Any, raw_tx: Any, *, seq: int, where: str, currency: str) -> BankLine:
    amount = to_minor(tx.trnamt, currency, where)
    booked = _day(raw_tx, "DTPOSTED", where) or tx.dtposted.date()
    payee = tx.payee.name if getattr(tx, "payee", None) is not None else None
    name = str(tx.name or payee or "")
    memo = str(tx.memo or "")
    texts = [memo] + [str(v) for v in (tx.checknum, tx.refnum) if v]
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if amount > 0 else "debit",
        amount=abs(amount),
        currency=currency,
        booked_on=booked,
        value_on=_day(raw_tx, "DTAVAIL", where),
        bank_ref=str(tx.fitid or ""),
        end_to_end_id=str(tx.refnum or ""),
        payer_name=name,
        payer_account=_counter_account(tx),
        remittance=" ".join(t for t in texts if t),
        bank_code=f"OFX {tx.trntype}",
        is_return=amount > 0 and str(tx.trntype) not in _INCOMING,
    )


def _counter_account(tx: Any) -> str:
    for attr in ("bankacctto", "ccacctto"):
        other = getattr(tx, attr, None)
        if other is not None:
            return str(other.acctid)
    return ""
