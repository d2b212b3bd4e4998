"""Promises judged on date plus tolerance; offers within a role's limits or sent for approval."""

from __future__ import annotations

import datetime as dt

from recoup.promises.rules import OfferLimits, judge, judge_offer


def test_offer_limits() -> None:
    collector = OfferLimits(max_discount_percent=2, max_instalments=3)
    assert judge_offer(collector, instalments=3) == "allowed"
    assert judge_offer(collector, instalments=4) == "needs_approval"
    assert judge_offer(collector, discount_percent=2) == "allowed"
    assert judge_offer(collector, discount_percent=5) == "needs_approval"
    assert judge_offer(collector, instalments=25) == "refused"
    assert judge_offer(collector, discount_percent=-1) == "refused"


def test_promises_are_judged_on_date_plus_tolerance() -> None:
    promised = dt.date(2026, 12, 4)
    kwargs = {"promised": 10_000, "promised_date": promised, "tolerance_days": 3}
    assert judge(paid=0, as_of=dt.date(2026, 12, 6), **kwargs) == "open"
    assert judge(paid=10_000, as_of=dt.date(2026, 12, 1), **kwargs) == "kept"  # paid early
    assert judge(paid=0, as_of=dt.date(2026, 12, 7), **kwargs) == "broken"
    assert judge(paid=2_500, as_of=dt.date(2026, 12, 7), **kwargs) == "partially_kept"
    assert judge(paid=12_000, as_of=dt.date(2026, 12, 9), **kwargs) == "kept"
