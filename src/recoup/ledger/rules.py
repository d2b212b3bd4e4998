"""Ledger invariants as pure decisions (no Django): what an allocation may and may not do."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerRuleBroken(ValueError):
    """A change the ledger refuses, with a sentence saying why."""


@dataclass(frozen=True, slots=True)
class Side:
    """What matters about one end of an allocation."""

    ref: str
    currency: str
    open_amount: int  # for a payment: its unapplied amount; for a credit note: its unused credit


def check_allocation(*, source: Side, target: Side, target_kind: str, amount: int) -> None:
    """Refuse an allocation that would break `open = amount − Σ allocations ≥ 0` on either side."""
    if amount <= 0:
        raise LedgerRuleBroken(f"an allocation must be positive, not {amount}")
    if target_kind == "credit_note":
        raise LedgerRuleBroken(f"{target.ref} is a credit note; payments and credits settle invoices and debit notes")
    if source.currency != target.currency:
        raise LedgerRuleBroken(f"{source.ref} is in {source.currency} but {target.ref} is in {target.currency}")
    if amount > source.open_amount:
        raise LedgerRuleBroken(f"{source.ref} has only {source.open_amount} left to apply, not {amount}")
    if amount > target.open_amount:
        raise LedgerRuleBroken(f"{target.ref} has only {target.open_amount} open, not {amount}")


def check_credit_note(*, credit_amount: int, credited_amount: int, credited_ref: str) -> None:
    if credit_amount > credited_amount:
        raise LedgerRuleBroken(f"a credit note of {credit_amount} exceeds {credited_ref}'s amount {credited_amount}")
