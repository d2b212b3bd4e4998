"""Ledger invariants as pure decisions (no Django): what an allocation may and may not do."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError


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


# Deductions that a credit note writes off (the item closes); an unexplained one stays open.
WRITTEN_OFF = frozenset({"discount", "bank_charges"})
DEDUCTION_REASONS = frozenset({"discount", "bank_charges", "unexplained"})


@dataclass(frozen=True, slots=True)
class CashReceipt:
    """One payment to record: who paid how much, when, and which items it settles.

    ``allocations`` are (invoice id, amount) pairs paid from it; ``deductions`` (invoice id,
    amount, reason) say what it left unpaid on an item and why.
    """

    payment_ref: str
    received_on: dt.date
    amount: int
    currency: str
    customer_id: int | None
    reference: str = ""
    method: str = "other"
    allocations: tuple[tuple[int, int], ...] = ()
    deductions: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice as the ledger holds it when cash is applied to it."""

    ref: str
    customer_id: int
    currency: str
    open_amount: int
    kind: str


def check_receipts(receipts: Sequence[CashReceipt], items: Mapping[int, OpenItem]) -> None:
    """Refuse receipts that would over-apply a payment or an item, or cross customers or currencies.

    Items are checked cumulatively: two receipts in one batch cannot both take an item's last cent.
    """
    taken: defaultdict[int, int] = defaultdict(int)
    for receipt in receipts:
        name = receipt.payment_ref
        if receipt.amount <= 0:
            raise LedgerRuleBroken(f"{name}: a payment must be positive, not {receipt.amount}")
        if sum(amount for _, amount in receipt.allocations) > receipt.amount:
            raise LedgerRuleBroken(f"{name}: allocations exceed the payment's {receipt.amount}")
        if len({i for i, _ in receipt.allocations}) != len(receipt.allocations):
            raise LedgerRuleBroken(f"{name}: an invoice is named twice")
        for invoice_id, amount in receipt.allocations:
            item = _item(items, invoice_id, receipt)
            check_allocation(
                source=Side(name, receipt.currency, receipt.amount),
                target=Side(item.ref, item.currency, item.open_amount - taken[invoice_id]),
                target_kind=item.kind,
                amount=amount,
            )
            taken[invoice_id] += amount
        for invoice_id, amount, reason in receipt.deductions:
            item = _item(items, invoice_id, receipt)
            if reason not in DEDUCTION_REASONS:
                raise LedgerRuleBroken(f"{name}: unknown deduction reason {reason!r}")
            left = item.open_amount - taken[invoice_id]
            if amount <= 0 or amount > left:
                raise LedgerRuleBroken(f"{name}: a deduction of {amount} on {item.ref}, which has {left} open")
            if reason in WRITTEN_OFF:
                taken[invoice_id] += amount


def _item(items: Mapping[int, OpenItem], invoice_id: int, receipt: CashReceipt) -> OpenItem:
    item = items.get(invoice_id)
    if item is None:
        raise LedgerRuleBroken(f"{receipt.payment_ref}: no invoice with id {invoice_id}")
    if receipt.customer_id is None or item.customer_id != receipt.customer_id:
        raise LedgerRuleBroken(f"{receipt.payment_ref} is from another customer than {item.ref}")
    return item


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$")
_ACCOUNT_SHAPE = re.compile(r"^[A-Z0-9]{4,34}$")


def normalise_account(text: str) -> tuple[str, bool]:
    """A bank account as the ledger keys it: compact upper case; an IBAN must pass its check digits.

    Returns (account, is_iban). Separators (spaces, dashes, dots, slashes) are dropped, as banks
    print them in every variety.
    """
    compact = re.sub(r"[\s\-./]", "", text or "").upper()
    if not compact:
        raise LedgerRuleBroken("a bank account cannot be empty")
    if _IBAN_SHAPE.match(compact) and not compact[:2].isdigit():
        try:
            return iban_number.validate(compact), True
        except ValidationError as exc:
            raise LedgerRuleBroken(f"{text.strip()!r} is not a valid IBAN: {exc}") from None
    if not _ACCOUNT_SHAPE.match(compact):
        raise LedgerRuleBroken(f"{text.strip()!r} is not an IBAN or an account number (4 to 34 letters and digits)")
    return compact, False
