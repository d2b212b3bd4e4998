"""Importing bank statements and applying their cash (DESIGN §4 "Matching", C15).

One import is one transaction: the statement and its lines are stored, the lines matched with
confidence at or above RECOUP_CASHAPP_AUTO_APPLY are applied through ``ledger.receipts.receive_cash``
(payments, allocations, deductions, audit events, "customer changed"), and the rest wait in the
queue. The ledger is read before the transaction (column-wise, possibly a million open items);
inside it the items to be applied are read again under lock, and a line whose items changed
meanwhile waits in the queue instead of over-applying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction

from recoup.audit.services import record_event
from recoup.cashapp import matching, selectors
from recoup.cashapp.formats import BankFile, BankLine, Statement, major, read
from recoup.cashapp.formats.base import exponent
from recoup.cashapp.formats.tabular import CsvMapping
from recoup.cashapp.models import BankStatement, LineStatus, StatementLine, SuggestedCustomer
from recoup.cashapp.rules import Candidate, Decision, MatchSettings
from recoup.ledger import receipts as cash_receipts
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.rules import CashReceipt, check_receipts

SOURCE = "bank"


def match_settings(currency: str) -> MatchSettings:
    tolerance = Decimal(str(settings.RECOUP_CASHAPP_CHARGES_TOLERANCE)).scaleb(exponent(currency, "settings"))
    return MatchSettings(
        auto_apply=float(settings.RECOUP_CASHAPP_AUTO_APPLY),
        tolerance=int(tolerance),
        discount_percents=tuple(settings.RECOUP_CASHAPP_DISCOUNT_PERCENTS),
    )


def line_keys(bank_file: BankFile) -> list[str]:
    """A key per line that the same movement has in any file: the account, the bank's reference
    when it gives one, else what the line says, and its place among identical lines."""
    seen: Counter[tuple[str, ...]] = Counter()
    keys = []
    for statement in bank_file.statements:
        account = "".join(ch for ch in statement.account.upper() if ch.isalnum())
        for line in statement.lines:
            if line.bank_ref:
                what: tuple[str, ...] = (account, "ref", line.bank_ref, line.direction, str(line.amount), line.currency)
            else:
                what = (
                    account,
                    line.booked_on.isoformat(),
                    line.direction,
                    str(line.amount),
                    line.currency,
                    line.end_to_end_id,
                    line.payer_account,
                    line.payer_name,
                    line.remittance,
                )
            seen[what] += 1
            keys.append(hashlib.sha256("\x1f".join((*what, str(seen[what]))).encode()).hexdigest()[:40])
    return keys


@dataclass
class ImportOutcome:
    bank_file: BankFile
    file_name: str
    dry_run: bool
    lines: list[dict[str, Any]] = field(default_factory=list)
    already_imported: int = 0

    def counts(self) -> dict[str, int]:
        return dict(Counter(line["status"] for line in self.lines))

    def as_json(self) -> dict[str, Any]:
        statements = self.bank_file.statements
        dates = [d for s in statements for d in (s.from_date, s.to_date) if d is not None]
        return {
            "statement": {
                "account": ", ".join(dict.fromkeys(s.account for s in statements)),
                "from": min(dates).isoformat() if dates else None,
                "to": max(dates).isoformat() if dates else None,
                "lines": len(self.lines),
            },
            "lines": self.lines,
        }


def import_statement(
    data: bytes, file_name: str, *, actor: Any, now: dt.datetime, dry_run: bool = False, csv_mapping: CsvMapping | None = None
) -> ImportOutcome:
    """Read a bank file, match its new credits and apply the sure ones (all or nothing)."""
    bank_file = read(data, file_name, csv_mapping=csv_mapping)
    keys = line_keys(bank_file)
    known = selectors.lines_by_key(keys)
    pending = [(k, line) for k, line in zip(keys, bank_file.lines, strict=True) if k not in known]
    decisions = _match(pending)
    outcome = ImportOutcome(bank_file=bank_file, file_name=file_name, dry_run=dry_run, already_imported=len(keys) - len(pending))
    if dry_run:
        refs = _refs_for(decisions)
        outcome.lines = [
            _known_json(known[k]) if k in known else _json(line, decisions.get(k), refs)
            for k, line in zip(keys, bank_file.lines, strict=True)
        ]
        return outcome
    with transaction.atomic():
        stored = _store(bank_file, keys, known, decisions, data, file_name, actor=actor, now=now)
        applied = _apply(stored, decisions, actor=actor, now=now)
        outcome.lines = [_known_json(stored[k]) for k in keys]
        if pending:
            record_event(
                actor=actor,
                action="cashapp.import",
                obj=stored[pending[0][0]].statement,
                at=now,
                after={"file": file_name, "lines": len(keys), "new": len(pending), "applied": applied},
            )
    return outcome


def _match(pending: list[tuple[str, BankLine]]) -> dict[str, Decision]:
    """Credits are matched, a currency at a time (the tolerance is in its minor units)."""
    credits = [(k, line) for k, line in pending if line.direction == "credit" and not line.is_return]
    if not credits:
        return {}
    frames = selectors.ledger_frames(expected_items=Invoice.objects.filter(open_amount__gt=0).count())
    decisions: dict[str, Decision] = {}
    for currency in sorted({line.currency for _, line in credits}):
        chosen = [(k, line) for k, line in credits if line.currency == currency]
        by_index = dict(enumerate(k for k, _ in chosen))
        frame = lines_frame([line for _, line in chosen])
        for index, decision in matching.match(frame, frames, match_settings(currency)).items():
            decisions[by_index[index]] = decision
    return decisions


def lines_frame(lines: list[BankLine]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "line_id": list(range(len(lines))),
            "amount": [line.amount for line in lines],
            "currency": [line.currency for line in lines],
            "payer_name": [line.payer_name for line in lines],
            "payer_account": [line.payer_account for line in lines],
            "remittance": [line.remittance for line in lines],
            "references": [list(line.references) for line in lines],
            "documents": [[{"ref": d.ref, "amount": d.amount} for d in line.documents] for line in lines],
        },
        schema=matching.LINE_SCHEMA,
    )


def _suggestion(c: Candidate) -> dict[str, Any]:
    return {
        "customer_id": c.customer_id,
        "allocations": [list(a) for a in c.allocations],
        "deductions": [list(d) for d in c.deductions],
        "unapplied": c.unapplied,
        "confidence": round(c.confidence, 3),
        "reason": c.reason,
    }


def _status(line: BankLine, decision: Decision | None) -> tuple[str, str]:
    if line.direction == "debit":
        return LineStatus.IGNORED, "a debit: shown, not applied"
    if line.is_return:
        return LineStatus.IGNORED, "a returned or reversed payment: shown, not applied"
    assert decision is not None
    return decision.status, decision.reason


def _store(
    bank_file: BankFile,
    keys: list[str],
    known: dict[str, StatementLine],
    decisions: dict[str, Decision],
    data: bytes,
    file_name: str,
    *,
    actor: Any,
    now: dt.datetime,
) -> dict[str, StatementLine]:
    """The statements and their new lines; lines already imported are left as they are."""
    stored = dict(known)
    digest = hashlib.sha256(data).hexdigest()
    position = 0
    for statement in bank_file.statements:
        statement_keys = keys[position : position + len(statement.lines)]
        position += len(statement.lines)
        new = [(k, line) for k, line in zip(statement_keys, statement.lines, strict=True) if k not in known]
        if not new and statement.lines:
            continue
        record = _statement_record(bank_file.format, statement, statement_keys, digest, file_name, actor=actor, now=now)
        rows = []
        for key, line in new:
            decision = decisions.get(key)
            status, reason = _status(line, decision)
            candidates = decision.suggestions if decision else []
            best = decision.chosen if decision and decision.chosen else (candidates[0] if candidates else None)
            rows.append(
                StatementLine(
                    statement=record,
                    seq=line.seq,
                    where=line.where[:200],
                    line_key=key,
                    direction=line.direction,
                    amount=line.amount,
                    currency=line.currency,
                    booked_on=line.booked_on,
                    value_on=line.value_on,
                    bank_ref=line.bank_ref[:100],
                    end_to_end_id=line.end_to_end_id[:100],
                    payer_name=line.payer_name[:200],
                    payer_account=line.payer_account[:64],
                    remittance=line.remittance,
                    references=list(line.references),
                    documents=[[d.ref, d.amount] for d in line.documents],
                    bank_code=line.bank_code[:40],
                    is_return=line.is_return,
                    status=status,
                    reason=reason[:300],
                    confidence=round(decision.confidence, 3) if decision else 0.0,
                    customer_id=best.customer_id if best else None,
                    suggestions=[
                        _suggestion(c) for c in ([decision.chosen] if decision and decision.chosen else []) + candidates
                    ],
                )
            )
        created = StatementLine.objects.bulk_create(rows, batch_size=2000)
        SuggestedCustomer.objects.bulk_create(
            [
                SuggestedCustomer(line=line, customer_id=c)
                for line in created
                if line.status in selectors.QUEUED
                for c in dict.fromkeys(s["customer_id"] for s in line.suggestions)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        stored |= {line.line_key: line for line in created}
    return stored


def _statement_record(
    kind: str, statement: Statement, keys: list[str], digest: str, file_name: str, *, actor: Any, now: dt.datetime
) -> BankStatement:
    fingerprint = hashlib.sha256("\x1f".join([kind, statement.account, statement.statement_id, *keys]).encode()).hexdigest()
    record, _ = BankStatement.objects.get_or_create(
        fingerprint=fingerprint,
        defaults={
            "format": kind,
            "account": statement.account[:64],
            "currency": statement.currency[:3],
            "statement_id": statement.statement_id[:100],
            "from_date": statement.from_date,
            "to_date": statement.to_date,
            "opening_balance": statement.opening_balance,
            "closing_balance": statement.closing_balance,
            "file_name": file_name[:255],
            "file_sha256": digest,
            "line_count": len(statement.lines),
            "controls": statement.controls,
            "warnings": statement.warnings,
            "imported_at": now,
            "imported_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    return record


def receipts_for(line: StatementLine, candidate: Candidate, invoices: dict[int, Invoice]) -> list[CashReceipt]:
    """One payment per customer whose items the line pays (a parent paying for its subsidiaries
    makes one payment each); what is left over stays on the first customer's account."""
    by_customer: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    deductions: defaultdict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for invoice_id, amount in candidate.allocations:
        by_customer[invoices[invoice_id].customer_id].append((invoice_id, amount))
    for invoice_id, amount, why in candidate.deductions:
        deductions[invoices[invoice_id].customer_id].append((invoice_id, amount, why))
    customers = list(dict.fromkeys([*by_customer, *deductions])) or [candidate.customer_id]
    receipts = []
    for n, customer_id in enumerate(customers):
        allocations = tuple(by_customer.get(customer_id, ()))
        amount = sum(a for _, a in allocations) + (line.amount - sum(a for _, a in candidate.allocations) if n == 0 else 0)
        receipts.append(
            CashReceipt(
                payment_ref=f"BNK-{line.line_key[:16]}" + (f"-{n + 1}" if n else ""),
                received_on=line.booked_on,
                amount=amount,
                currency=line.currency,
                customer_id=customer_id,
                reference=f"{line.payer_name} {line.remittance}".strip()[:500],
                method="wire",
                allocations=allocations,
                deductions=tuple(deductions.get(customer_id, ())),
            )
        )
    return [r for r in receipts if r.amount > 0 or r.deductions]


