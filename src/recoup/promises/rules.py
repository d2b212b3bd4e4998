"""Judging promises to pay (DESIGN §4) and offers within a role's limits (C10). Pure: no Django."""

from __future__ import annotations

import datetime as dt
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
