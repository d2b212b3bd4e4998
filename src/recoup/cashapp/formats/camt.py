"""ISO 20022 camt.052/053/054 (bank to customer report, statement, debit/credit notification).

Parsed with defusedxml: no DTDs, no entities, no external references (a statement is data from
outside); the size is bounded before parsing (``base.MAX_FILE_BYTES``). Tested on versions
001.02 to 001.08, which differ where it matters here only in ``Sts`` (text, later ``Sts/Cd``)
and in parties (``Dbtr/Nm``, later ``Dbtr/Pty/Nm``); both shapes are read.
"""

from __future__ import annotations

import datetime as dt
import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from recoup.cashapp.formats.base import BankFile, BankFileError, BankLine, RemittanceItem, Statement, major, parse_date, to_minor

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d\d)")
_CONTAINERS = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
# Bank transaction codes (ISO 20022 external code list) for returned and reversed payments.
_RETURN_SUBFAMILIES = {"RRTN", "ARET", "RPCR", "UPCQ", "RCHQ", "CQRV"}


def looks_like(head: bytes) -> bool:
    return b"urn:iso:std:iso:20022:tech:xsd:camt.05" in head


def parse(data: bytes) -> BankFile:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BankFileError(
            "XML", f"refused: {exc.__class__.__name__} (DTDs and entities are not allowed in a statement)"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise BankFileError(
            f"line {line}, column {column}", f"not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})"
        ) from None
    match = _NAMESPACE.search(root.tag)
    if match is None:
        raise BankFileError("Document", f"not a camt.052/053/054 document (namespace {root.tag.split('}')[0].lstrip('{')!r})")
    kind, version = match.group(1), int(match.group(2))
    if version < 2:
        raise BankFileError("Document", f"{kind}.001.{version:02d} is not supported (001.02 and later are)")
    _strip_namespaces(root)
    container_tag, statement_tag = _CONTAINERS[kind]
    container = root.find(container_tag)
    if container is None:
        raise BankFileError("Document", f"no {container_tag} element")
    statements = [_statement(el, f"{statement_tag} {n}") for n, el in enumerate(container.findall(statement_tag), 1)]
    if not statements:
        raise BankFileError(container_tag, f"no {statement_tag} element: the file holds no statement")
    return BankFile(format=kind, statements=statements)


def _strip_namespaces(root: Element) -> None:
    for el in root.iter():
        if el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]


