"""SWIFT MT940 customer statements, read with the mt-940 library; the ``:86:`` narrative decoded.

The library parses the tags (``:61:`` lines, balances, the German ``?20``–``?29`` sub-fields);
recoup splits the file into its statements (the library keeps one set of balances for the whole
file) and reads the narratives of the common banks: SEPA sub-fields ``/EREF/…/NAME/…/REMI/…``
(Rabobank, ING, ABN AMRO), the Dutch ``BETALINGSKENM.`` payment reference, German ``?2x``
purpose lines with ``EREF+``/``SVWZ+``, and anything else as free text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import mt940

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, Statement, to_minor

# The SEPA narrative sub-fields banks put between slashes in :86: (SWIFT "structured" 86).
_SUBFIELDS = "|".join(
    (
        *("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "ORDP", "BENM", "ID", "ADDR", "CDTRREFTP", "CDTRREF"),
        *("CD", "ISSR", "ISDT", "SVCL", "RTRN", "ULTC", "ULTD", "ULTB", "PURP", "PREF", "ACCW", "OCMT", "CHGS", "EXCH"),
        *("USTD", "STRD"),
    )
)
_SUBFIELD = re.compile(rf"/({_SUBFIELDS})/")
_DUTCH_REFERENCE = re.compile(r"BETALINGSKENM\.?\s*(\d{7,16})\b")
# What banks put in the :61: reference field when the real one is in the narrative.
_NO_REFERENCE = frozenset({"NONREF", "EREF", "MARF", "PREF", "NOTPROVIDED"})
_OPTIONS = mt940.Options(
    applicant_iban=True, merge_keeps_values=True, strip_bom=True, gvc_leading_text=True, unbounded_details=True
)
_TAG = re.compile(r"^:(\d\d[A-Z]?):", re.MULTILINE)


def looks_like(head: bytes) -> bool:
    return b":20:" in head and (b":25:" in head or b":60F:" in head)


@dataclass
class _Bounds:
    """Where each statement of the file starts and ends in the library's one list of transactions."""

    statements: list[dict[str, Any]] = field(default_factory=list)

    def hook(self, slug: str) -> Any:
        def record(transactions: Any, tag: Any, tag_dict: Any, result: Any) -> Any:
            count = len(transactions.transactions)
            if slug == "transaction_reference_number" or not self.statements:
                self.statements.append({"start": count, "ref": result.get("transaction_reference", "")})
            current = self.statements[-1]
            if slug == "account_identification":
                current["account"] = result.get("account_identification", "")
            elif slug.endswith("opening_balance") and "opening" not in current:
                current["opening"] = result[slug]
            elif slug.endswith("closing_balance"):
                current["closing"], current["end"] = result[slug], count
            return result

        return record


def parse(data: bytes) -> BankFile:
    text = _decode(data)
    _check_shape(text)
    bounds = _Bounds()
    slugs = (
        "transaction_reference_number",
        "account_identification",
        "final_opening_balance",
        "intermediate_opening_balance",
        "opening_balance",
        "final_closing_balance",
        "intermediate_closing_balance",
        "closing_balance",
    )
    transactions = mt940.models.Transactions(processors={f"post_{s}": [bounds.hook(s)] for s in slugs}, options=_OPTIONS)
    logging.getLogger("mt940").disabled = True  # it logs every failed regex before raising
    try:
        transactions.parse(text)
    except RuntimeError as exc:
        raise BankFileError(_where_in(text, exc), "not a valid MT940 field") from None
    except (ValueError, KeyError, AttributeError) as exc:
        raise BankFileError("MT940", f"cannot be read: {exc}") from None
    statements = [_statement(text, transactions, b, n) for n, b in enumerate(bounds.statements, 1)]
    if not any(s.lines for s in statements) and not statements:
        raise BankFileError("MT940", "no statement found (:20: … :62F:)")
    return BankFile(format="mt940", statements=statements)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _check_shape(text: str) -> None:
    """Each statement needs :20:, :25:, an opening and a closing balance; an unknown tag is an error."""
    known = {
        "20",
        "21",
        "25",
        "28",
        "28C",
        "60F",
        "60M",
        "60",
        "61",
        "86",
        "62F",
        "62M",
        "62",
        "64",
        "65",
        "13",
        "13D",
        "34F",
        "90D",
        "90C",
        "NS",
    }
    seen: list[tuple[str, int]] = []
    for match in _TAG.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group(1) not in known:
            raise BankFileError(f"line {line}", f"unknown MT940 tag :{match.group(1)}:")
        seen.append((match.group(1), line))
    if not any(tag == "20" for tag, _ in seen):
        raise BankFileError("MT940", "no :20: transaction reference: not an MT940 statement")
    for tag in ("25", "60", "62"):
        if not any(t.startswith(tag) for t, _ in seen):
            raise BankFileError("MT940", f"no :{tag}: field: the statement is incomplete")
    opened = 0
    for tag, line in seen:
        if tag.startswith("60"):
            opened += 1
        elif tag.startswith("62"):
            opened -= 1
        elif tag == "61" and opened != 1:
            raise BankFileError(f"line {line}", ":61: outside a statement (no opening balance :60F: before it)")


