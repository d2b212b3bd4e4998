"""Decisions about dispute cases: SLA state, what may happen next, write-off limits, settlement
amounts, age buckets. Pure: values in, decisions out; no Django, ``as_of`` always an argument."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# Days a case of each reason may stay open when a manager has not set its own (ReasonSla).
# Duplicates and "already paid" are a lookup; a quality claim waits for the goods to be inspected.
DEFAULT_SLA_DAYS: dict[str, int] = {
    "pricing": 10,
    "quantity": 10,
    "quality": 15,
    "not_received": 10,
    "duplicate": 5,
    "already_paid": 5,
    "terms": 10,
    "other": 10,
}
FALLBACK_SLA_DAYS = 10

OPEN = ("open", "in_review")
CLOSED = ("resolved", "rejected")

SlaState = Literal["ok", "due_soon", "breached", "closed", "none"]


class CaseRuleBroken(ValueError):
    """A change to a case that the rules refuse, with a sentence saying why."""


def sla_due(opened_on: dt.date, days: int) -> dt.date:
    return opened_on + dt.timedelta(days=days)


def sla_state(*, status: str, sla_due: dt.date | None, as_of: dt.date, due_soon_days: int) -> SlaState:
    """Breached once the due date has passed with the case open; due soon within
    ``due_soon_days`` of it (the due date itself included)."""
    if status in CLOSED:
        return "closed"
    if sla_due is None:
        return "none"
    if sla_due < as_of:
        return "breached"
    if (sla_due - as_of).days <= due_soon_days:
        return "due_soon"
    return "ok"


# Status changes a person may make by hand; resolving and rejecting go through their own checks.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_review", "resolved", "rejected"}),
    "in_review": frozenset({"open", "resolved", "rejected"}),
    "resolved": frozenset(),
    "rejected": frozenset(),
}


def check_transition(current: str, wanted: str) -> None:
    if wanted not in TRANSITIONS.get(current, frozenset()):
        raise CaseRuleBroken(f"a case that is {current.replace('_', ' ')} cannot become {wanted.replace('_', ' ')}")


def check_settlement(
    amounts: Mapping[int, int], *, open_amounts: Mapping[int, int], refs: Mapping[int, str], disputed: int, already: int = 0
) -> int:
    """Amounts to credit or write off per invoice of the case; returns their total.

    Each is positive and at most what the invoice still has open (the ledger cannot go below
    zero); together, with what the case already settled, at most the disputed amount.
    """
    if not amounts:
        raise CaseRuleBroken("enter an amount for at least one invoice of the case")
    for invoice_id, amount in amounts.items():
        if invoice_id not in open_amounts:
            raise CaseRuleBroken(f"invoice {invoice_id} is not part of this case")
        ref = refs.get(invoice_id, str(invoice_id))
        if amount <= 0:
            raise CaseRuleBroken(f"{ref}: the amount must be more than zero")
        if amount > open_amounts[invoice_id]:
            raise CaseRuleBroken(f"{ref}: {amount} is more than the {open_amounts[invoice_id]} still open on it")
    total = sum(amounts.values())
    if already + total > disputed:
        raise CaseRuleBroken(f"together {already + total} is more than the disputed amount {disputed}")
    return total


WriteOffVerdict = Literal["allowed", "needs_approval"]


def judge_write_off(total_home: int | None, limit_home: int | None) -> WriteOffVerdict:
    """Within the role's limit (home-currency minor units; None = no limit) or not. An amount
    that cannot be converted (``None``: no exchange rate) is never within a limit."""
    if limit_home is None:
        return "allowed"
    if total_home is None:
        return "needs_approval"
    return "allowed" if total_home <= limit_home else "needs_approval"


@dataclass(frozen=True, slots=True)
class CaseSituation:
    status: str
    has_owner: bool
    sla: SlaState
    pending_write_off: bool
    escalated: bool
    stakeholders_invited: bool


def next_action(case: CaseSituation) -> str:
    """The one thing to do next on a case, in words for its page and the list."""
    if case.status == "resolved":
        return "Nothing: the case is resolved; what is still open is collected as usual."
    if case.status == "rejected":
        return "Nothing: the case was rejected; calls and follow-ups resume for its items."
    if case.pending_write_off:
        return "Wait for a senior or manager to approve the write-off."
    if not case.has_owner:
        return "Assign an owner."
    prefix = (
        "The SLA has passed" + (" and the case was escalated" if case.escalated else "") + ": " if case.sla == "breached" else ""
    )
    if case.status == "open":
        if not case.stakeholders_invited:
            return prefix + "Review the claim; invite who can confirm it (sales, warehouse, the buyer)."
        return prefix + "Review the evidence and move the case to review."
    return prefix + "Decide: credit note, corrected invoice, write-off, or reject it."


# Age of open cases (days since opened) for the dispute aging report: (label, first day, last day).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("d0_15", 0, 15),
    ("d16_30", 16, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("over_90", 91, None),
)
AGE_LABELS = {"d0_15": "0–15 days", "d16_30": "16–30", "d31_60": "31–60", "d61_90": "61–90", "over_90": "Over 90"}


def age_bucket(days: int) -> str:
    for name, first, last in AGE_BUCKETS:
        if days >= first and (last is None or days <= last):
            return name
    return AGE_BUCKETS[0][0]
