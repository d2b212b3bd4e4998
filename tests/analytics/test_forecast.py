"""The cash forecast on hand-built ledgers: weekly sums counted by hand, promises replacing part of
an item, FX at the as-of rate, and nothing from after the as-of date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.analytics.forecast import COMMITMENTS_SCHEMA, PROMISE_HISTORY_SCHEMA, forecast, pay_chances
from recoup.analytics.forecast_accuracy import actual_by_week, bias, due_date_baseline, wape
from recoup.analytics.frames import Ledger

from .builders import alloc, frame, inv, ledger, pay
from .test_properties import ledgers

AS_OF = dt.date(2025, 6, 30)
DAY = dt.timedelta(days=1)


def history(customer_id: int = 1, first_id: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Ten invoices of the customer, due 2025-01-31 and paid 0, 1, …, 9 days late."""
    due = dt.date(2025, 1, 31)
    invoices = [inv(first_id + k, 500, dt.date(2025, 1, 1), due, customer_id=customer_id) for k in range(10)]
    payments = [pay(first_id + k, 500, due + k * DAY, customer_id=customer_id) for k in range(10)]
    allocations = [alloc(first_id + k, 500, due + k * DAY, payment_id=first_id + k) for k in range(10)]
    return invoices, payments, allocations


def expected(result: Any, weeks: int = 2) -> list[int]:
    return [w.expected for w in result.weeks[:weeks]]


def test_an_item_not_yet_due_spreads_over_the_customers_days_late() -> None:
    invoices, payments, allocations = history()
    # Due in 3 days: the ten points are 3 + (0 … 9) days away, five in each of the first two weeks.
    book = ledger([*invoices, inv(100, 1000, AS_OF - 20 * DAY, AS_OF + 3 * DAY)], allocations, payments)
    result = forecast(book, AS_OF, weeks=3)
    assert expected(result, 3) == [500, 500, 0]
    assert result.weeks[0].start == AS_OF + DAY
    # sd = √(1000² · ½ · ½) = 500; ±1.2816 sd, the low end at 0.
    assert (result.weeks[0].low, result.weeks[0].high) == (0, 1141)
    assert result.open_total == 1000
    assert result.days.filter(pl.col("day") == AS_OF + 3 * DAY)["expected"].item() == 100


def test_an_overdue_item_follows_only_the_later_payments() -> None:
    invoices, payments, allocations = history()
    # 4 days late: the customer's payments later than that were 5 … 9 days late, 1 … 5 days from now.
    book = ledger([*invoices, inv(100, 1000, AS_OF - 40 * DAY, AS_OF - 4 * DAY)], allocations, payments)
    assert expected(forecast(book, AS_OF)) == [1000, 0]


def test_an_item_later_than_anything_ever_paid_is_not_expected() -> None:
    invoices, payments, allocations = history()
    book = ledger([*invoices, inv(100, 1000, AS_OF - 60 * DAY, AS_OF - 30 * DAY)], allocations, payments)
    result = forecast(book, AS_OF)
    assert expected(result) == [0, 0]
    assert result.open_total == 1000


def test_a_promise_replaces_its_kept_share() -> None:
    invoices, payments, allocations = history()
    book = ledger([*invoices, inv(100, 1000, AS_OF - 20 * DAY, AS_OF + 3 * DAY)], allocations, payments)
    # Customer 1 kept one promise of two, customer 2 both: the ledger's rate is 3/4, and
    # customer 1's (1 + 2 × 3/4) / (2 + 2) = 0.625.
    judged = frame(
        [
            {"customer_id": 1, "amount": 100, "kept_amount": 100, "resolved_on": AS_OF - 50 * DAY},
            {"customer_id": 1, "amount": 100, "kept_amount": 0, "resolved_on": AS_OF - 40 * DAY},
            {"customer_id": 2, "amount": 100, "kept_amount": 100, "resolved_on": AS_OF - 40 * DAY},
            {"customer_id": 2, "amount": 100, "kept_amount": 100, "resolved_on": AS_OF - 30 * DAY},
            # Judged after the as-of date: not known yet.
            {"customer_id": 1, "amount": 100, "kept_amount": 0, "resolved_on": AS_OF + DAY},
        ],
        PROMISE_HISTORY_SCHEMA,
    )
    promise = frame(
        [{"commitment_id": "p1", "customer_id": 1, "invoice_id": 100, "amount": 800, "on": AS_OF + 10 * DAY}],
        COMMITMENTS_SCHEMA,
    )
    result = forecast(book, AS_OF, commitments=promise, promise_history=judged)
    # 800 × 0.625 = 500 on day 10 (week 2); the other 500 as before, 50 a point.
    assert expected(result) == [250, 750]