def _text(el: Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _first(el: Element, *paths: str) -> str:
    for path in paths:
        value = _text(el, path)
        if value:
            return value
    return ""


def _date(el: Element | None, where: str) -> dt.date | None:
    if el is None:
        return None
    text = _first(el, "Dt", "DtTm")
    return parse_date(text[:10], "%Y-%m-%d", where) if text else None


def _amount(el: Element | None, where: str) -> tuple[int, str]:
    if el is None or not (el.text or "").strip():
        raise BankFileError(where, "no amount")
    currency = el.get("Ccy", "").strip().upper()
    if not currency:
        raise BankFileError(where, "the amount has no Ccy")
    return to_minor(el.text or "", currency, where), currency


def _statement(el: Element, where: str) -> Statement:
    account = _first(el, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
    if not account:
        raise BankFileError(f"{where} / Acct", "no account (IBAN or Othr/Id)")
    statement = Statement(account=account, currency=_text(el, "Acct/Ccy"), statement_id=_text(el, "Id"))
    statement.from_date = _date_of(_text(el, "FrToDt/FrDtTm"), f"{where} / FrToDt")
    statement.to_date = _date_of(_text(el, "FrToDt/ToDtTm"), f"{where} / FrToDt")
    _balances(el, statement, where)
    skipped = 0
    for n, entry in enumerate(el.findall("Ntry"), 1):
        status = _first(entry, "Sts/Cd", "Sts")
        if status and status != "BOOK":
            skipped += 1  # pending or information-only: not yet money on the account
            continue
        statement.lines.extend(
            _entry_lines(entry, f"{where} / Ntry {n}", start=len(statement.lines) + 1, warnings=statement.warnings)
        )
    if not statement.currency and statement.lines:
        statement.currency = statement.lines[0].currency
    statement.controls["not_booked"] = skipped
    _summary(el, statement, where)
    statement.check_balances(where)
    dates = [line.booked_on for line in statement.lines]
    statement.from_date = statement.from_date or (min(dates) if dates else None)
    statement.to_date = statement.to_date or (max(dates) if dates else None)
    return statement


def _date_of(text: str, where: str) -> dt.date | None:
    return parse_date(text[:10], "%Y-%m-%d", where) if text else None


def _balances(el: Element, statement: Statement, where: str) -> None:
    for n, bal in enumerate(el.findall("Bal"), 1):
        code = _first(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount, currency = _amount(bal.find("Amt"), f"{where} / Bal {n} / Amt")
        signed = -amount if _text(bal, "CdtDbtInd") == "DBIT" else amount
        statement.currency = statement.currency or currency
        if code in ("OPBD", "PRCD") and statement.opening_balance is None:
            statement.opening_balance = signed
        elif code == "CLBD":
            statement.closing_balance = signed


def _summary(el: Element, statement: Statement, where: str) -> None:
    """TxsSummry: how many entries and how much, credit and debit, the bank says it sent."""
    summary = el.find("TxsSummry")
    if summary is None:
        return
    for tag, direction in (("TtlCdtNtries", "credit"), ("TtlDbtNtries", "debit")):
        stated = _text(summary, f"{tag}/Sum")
        if not stated:
            continue
        total = to_minor(stated, statement.currency or "EUR", f"{where} / TxsSummry / {tag}")
        found = sum(line.amount for line in statement.lines if line.direction == direction)
        statement.controls[f"{direction}_sum_agrees"] = total == found
        if total != found:
            statement.warnings.append(
                f"{where} / TxsSummry / {tag}: the file says {stated}, "
                f"its {direction} lines add up to {major(found, statement.currency)}"
            )


def _entry_lines(entry: Element, where: str, *, start: int, warnings: list[str]) -> list[BankLine]:
    amount, currency = _amount(entry.find("Amt"), f"{where} / Amt")
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise BankFileError(f"{where} / CdtDbtInd", f"{indicator!r} is neither CRDT nor DBIT")
    booked = _date(entry.find("BookgDt"), f"{where} / BookgDt")
    if booked is None:
        raise BankFileError(f"{where} / BookgDt", "no booking date")
    details = entry.findall("NtryDtls/TxDtls")
    parts, problem = _split(entry, details, amount, currency, where)
    if problem:
        warnings.append(f"{problem}; the entry is kept as one line of {major(amount, currency)}")
    family = [_text(entry, "BkTxCd/Domn/Cd"), _text(entry, "BkTxCd/Domn/Fmly/Cd"), _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd")]
    value = _date(entry.find("ValDt"), f"{where} / ValDt")
    code = "/".join(c for c in family if c)
    is_return = _text(entry, "RvslInd").lower() == "true" or family[2] in _RETURN_SUBFAMILIES
    lines = []
    for k, (txs, part) in enumerate(parts):
        tx_where = f"{where} / TxDtls {k + 1}" if len(parts) > 1 else where
        lines.append(
            _line(
                entry,
                txs,
                seq=start + k,
                where=tx_where,
                amount=part,
                currency=currency,
                credit=indicator == "CRDT",
                booked=booked,
                value=value,
                code=code,
                is_return=is_return,
            )
        )
    return lines


def _split(
    entry: Element, details: list[Element], amount: int, currency: str, where: str
) -> tuple[list[tuple[list[Element], int]], str]:
    """One line per TxDtls when their count and amounts agree with the entry (and its batch), else
    the entry as one line with every TxDtls's remittance, and the reason."""
    whole = [(details, amount)]
    if len(details) <= 1:
        return whole, ""
    stated = _text(entry, "NtryDtls/Btch/NbOfTxs")
    if stated and stated != str(len(details)):
        return whole, f"{where} / NtryDtls / Btch: NbOfTxs says {stated} but the entry holds {len(details)} TxDtls"
    parts: list[tuple[list[Element], int]] = []
    for k, tx in enumerate(details, 1):
        found = tx.find("Amt")
        found = found if found is not None else tx.find("AmtDtls/TxAmt/Amt")
        if found is None:
            return whole, f"{where} / TxDtls {k}: no amount"
        part, part_currency = _amount(found, f"{where} / TxDtls {k} / Amt")
        if part_currency != currency:
            return whole, f"{where} / TxDtls {k}: amount in {part_currency}, the entry in {currency}"
        parts.append(([tx], part))
    total = sum(p for _, p in parts)
    if total != amount:
        return whole, f"{where}: the TxDtls add up to {major(total, currency)}, the entry is {major(amount, currency)}"
    return parts, ""


def _line(
    entry: Element,
    txs: list[Element],
    *,
    seq: int,
    where: str,
    amount: int,
    currency: str,
    credit: bool,
    booked: dt.date,
    value: dt.date | None,
    code: str,
    is_return: bool,
) -> BankLine:
    # The payer is the debtor of a credit; for a debit the other side is the creditor.
    party = "Dbtr" if credit else "Cdtr"
    names, accounts, texts, references, documents = [], [], [], [], []
    bank_ref, end_to_end = _text(entry, "AcctSvcrRef"), ""
    for tx in txs:
        names.append(
            _first(
                tx,
                f"RltdPties/{party}/Pty/Nm",
                f"RltdPties/{party}/Nm",
                f"RltdPties/Ultmt{party}/Pty/Nm",
                f"RltdPties/Ultmt{party}/Nm",
            )
        )
        accounts.append(_first(tx, f"RltdPties/{party}Acct/Id/IBAN", f"RltdPties/{party}Acct/Id/Othr/Id"))
        bank_ref = _first(tx, "Refs/AcctSvcrRef", "Refs/TxId") or bank_ref
        e2e = _text(tx, "Refs/EndToEndId")
        end_to_end = e2e if e2e and e2e.upper() != "NOTPROVIDED" else end_to_end
        texts += [u.text.strip() for u in tx.findall("RmtInf/Ustrd") if u.text and u.text.strip()]
        for strd in tx.findall("RmtInf/Strd"):
            references += [r.text.strip() for r in strd.findall("CdtrRefInf/Ref") if r.text and r.text.strip()]
            documents += _documents(strd, currency, where)
            texts += [a.text.strip() for a in strd.findall("AddtlRmtInf") if a.text and a.text.strip()]
        texts += [_text(tx, "AddtlTxInf")]
        is_return = is_return or tx.find("RtrInf") is not None
    texts.append(_text(entry, "AddtlNtryInf"))
    return BankLine(
        seq=seq,
        where=where,
        direction="credit" if credit else "debit",
        amount=amount,
        currency=currency,
        booked_on=booked,
        value_on=value,
        bank_ref=bank_ref,
        end_to_end_id=end_to_end,
        payer_name=next((n for n in names if n), ""),
        payer_account=next((a for a in accounts if a), ""),
        remittance=" ".join(t for t in texts if t),
        references=tuple(dict.fromkeys(references)),
        documents=tuple(documents),
        bank_code=code,
        is_return=is_return,
    )


def _documents(strd: Element, currency: str, where: str) -> list[RemittanceItem]:
    """Referred documents (invoice numbers) the payer names, with the amount paid towards each."""
    numbers = [n.text.strip() for n in strd.findall("RfrdDocInf/Nb") if n.text and n.text.strip()]
    paid = strd.find("RfrdDocAmt/RmtdAmt")
    amount = None
    if paid is not None and len(numbers) == 1 and (paid.get("Ccy", currency) == currency):
        amount = to_minor(paid.text or "", currency, f"{where} / RfrdDocAmt")
    return [RemittanceItem(ref=n, amount=amount) for n in numbers]
