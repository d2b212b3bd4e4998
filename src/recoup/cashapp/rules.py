"""Cash application decisions (DESIGN §4, "Matching"). Pure: values in, a decision out.

For one bank line the matcher (``matching.py``) gathers the evidence: invoices its references
name, who the payer is and how sure that is, and the payer's open items. ``candidates`` turns
the evidence into ways to apply the money, each with a confidence and its reason, in the order
of DESIGN §4: structured references → invoice numbers in the text → the payer (account, learned
name, name) → amount (one item exactly, then a subset of the payer's items, within a tolerance
for bank charges or a discount) → a short payment with the difference as a deduction, or an
overpayment left on account. ``decide`` applies the best one when its confidence reaches the
threshold, and queues the line with the rest as suggestions otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

Source = Literal["structured", "document", "text", "fuzzy"]
Status = Literal["applied", "suggested", "unmatched", "ignored"]

# How much a reference proves, before the amount and the payer are weighed.
REFERENCE_CONFIDENCE: dict[str, float] = {"structured": 0.99, "document": 0.98, "text": 0.97, "fuzzy": 0.93}
# How much knowing the payer proves, before the amount is weighed.
PAYER_CONFIDENCE: dict[str, float] = {"account": 0.95, "learned": 0.95, "name": 0.93, "fuzzy name": 0.91}
# A reference to an item of a customer the payer is not recognised as cannot be applied alone.
UNCORROBORATED_CAP = 0.85


@dataclass(frozen=True)
class MatchSettings:
    auto_apply: float = 0.9  # RECOUP_CASHAPP_AUTO_APPLY
    tolerance: int = 2500  # minor units a payment may fall short by as bank charges
    discount_percents: tuple[int, ...] = (2,)  # early-payment discounts a payer may take
    max_items: int = 40  # a payer's oldest open items searched for a subset
    max_subset: int = 4  # largest subset of items one payment is searched for


@dataclass(frozen=True, slots=True)
class Item:
    invoice_id: int
    ref: str
    customer_id: int
    open_amount: int
    currency: str
    due_date: dt.date


@dataclass(frozen=True, slots=True)
class Hit:
    """An invoice a line's references name: how (``source``) and how much the payer said it pays."""

    item: Item
    source: Source
    stated: int | None = None


@dataclass(frozen=True)
class Payer:
    """Who paid, as far as the matcher could tell: ``how`` it knows, ``group`` the customer with its
    parent and the parent's other companies (a parent pays for its subsidiaries)."""

    customer_id: int | None = None
    how: str = ""
    group: frozenset[int] = frozenset()
    # Customers the payer's name resembles even if the account is unknown (references corroborate).
    resembles: frozenset[int] = frozenset()

    def covers(self, customer_id: int) -> bool:
        return customer_id in self.group or customer_id in self.resembles


@dataclass(frozen=True)
class Candidate:
    """One way to apply a line: to which customer, which items how much, and why."""

    customer_id: int
    allocations: tuple[tuple[int, int], ...]  # (invoice id, amount)
    confidence: float
    reason: str
    deductions: tuple[tuple[int, int, str], ...] = ()  # (invoice id, amount, reason)
    unapplied: int = 0  # left on the customer's account


@dataclass
class Decision:
    status: Status
    confidence: float = 0.0
    reason: str = ""
    chosen: Candidate | None = None
    suggestions: list[Candidate] = field(default_factory=list)


def decide(candidates: Iterable[Candidate], settings: MatchSettings, *, unmatched_reason: str) -> Decision:
    ranked = sorted(_unique(candidates), key=lambda c: -c.confidence)
    if not ranked:
        return Decision(status="unmatched", reason=unmatched_reason)
    best = ranked[0]
    # Confidences are sums of tenths and hundredths: compare them as such, not as binary fractions.
    if round(best.confidence, 6) >= settings.auto_apply:
        return Decision(status="applied", confidence=best.confidence, reason=best.reason, chosen=best, suggestions=ranked[1:5])
    return Decision(status="suggested", confidence=best.confidence, reason=best.reason, suggestions=ranked[:5])


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[tuple[object, ...], Candidate] = {}
    for c in candidates:
        key = (c.customer_id, c.allocations, c.deductions, c.unapplied)
        if key not in seen or seen[key].confidence < c.confidence:
            seen[key] = c
    return list(seen.values())


def refs(items: Iterable[Item]) -> str:
    return ", ".join(i.ref for i in items)