def test_a_promise_naming_no_invoice_covers_the_oldest_first_and_never_more_than_is_open() -> None:
    invoices, payments, allocations = history()
    items = [inv(100, 300, AS_OF - 20 * DAY, AS_OF + 3 * DAY), inv(101, 1000, AS_OF - 10 * DAY, AS_OF + 4 * DAY)]
    book = ledger([*invoices, *items], allocations, payments)
    promise = frame(
        [{"commitment_id": "p1", "customer_id": 1, "invoice_id": None, "amount": 5000, "on": AS_OF + 20 * DAY}],
        COMMITMENTS_SCHEMA,
    )
    result = forecast(book, AS_OF, commitments=promise)
    # No promise history: kept at 0.5; 1300 promised, 650 of it expected in week 3.
    assert result.weeks[2].expected == 650
    assert sum(w.expected for w in result.weeks) == 1300


def test_foreign_items_are_converted_at_the_as_of_rate() -> None:
    invoices, payments, allocations = history()
    book = ledger(
        [*invoices, inv(100, 1000, AS_OF - 20 * DAY, AS_OF + 3 * DAY, currency="EUR")],
        allocations,
        payments,
        fx=[("EUR", AS_OF - 100 * DAY, 1_000_000_000), ("EUR", AS_OF - DAY, 1_100_000_000), ("EUR", AS_OF + DAY, 2 * 10**9)],
    )
    result = forecast(book, AS_OF)
    assert result.currency == "USD"
    assert expected(result) == [550, 550]


def test_nothing_after_the_as_of_date_counts() -> None:
    invoices, payments, allocations = history()
    later = [inv(200, 7000, AS_OF + DAY, AS_OF + 5 * DAY)]
    book = ledger(
        [*invoices, inv(100, 1000, AS_OF - 20 * DAY, AS_OF + 3 * DAY), *later],
        [*allocations, alloc(100, 400, AS_OF + 2 * DAY, payment_id=50)],
        [*payments, pay(50, 400, AS_OF + 2 * DAY)],
    )
    assert expected(forecast(book, AS_OF)) == [500, 500]
    # What came: the 400 applied on day 2; the baseline puts the item on its due date.
    assert actual_by_week(book, AS_OF, 2) == [400, 0]
    assert due_date_baseline(book, AS_OF, 2) == [1000, 0]


def test_the_baseline_puts_overdue_items_at_the_customers_average_lateness() -> None:
    invoices, payments, allocations = history()
    # The customer is 4.5 days late on average; 20 days overdue is already past that → day 1.
    book = ledger(
        [*invoices, inv(100, 1000, AS_OF - 60 * DAY, AS_OF - 20 * DAY), inv(101, 70, AS_OF - 9 * DAY, AS_OF + 8 * DAY)],
        allocations,
        payments,
    )
    assert due_date_baseline(book, AS_OF, 3) == [1000, 70, 0]


def test_the_chance_of_being_paid_counts_the_items_still_open() -> None:
    # Paid 0 and 10 days late; open 5 and 20 days late. At 0: 4 at risk, 1 paid → S = 3/4;
    # at 10: 2 at risk (the one paid at 10, the one open at 20), 1 paid → S = 3/8.
    chances = pay_chances(np.array([0, 10]), np.array([5, 20]), np.array([-1, 5, 20]))
    assert chances.tolist() == pytest.approx([1 - 3 / 8, 1 - (3 / 8) / (3 / 4), 0.0])


def test_an_item_whose_like_often_stay_unpaid_is_expected_in_part() -> None:
    invoices, payments, allocations = history()
    # Ten paid 0–9 days late; besides the item (4 days late), two items open 30 days late:
    # after day 4 the survival falls by 6/7, 5/6, 4/5, 3/4, 2/3 (the two still open stay at
    # risk throughout) to 2/7 of what it was: the item is expected at 5/7, 500 of its 700.
    items = [inv(100, 700, AS_OF - 40 * DAY, AS_OF - 4 * DAY), inv(101, 10, AS_OF - 60 * DAY, AS_OF - 30 * DAY)]
    items.append(inv(102, 10, AS_OF - 60 * DAY, AS_OF - 30 * DAY))
    book = ledger([*invoices, *items], allocations, payments)
    assert expected(forecast(book, AS_OF)) == [500, 0]


def test_wape_and_bias() -> None:
    assert wape([120, 80], [100, 100]) == 0.2
    assert bias([120, 100], [100, 100]) == 0.1
    assert wape([1], [0]) is None


@settings(max_examples=60, deadline=None)
@given(book=ledgers(), offset=st.integers(0, 260))
def test_weekly_sums_stay_within_what_is_open_and_inside_the_band(book: Ledger, offset: int) -> None:
    as_of = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
    result = forecast(book, as_of)
    assert sum(w.expected for w in result.weeks) <= result.open_total
    assert int(result.days["expected"].sum()) == sum(w.expected for w in result.weeks)
    for week in result.weeks:
        assert 0 <= week.low <= week.expected <= week.high
