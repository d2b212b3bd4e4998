"""Bank files in every common format, read into one shape (``base.BankFile``). Pure: no Django.

``read(data, name)`` finds the format from the content (and the file name for CSV) and returns
the statements or raises ``BankFileError`` naming the line or element that failed.
"""

from __future__ import annotations

from recoup.cashapp.formats import bai, camt, nacha, ofx, swift, tabular
from recoup.cashapp.formats.base import MAX_FILE_BYTES, BankFile, BankFileError, BankLine, RemittanceItem, Statement, major

__all__ = ["MAX_FILE_BYTES", "BankFile", "BankFileError", "BankLine", "RemittanceItem", "Statement", "major", "read"]

FORMATS = ("camt.052", "camt.053", "camt.054", "bai2", "mt940", "ofx", "nacha", "csv")


def read(data: bytes, name: str = "", *, csv_mapping: tabular.CsvMapping | None = None) -> BankFile:
    if len(data) > MAX_FILE_BYTES:
        raise BankFileError("file", f"{len(data):,} bytes is more than the {MAX_FILE_BYTES:,} a statement may have")
    if not data.strip():
        raise BankFileError("file", "the file is empty")
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if camt.looks_like(head):
        return camt.parse(data)
    if head.lstrip().startswith(b"<?xml") and b"OFX" not in head.upper():
        raise BankFileError("Document", "an XML file, but not camt.052/053/054 or OFX")
    if ofx.looks_like(head):
        return ofx.parse(data)
    if bai.looks_like(head):
        return bai.parse(data)
    if nacha.looks_like(head):
        return nacha.parse(data)
    if swift.looks_like(head):
        return swift.parse(data)
    if name.lower().endswith((".csv", ".txt")) or csv_mapping is not None:
        return tabular.parse(data, csv_mapping)
    raise BankFileError(
        "file", "not a bank statement recoup reads (camt.052/053/054, BAI2, MT940, OFX/QFX, NACHA, or CSV with a mapping)"
    )
