"""Judging promises to pay (DESIGN §4). Pure: no Django."""

from __future__ import annotations

import datetime as dt
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
