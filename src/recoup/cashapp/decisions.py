"""What a person decides about a line in the queue (services: each one transaction, audited).

Apply a suggestion, apply by hand across several items, put the money on a customer's account,
or mark the line as not a customer payment. A manual application teaches recoup the payer: the
line's account becomes the customer's (unless it is already someone else's) and the payer's
name maps to the customer, so the next payment from them is matched by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from recoup.audit.services import record_event
from recoup.cashapp import references
from recoup.cashapp.models import LineStatus, PayerAlias, StatementLine
from recoup.cashapp.rules import Candidate
from recoup.cashapp.services import SOURCE, _mark_applied, receipts_for
from recoup.ledger import receipts as cash_receipts
from recoup.ledger import services as ledger
from recoup.ledger.models import BankAccount, Customer, Invoice
from recoup.ledger.rules import LedgerRuleBroken


class DecisionError(ValueError):
    """Why a decision cannot be carried out, in words for the page."""


def _open_line(line: StatementLine) -> StatementLine:
    line = StatementLine.objects.select_for_update().get(pk=line.pk)
    if line.status not in (LineStatus.SUGGESTED, LineStatus.UNMATCHED):
        raise DecisionError(f"this line is already {line.get_status_display().lower()}")
    if line.direction != "credit" or line.is_return:
        raise DecisionError("only money received can be applied")
    return line


def apply_suggestion(*, line: StatementLine, index: int, actor: Any, now: dt.datetime) -> StatementLine:
    if not 0 <= index < len(line.suggestions):
        raise DecisionError("no such suggestion")
    s = line.suggestions[index]
    candidate = Candidate(
        customer_id=s["customer_id"],
        allocations=tuple((int(i), int(a)) for i, a in s["allocations"]),
        confidence=float(s["confidence"]),
        reason=f"suggestion accepted: {s['reason']}",
        deductions=tuple((int(i), int(a), str(w)) for i, a, w in s["deductions"]),
        unapplied=int(s["unapplied"]),
    )
    return _apply(line, candidate, actor=actor, now=now)


def apply_by_hand(
    *, line: StatementLine, customer: Customer, allocations: Sequence[tuple[Invoice, int]], actor: Any, now: dt.datetime
) -> StatementLine:
    """Split a line across items by hand; what is not allocated stays on the customer's account."""
    total = sum(amount for _, amount in allocations)
    if total > line.amount:
        raise DecisionError(f"the allocations add up to more than the payment ({total} > {line.amount})")
    if any(amount <= 0 for _, amount in allocations):
        raise DecisionError("each allocation must be more than zero")
    candidate = Candidate(
        customer_id=customer.pk,
        allocations=tuple((invoice.pk, amount) for invoice, amount in allocations),
        confidence=1.0,
        reason="applied by hand" if allocations else "put on account by hand",
        unapplied=line.amount - total,
    )
    return _apply(line, candidate, actor=actor, now=now)


def put_on_account(*, line: StatementLine, customer: Customer, actor: Any, now: dt.datetime) -> StatementLine:
    return apply_by_hand(line=line, customer=customer, allocations=[], actor=actor, now=now)


@transaction.atomic
def _apply(line: StatementLine, candidate: Candidate, *, actor: Any, now: dt.datetime) -> StatementLine:
    line = _open_line(line)
    ids = [i for i, _ in candidate.allocations] + [i for i, _, _ in candidate.deductions]
    invoices = Invoice.objects.in_bulk(ids)
    if len(invoices) != len(set(ids)):
        raise DecisionError("an invoice of this suggestion no longer exists")
    receipts = receipts_for(line, candidate, invoices)
    try:
        cash_receipts.receive_cash(receipts, source=SOURCE, actor=actor, now=now)
    except LedgerRuleBroken as exc:
        raise DecisionError(str(exc)) from None
    _mark_applied(line, candidate, receipts, invoices, actor=actor, now=now)
    line.suggested_customers.all().delete()
    learned = _learn(line, candidate.customer_id, actor=actor, now=now)
    record_event(
        actor=actor,
        action="cashapp.apply",
        obj=line,
        at=now,
        after={
            "customer": candidate.customer_id,
            "allocations": line.allocations,
            "unapplied": line.unapplied,
            "learned": learned,
        },
    )
    return line


def _learn(line: StatementLine, customer_id: int, *, actor: Any, now: dt.datetime) -> list[str]:
    """Remember the payer's account and name for this customer, unless they are someone else's."""
    learned = []
    customer = Customer.objects.get(pk=customer_id)
    if line.payer_account:
        try:
            account = ledger.add_bank_account(
                customer=customer, account=line.payer_account, source=BankAccount.Source.LEARNED, actor=actor, now=now
            )
            learned.append(f"account {account.account}")
        except LedgerRuleBroken:
            pass  # another customer's account, or not an account number: teach nothing
    key = references.name_key(line.payer_name)
    if key and not PayerAlias.objects.filter(name_key=key).exists():
        PayerAlias.objects.create(
            name_key=key[:200], customer=customer, created_at=now, created_by=actor if getattr(actor, "pk", None) else None
        )
        learned.append(f"name {key}")
    return learned


@transaction.atomic
def ignore(*, line: StatementLine, actor: Any, now: dt.datetime, reason: str = "") -> StatementLine:
    """Not a customer payment (a refund, a transfer between own accounts, a grant): never applied."""
    line = _open_line(line)
    before = {"status": line.status}
    line.status = LineStatus.IGNORED
    line.reason = (f"not a customer payment: {reason}" if reason else "not a customer payment")[:300]
    line.decided_by = actor if getattr(actor, "pk", None) else None
    line.decided_at = now
    line.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    line.suggested_customers.all().delete()
    record_event(actor=actor, action="cashapp.ignore", obj=line, before=before, after={"reason": line.reason}, at=now)
    return line
