"""Judging promises to pay (DESIGN §4), offers within a role's limits and early-payment discounts (C10). Pure: no Django."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["open", "kept", "partially_kept", "broken"]


def judge(*, promised: int, paid: int, promised_date: dt.date, tolerance_days: int, as_of: dt.date) -> Verdict:
    """On promised date + tolerance days: paid ≥ promised → kept; some → partially kept; none → broken.

    ``paid`` is what was allocated to the promised invoices since the promise was made. Before
    the judgement day a promise fully paid already counts as kept; otherwise it stays open.
    """
    if promised <= 0:
        raise ValueError("a promise is for a positive amount")
    if paid >= promised:
        return "kept"
    if as_of < promised_date + dt.timedelta(days=tolerance_days):
        return "open"
    return "partially_kept" if paid > 0 else "broken"


@dataclass(frozen=True, slots=True)
class OfferLimits:
    """What a role may grant without approval: early-payment discount and plan length."""

    max_discount_percent: int
    max_instalments: int


OfferVerdict = Literal["allowed", "needs_approval", "refused"]


def judge_offer(
    limits: OfferLimits, *, discount_percent: int = 0, instalments: int = 0, hard_max_instalments: int = 24
) -> OfferVerdict:
    """Within the caller's limits → allowed; above them → a senior must approve; nonsense → refused."""
    if discount_percent < 0 or instalments < 0 or discount_percent >= 100 or instalments > hard_max_instalments:
        return "refused"
    if discount_percent <= limits.max_discount_percent and instalments <= limits.max_instalments:
        return "allowed"
    return "needs_approval"


BASIS_POINTS = 10_000


def judge_discount(limits: OfferLimits, *, discount_bp: int) -> OfferVerdict:
    """A discount in basis points against the role's limit in percent: 250 bp = 2.5 %."""
    if not 0 < discount_bp < BASIS_POINTS:
        return "refused"
    return "allowed" if discount_bp <= limits.max_discount_percent * 100 else "needs_approval"


def discounted(open_amount: int, discount_bp: int) -> int:
    """What settles ``open_amount`` (minor units) after ``discount_bp``: rounded half up to the
    minor unit, once, on the currency's total (never per item, so the customer pays one round sum)."""
    if open_amount < 0 or not 0 <= discount_bp < BASIS_POINTS:
        raise ValueError(f"cannot discount {open_amount} by {discount_bp} bp")
    return (open_amount * (BASIS_POINTS - discount_bp) * 2 + BASIS_POINTS) // (2 * BASIS_POINTS)


def discount_shares(open_amounts: Sequence[tuple[str, int]], discount_bp: int) -> list[int]:
    """Each item's share of its currency's discount (``open − discounted(total)``), in proportion to
    what it has open; the minor units left by rounding down go to the largest items first. The
    shares of a currency add up to its discount exactly."""
    shares = [0] * len(open_amounts)
    for code in sorted({c for c, _ in open_amounts}):
        mine = [(k, amount) for k, (c, amount) in enumerate(open_amounts) if c == code]
        total = sum(amount for _, amount in mine)
        discount = total - discounted(total, discount_bp)
        for k, amount in mine:
            shares[k] = discount * amount // total if total else 0
        left = discount - sum(shares[k] for k, _ in mine)
        for k, _ in sorted(mine, key=lambda pair: (-pair[1], pair[0]))[:left]:
            shares[k] += 1
    return shares


def within_window(received_on: dt.date, *, offered_on: dt.date, valid_until: dt.date) -> bool:
    """A payment counts for an offer when it arrived from the day of the offer to its last day."""
    return offered_on <= received_on <= valid_until
