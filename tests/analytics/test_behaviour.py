"""Behaviour features: a worked example and the leakage rule (nothing after as_of counts)."""

from __future__ import annotations

import pytest

from recoup.analytics import behaviour_features
from recoup.analytics.behaviour import FEATURES

from .builders import D, alloc, customer, inv, ledger, pay

AS_OF = D(2024, 6, 30)


def example(extra_allocations=(), extra_invoices=()):
    return ledger(
        [
            inv(1, 100, D(2024, 1, 1), D(2024, 1, 31)),  # settled Feb 10: 10 days late, 40 days to pay
            inv(2, 200, D(2024, 2, 1), D(2024, 3, 2)),  # settled Mar 12 in two parts: 10 late, 40 to pay
            inv(3, 300, D(2024, 3, 1), D(2024, 3, 31)),  # settled Apr 30: 30 late, 60 to pay
            inv(4, 400, D(2024, 5, 1), D(2024, 5, 31)),  # open, 30 days overdue
            inv(5, 50, D(2024, 6, 15), D(2024, 7, 15)),  # open, not due
            *extra_invoices,
        ],
        [
            alloc(1, 100, D(2024, 2, 10), payment_id=10),
            alloc(2, 100, D(2024, 3, 1), payment_id=11),
            alloc(2, 100, D(2024, 3, 12), payment_id=12),
            alloc(3, 300, D(2024, 4, 30), payment_id=13),
            *extra_allocations,
        ],
        [pay(i, 1000, D(2024, 1, 1)) for i in (10, 11, 12, 13, 14)],
        customers=[customer(1), customer(2)],
    )


def test_worked_example() -> None:
    out = behaviour_features(example(), AS_OF)
    assert out.columns == list(FEATURES)
    row = out.row(0, named=True)
    assert row["invoices_paid"] == 3
    assert row["avg_days_late"] == pytest.approx(50 / 3)
    assert row["share_paid_late"] == 1.0
    assert row["avg_days_to_pay"] == pytest.approx(140 / 3)
    assert row["partial_payment_share"] == pytest.approx(1 / 3)
    assert (row["open_amount"], row["overdue_amount"], row["largest_overdue_age"]) == (450, 400, 30)
    # Settled 141, 110 and 61 days before as_of; weights 0.5^(age/90).
    ages, late = [141, 110, 61], [10, 10, 30]
    weights = [0.5 ** (a / 90) for a in ages]
    assert row["weighted_recent_days_late"] == pytest.approx(
        sum(w * y for w, y in zip(weights, late, strict=True)) / sum(weights)
    )
    # Least squares of days late on settlement day (x = −age): slope per day × 30.
    xs = [-a for a in ages]
    mx, my = sum(xs) / 3, sum(late) / 3
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, late, strict=True)) / sum((x - mx) ** 2 for x in xs)
    assert row["days_late_trend"] == pytest.approx(slope * 30)
    assert (row["promise_count"], row["broken_promise_count"], row["dispute_count"]) == (0, 0, 0)
    # A customer with no history still gets a row: counts 0, averages null.
    empty = out.row(1, named=True)
    assert empty["invoices_paid"] == 0 and empty["avg_days_late"] is None and empty["days_late_trend"] is None


def test_trend_needs_three_points() -> None:
    led = ledger(
        [inv(1, 100, D(2024, 1, 1), D(2024, 1, 31)), inv(2, 100, D(2024, 2, 1), D(2024, 2, 28))],
        [alloc(1, 100, D(2024, 2, 5), payment_id=1), alloc(2, 100, D(2024, 3, 20), payment_id=1)],
        [pay(1, 200, D(2024, 2, 5))],
    )
    assert behaviour_features(led, AS_OF)["days_late_trend"].to_list() == [None]


def test_allocations_after_as_of_change_nothing() -> None:
    before = behaviour_features(example(), AS_OF)
    later = example(
        extra_allocations=[alloc(4, 400, D(2024, 7, 5), payment_id=14), alloc(5, 50, D(2024, 7, 1), payment_id=14)],
        extra_invoices=[inv(6, 999, D(2024, 7, 1), D(2024, 7, 2))],
    )
    assert behaviour_features(later, AS_OF).equals(before)
    # ... while as of a later date they do count.
    assert behaviour_features(later, D(2024, 7, 31)).row(0, named=True)["invoices_paid"] == 5


def test_mixed_currencies_need_home() -> None:
    led = ledger([inv(1, 100, D(2024, 1, 1), currency="EUR")], customers=[customer(1)], fx=[("EUR", D(2024, 1, 1), 2 * 10**9)])
    with pytest.raises(ValueError, match="home=True"):
        behaviour_features(led, AS_OF)
    assert behaviour_features(led, AS_OF, home=True)["open_amount"].to_list() == [200]