def by_reference(amount: int, hits: Sequence[Hit], payer: Payer, settings: MatchSettings) -> list[Candidate]:
    """The items the line's references name, paid in full, in part, or more than in full."""
    best: dict[int, Hit] = {}
    order = list(REFERENCE_CONFIDENCE)
    for hit in hits:
        if hit.item.invoice_id not in best or order.index(hit.source) < order.index(best[hit.item.invoice_id].source):
            best[hit.item.invoice_id] = hit
    if not best:
        return []
    # A number in the text can be another customer's invoice by chance (a year, a PO number):
    # when some of the items named are the payer's, the others are not what it paid.
    covered = [h for h in best.values() if payer.covers(h.item.customer_id)]
    chosen = sorted(covered or best.values(), key=lambda h: (h.item.due_date, h.item.invoice_id))
    items = [h.item for h in chosen]
    base = min(REFERENCE_CONFIDENCE[h.source] for h in chosen)
    customers = {i.customer_id for i in items}
    stated = [h.stated for h in chosen]
    if all(s is not None for s in stated) and sum(s for s in stated if s is not None) <= amount:
        found = _as_stated(amount, chosen, base)
    else:
        found = _settle(amount, items, base, settings, f"reference to {refs(items)}")
    if not all(payer.covers(c) for c in customers):
        found = [
            Candidate(
                c.customer_id,
                c.allocations,
                min(c.confidence, UNCORROBORATED_CAP),
                f"{c.reason}; the payer is not recognised as this customer",
                c.deductions,
                c.unapplied,
            )
            for c in found
        ]
    return found


def _as_stated(amount: int, hits: Sequence[Hit], base: float) -> list[Candidate]:
    """The payer said how much of each invoice it pays (an 820 RMR, a camt RfrdDocAmt)."""
    allocations, over = [], 0
    for hit in hits:
        paid = min(hit.stated or 0, hit.item.open_amount)
        over += (hit.stated or 0) - paid
        if paid:
            allocations.append((hit.item.invoice_id, paid))
    unapplied = amount - sum(a for _, a in allocations)
    confidence = base if over == 0 else base - 0.05
    reason = f"remittance advice: {refs(h.item for h in hits)}, amounts as stated" + (
        f"; {unapplied} left on account" if unapplied else ""
    )
    return [Candidate(hits[0].item.customer_id, tuple(allocations), confidence, reason, unapplied=unapplied)]


def _settle(amount: int, items: Sequence[Item], base: float, settings: MatchSettings, why: str) -> list[Candidate]:
    """Apply ``amount`` to ``items``: exactly, more (the rest on account), or less (a subset, a
    deduction within tolerance, a discount taken, or an unexplained short payment)."""
    customer = items[0].customer_id
    total = sum(i.open_amount for i in items)
    full = tuple((i.invoice_id, i.open_amount) for i in items)
    if amount == total:
        return [Candidate(customer, full, base, f"{why}: the amount equals the open amount")]
    if amount > total:
        return [
            Candidate(
                customer,
                full,
                base - 0.03,
                f"{why}: paid {amount - total} more than open, left on account",
                unapplied=amount - total,
            )
        ]
    found = []
    if len(items) > 1:
        subsets = subsets_summing_to(items, amount, max_size=min(len(items) - 1, settings.max_subset), limit=2)
        if len(subsets) == 1:
            found.append(
                Candidate(
                    customer,
                    tuple((i.invoice_id, i.open_amount) for i in subsets[0]),
                    base - 0.02,
                    f"{why}: pays {refs(subsets[0])} of them exactly",
                )
            )
    short = short_payment(amount, items, settings)
    if short is not None:
        allocations, deductions, what = short
        found.append(Candidate(customer, allocations, base - 0.02, f"{why}: {what}", deductions))
    elif len(items) == 1:
        item = items[0]
        found.append(
            Candidate(
                customer,
                ((item.invoice_id, amount),),
                base - 0.05,
                f"{why}: short by {item.open_amount - amount}, left open as an unexplained deduction",
                ((item.invoice_id, item.open_amount - amount, "unexplained"),),
            )
        )
    else:
        found.append(_oldest_first(customer, amount, items, 0.8, f"{why}: short, applied oldest first"))
    return found