def _apply(stored: dict[str, StatementLine], decisions: dict[str, Decision], *, actor: Any, now: dt.datetime) -> int:
    """Apply the sure lines; a line whose items changed since they were read waits in the queue."""
    chosen = [
        (stored[k], d.chosen) for k, d in decisions.items() if d.chosen is not None and stored[k].status == LineStatus.APPLIED
    ]
    if not chosen:
        return 0
    invoice_ids = {i for _, c in chosen for i, _ in [*c.allocations, *((d[0], d[1]) for d in c.deductions)]}
    invoices = Invoice.objects.in_bulk(list(invoice_ids))
    items = cash_receipts.open_items_for_update(list(invoice_ids))
    receipts: list[CashReceipt] = []
    demoted = []
    for line, candidate in chosen:
        mine = receipts_for(line, candidate, invoices)
        try:
            check_receipts([*receipts, *mine], items)
        except ValueError as exc:
            demoted.append((line, str(exc)))
            continue
        receipts += mine
        _mark_applied(line, candidate, mine, invoices, actor=None, now=now)
    for line, why in demoted:
        line.status, line.reason = LineStatus.SUGGESTED, f"the items changed before it could be applied ({why})"[:300]
        line.save(update_fields=["status", "reason"])
    SuggestedCustomer.objects.bulk_create(
        [
            SuggestedCustomer(line=line, customer_id=c)
            for line, _ in demoted
            for c in dict.fromkeys(s["customer_id"] for s in line.suggestions)
        ],
        ignore_conflicts=True,
    )
    cash_receipts.receive_cash(receipts, source=SOURCE, actor=actor, now=now, actor_label="cash application")
    return len(chosen) - len(demoted)