def _where_in(text: str, exc: RuntimeError) -> str:
    value = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], str) else ""
    position = text.find(value.split("\n")[0]) if value else -1
    if position < 0:
        return "MT940"
    line = text.count("\n", 0, position) + 1
    tag = _TAG.findall(text[: position + 1].rsplit("\n", 1)[-1] + "\n") or [""]
    return f"line {line}" + (f" (:{tag[0]}:)" if tag[0] else "") + f" {value.splitlines()[0][:40]!r}"


def _statement(text: str, transactions: Any, bounds: dict[str, Any], n: int) -> Statement:
    where = f"statement {n}"
    opening, closing = bounds.get("opening"), bounds.get("closing")
    either = opening if opening is not None else closing
    currency = str(either.amount.currency) if either is not None else ""
    statement = Statement(account=str(bounds.get("account", "")), currency=currency, statement_id=str(bounds.get("ref", "")))
    if opening is not None:
        statement.opening_balance = to_minor(Decimal(opening.amount.amount), currency, f"{where} :60:")
        statement.from_date = _plain(opening.date)
    if closing is not None:
        statement.closing_balance = to_minor(Decimal(closing.amount.amount), currency, f"{where} :62:")
        statement.to_date = _plain(closing.date)
    for k, tx in enumerate(transactions.transactions[bounds["start"] : bounds.get("end", len(transactions.transactions))], 1):
        statement.lines.append(_line(tx.data, seq=bounds["start"] + k, where=f"{where}, :61: {k}", currency=currency))
    statement.controls["lines"] = len(statement.lines)
    statement.check_balances(where)
    return statement


def _line(data: dict[str, Any], *, seq: int, where: str, currency: str) -> BankLine:
    amount = Decimal(data["amount"].amount)
    currency = str(data.get("currency") or currency)
    status = str(data.get("status", ""))
    narrative = _narrative(data)
    extra = str(data.get("extra_details") or "").strip()
    customer_ref = str(data.get("customer_reference") or "")
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if amount > 0 else "debit",
        amount=abs(to_minor(amount, currency, where)),
        currency=currency,
        booked_on=_plain(data.get("entry_date") or data["date"]),
        value_on=_plain(data["date"]),
        bank_ref=str(data.get("bank_reference") or (customer_ref if customer_ref.upper() not in _NO_REFERENCE else "")),
        end_to_end_id=narrative.get("end_to_end", ""),
        payer_name=narrative.get("name", ""),
        payer_account=narrative.get("account") or (extra if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", extra) else ""),
        remittance=narrative.get("remittance", ""),
        references=tuple(narrative.get("references", ())),
        bank_code=str(data.get("id") or ""),
        is_return=status.startswith("R") or bool(narrative.get("return")),
    )


def _plain(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, day.day)  # the library's Date subclass does not pickle or compare as a date


def _narrative(data: dict[str, Any]) -> dict[str, Any]:
    """Name, account, references and text from a :86: field, whichever way the bank wrote it."""
    if data.get("purpose") is not None or data.get("applicant_name") is not None:  # German ?-sub-fields
        return {
            "name": str(data.get("applicant_name") or ""),
            "account": str(data.get("applicant_iban") or data.get("gvc_applicant_iban") or ""),
            "end_to_end": str(data.get("end_to_end_reference") or "").strip(),
            "remittance": " ".join(str(data[k]) for k in ("purpose", "additional_purpose", "posting_text") if data.get(k)),
            "references": [],
        }
    raw = str(data.get("transaction_details") or "")
    flat = raw.replace("\n", "")  # sub-field values are wrapped at 65 characters mid-word
    if _SUBFIELD.search(flat):
        return _sepa_subfields(flat)
    spaced = " ".join(raw.split())  # free text is laid out in columns, one item per line
    references = [m.group(1) for m in _DUTCH_REFERENCE.finditer(spaced)]
    return {"remittance": spaced, "references": references}


def _sepa_subfields(flat: str) -> dict[str, Any]:
    parts = _SUBFIELD.split(flat)
    fields: dict[str, str] = {}
    for tag, value in zip(parts[1::2], parts[2::2], strict=False):
        value = value.strip().strip("/")
        if value and tag not in fields:
            fields[tag] = value
    references = [fields[t] for t in ("CDTRREF",) if t in fields]
    remittance = fields.get("REMI", "")
    if remittance.startswith(("USTD", "STRD")):
        remittance = remittance[4:].strip("/ ")
    end_to_end = fields.get("EREF", "")
    return {
        "name": fields.get("NAME", ""),
        "account": fields.get("IBAN", ""),
        "end_to_end": "" if end_to_end.upper() == "NOTPROVIDED" else end_to_end,
        "remittance": " ".join(v for v in (remittance, fields.get("USTD", "")) if v),
        "references": references,
        "return": "RTRN" in fields,
    }