def short_payment(
    amount: int, items: Sequence[Item], settings: MatchSettings
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int, str], ...], str] | None:
    """Paid less than ``items`` owe by bank charges within tolerance, or by an early-payment discount."""
    total = sum(i.open_amount for i in items)
    gap = total - amount
    if gap <= 0:
        return None
    for percent in settings.discount_percents:
        shares = [i.open_amount * percent // 100 for i in items]
        # Each item's discount rounded either way: the payer's system rounds as it likes.
        if sum(shares) == 0 or abs(sum(shares) - gap) > len(items):
            continue
        shares[-1] += gap - sum(shares)
        if not 0 <= shares[-1] < items[-1].open_amount:
            continue
        deductions = tuple((i.invoice_id, s, "discount") for i, s in zip(items, shares, strict=True) if s > 0)
        allocations = tuple(
            (i.invoice_id, i.open_amount - s) for i, s in zip(items, shares, strict=True) if i.open_amount - s > 0
        )
        return allocations, deductions, f"{percent} % discount taken ({gap})"
    last = items[-1]
    if gap <= settings.tolerance and gap < last.open_amount:
        allocations = tuple((i.invoice_id, i.open_amount - (gap if i is last else 0)) for i in items)
        return allocations, ((last.invoice_id, gap, "bank_charges"),), f"short by {gap}, within the tolerance for bank charges"
    return None


def _oldest_first(customer: int, amount: int, items: Sequence[Item], confidence: float, reason: str) -> Candidate:
    allocations, left = [], amount
    for item in sorted(items, key=lambda i: (i.due_date, i.invoice_id)):
        if left <= 0:
            break
        part = min(left, item.open_amount)
        allocations.append((item.invoice_id, part))
        left -= part
    return Candidate(customer, tuple(allocations), confidence, reason, unapplied=left)


def by_payer(
    amount: int, currency: str, payer: Payer, items_of: Mapping[int, Sequence[Item]], settings: MatchSettings
) -> list[Candidate]:
    """The payer is known but names no invoice: find the items the amount pays."""
    if payer.customer_id is None:
        return []
    base = PAYER_CONFIDENCE.get(payer.how, 0.85)
    found: list[Candidate] = []
    # The payer's own items first; a parent's payment for its subsidiaries a little less surely.
    for customer_id in [payer.customer_id, *sorted(payer.group - {payer.customer_id})]:
        items = [i for i in items_of.get(customer_id, ()) if i.currency == currency][: settings.max_items]
        if not items:
            continue
        penalty = 0.0 if customer_id == payer.customer_id else 0.03
        found += _by_amount(customer_id, amount, items, base - penalty, settings, payer.how)
    if not found:
        items = [i for i in items_of.get(payer.customer_id, ()) if i.currency == currency]
        if items:
            found.append(
                _oldest_first(
                    payer.customer_id, amount, items, 0.6, f"payer known by {payer.how}; no items match the amount: oldest first"
                )
            )
        found.append(Candidate(payer.customer_id, (), 0.5, f"payer known by {payer.how}; put on account", unapplied=amount))
    return found


def _by_amount(
    customer_id: int, amount: int, items: Sequence[Item], base: float, settings: MatchSettings, how: str
) -> list[Candidate]:
    why = f"payer known by {how}"
    exact = [i for i in items if i.open_amount == amount]
    if len(exact) == 1:
        return [Candidate(customer_id, ((exact[0].invoice_id, amount),), base - 0.01, f"{why}; the amount equals {exact[0].ref}")]
    if len(exact) > 1:
        oldest = min(exact, key=lambda i: (i.due_date, i.invoice_id))
        return [
            Candidate(
                customer_id,
                ((oldest.invoice_id, amount),),
                0.75,
                f"{why}; {len(exact)} items of this amount, the oldest is {oldest.ref}",
            )
        ]
    if sum(i.open_amount for i in items) == amount:
        return [
            Candidate(
                customer_id, tuple((i.invoice_id, i.open_amount) for i in items), base - 0.03, f"{why}; pays the whole balance"
            )
        ]
    subsets = subsets_summing_to(items, amount, max_size=settings.max_subset, limit=2)
    if len(subsets) == 1:
        return [
            Candidate(
                customer_id,
                tuple((i.invoice_id, i.open_amount) for i in subsets[0]),
                base - 0.04,
                f"{why}; the amount equals {refs(subsets[0])} together",
            )
        ]
    if len(subsets) > 1:
        return [
            Candidate(
                customer_id,
                tuple((i.invoice_id, i.open_amount) for i in subsets[0]),
                0.7,
                f"{why}; several sets of items make the amount, e.g. {refs(subsets[0])}",
            )
        ]
    near = []
    for item in items:
        short = short_payment(amount, [item], settings)
        if short is not None:
            near.append(Candidate(customer_id, short[0], base - 0.05, f"{why}; {item.ref}: {short[2]}", short[1]))
    if len(near) == 1:
        return near
    return [Candidate(c.customer_id, c.allocations, 0.7, c.reason, c.deductions) for c in near[:3]]


def subsets_summing_to(items: Sequence[Item], amount: int, *, max_size: int, limit: int) -> list[list[Item]]:
    """Up to ``limit`` sets of 2..``max_size`` items whose open amounts add up to ``amount``.

    Pairs come from a table of amounts; larger sets from pairs of pairs and triples, so a
    payer with 40 open items costs thousands of sums, not millions.
    """
    usable = [i for i in items if 0 < i.open_amount < amount]
    found: list[list[Item]] = []
    seen: set[frozenset[int]] = set()

    def add(group: Iterable[Item]) -> bool:
        chosen = sorted(group, key=lambda i: (i.due_date, i.invoice_id))
        key = frozenset(i.invoice_id for i in chosen)
        if len(key) == len(chosen) and key not in seen:
            seen.add(key)
            found.append(chosen)
        return len(found) >= limit

    pairs: dict[int, list[tuple[Item, Item]]] = {}
    for a, b in combinations(usable, 2):
        pairs.setdefault(a.open_amount + b.open_amount, []).append((a, b))
    for pair in pairs.get(amount, []):
        if add(pair):
            return found
    if max_size >= 3:
        for a, b, c in combinations(usable, 3) if len(usable) <= 25 else ():
            if a.open_amount + b.open_amount + c.open_amount == amount and add((a, b, c)):
                return found
    if max_size >= 4:
        for total, pair_list in pairs.items():
            for first in pair_list:
                for second in pairs.get(amount - total, []):
                    if len({first[0].invoice_id, first[1].invoice_id, second[0].invoice_id, second[1].invoice_id}) == 4 and add(
                        (*first, *second)
                    ):
                        return found
    return found