def _mark_applied(
    line: StatementLine,
    candidate: Candidate,
    receipts: list[CashReceipt],
    invoices: dict[int, Invoice],
    *,
    actor: Any,
    now: dt.datetime,
) -> None:
    line.status = LineStatus.APPLIED
    line.customer_id = candidate.customer_id
    line.allocations = [[invoices[i].invoice_ref, a] for i, a in candidate.allocations]
    line.unapplied = line.amount - sum(a for _, a in candidate.allocations)
    line.payment_refs = [r.payment_ref for r in receipts]
    line.confidence = round(candidate.confidence, 3)
    line.reason = candidate.reason[:300]
    line.decided_by = actor if getattr(actor, "pk", None) else None
    line.decided_at = now
    line.save(
        update_fields=[
            "status",
            "customer",
            "allocations",
            "unapplied",
            "payment_refs",
            "confidence",
            "reason",
            "decided_by",
            "decided_at",
        ]
    )


def _refs_for(decisions: dict[str, Decision]) -> dict[int, str]:
    ids = {i for d in decisions.values() if d.chosen for i, _ in d.chosen.allocations}
    return dict(Invoice.objects.filter(pk__in=list(ids)).values_list("pk", "invoice_ref"))


def _line_json(
    line: BankLine | StatementLine,
    status: str,
    customer_ref: str | None,
    allocations: list[list[Any]],
    unapplied: int,
    confidence: float,
    reason: str,
) -> dict[str, Any]:
    signed = line.amount if line.direction == "credit" else -line.amount
    return {
        "bank_ref": line.bank_ref,
        "end_to_end_id": line.end_to_end_id,
        "booked_on": line.booked_on.isoformat(),
        "amount": major(signed, line.currency),
        "currency": line.currency,
        "payer_name": line.payer_name,
        "status": status,
        "customer_ref": customer_ref,
        "allocations": [[ref, major(a, line.currency)] for ref, a in allocations],
        "unapplied": major(unapplied, line.currency),
        "confidence": round(confidence, 3),
        "reason": reason,
    }


def _known_json(line: StatementLine) -> dict[str, Any]:
    return _line_json(
        line,
        line.status,
        line.customer.customer_ref if line.customer else None,
        line.allocations,
        line.unapplied,
        line.confidence,
        line.reason,
    )


def _customer_ref(pk: int) -> str | None:
    return Customer.objects.filter(pk=pk).values_list("customer_ref", flat=True).first()


def _json(line: BankLine, decision: Decision | None, refs: dict[int, str]) -> dict[str, Any]:
    status, reason = _status(line, decision)
    chosen = decision.chosen if decision else None
    best = chosen or (decision.suggestions[0] if decision and decision.suggestions else None)
    allocations = [[refs.get(i, str(i)), a] for i, a in chosen.allocations] if chosen else []
    unapplied = line.amount - sum(a for _, a in chosen.allocations) if chosen else 0
    return _line_json(
        line,
        status,
        _customer_ref(best.customer_id) if best else None,
        allocations,
        unapplied,
        decision.confidence if decision else 0.0,
        reason,
    )
