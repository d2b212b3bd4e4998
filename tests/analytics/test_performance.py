"""Collector performance on a hand-built week: every figure counted by hand first.

The week is Monday 2 to Sunday 8 November 2026, in Berlin. Ana (1) holds customers 10 and 11,
Ben (2) holds 20; customer 30 is in nobody's portfolio.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.analytics.performance import (
    CALLS_SCHEMA,
    DISPUTES_SCHEMA,
    PORTFOLIO_SCHEMA,
    PROMISES_SCHEMA,
    Activity,
    performance,
)
from tests.analytics.builders import alloc, customer, inv, ledger, pay

D = dt.date
ANA, BEN = 1, 2
MON, SUN = D(2026, 11, 2), D(2026, 11, 8)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def rows(data: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(data, schema=schema) if data else pl.DataFrame(schema=schema)


def week() -> Activity:
    calls = [
        {"user_id": ANA, "at": at(2, 9), "right_party": True},
        {"user_id": ANA, "at": at(2, 10), "right_party": False},
        # 23:30 UTC on Monday is 00:30 on Tuesday in Berlin: a Tuesday call.
        {"user_id": ANA, "at": at(2, 23, 30), "right_party": True},
        {"user_id": ANA, "at": at(4, 8), "right_party": True},
        {"user_id": BEN, "at": at(5, 9), "right_party": False},
        {"user_id": BEN, "at": at(5, 10), "right_party": False},
        {"user_id": BEN, "at": at(6, 11), "right_party": True},
        {"user_id": ANA, "at": at(9, 9), "right_party": True},  # the next Monday: outside the week
    ]
    promises = [
        {"user_id": ANA, "made_at": at(2, 9), "status": "kept", "resolved_on": D(2026, 11, 5)},
        {"user_id": ANA, "made_at": at(3, 9), "status": "broken", "resolved_on": D(2026, 11, 7)},
        {"user_id": ANA, "made_at": at(4, 8), "status": "open", "resolved_on": None},
        # Made before the week, judged kept on its Monday.
        {"user_id": ANA, "made_at": at(20, 9, month=10), "status": "kept", "resolved_on": MON},
        {"user_id": BEN, "made_at": at(6, 11), "status": "partially_kept", "resolved_on": SUN},
    ]
    disputes = [
        {"customer_id": 10, "opened_on": MON, "resolved_on": D(2026, 11, 4)},
        {"customer_id": 20, "opened_on": D(2026, 11, 3), "resolved_on": None},
        {"customer_id": 11, "opened_on": D(2026, 10, 1), "resolved_on": D(2026, 11, 6)},
    ]
    books = ledger(
        [
            inv(1, 100_00, D(2026, 10, 3), customer_id=10),
            inv(2, 50_00, D(2026, 10, 5), customer_id=11, currency="EUR"),
            inv(3, 200_00, D(2026, 9, 7), customer_id=20),
            inv(4, 9_99, D(2026, 10, 1), customer_id=30),
            inv(5, 10_00, D(2026, 10, 1), customer_id=10),
        ],
        [
            alloc(1, 100_00, D(2026, 11, 3), payment_id=1),
            alloc(2, 50_00, D(2026, 11, 5), payment_id=2),
            alloc(3, 200_00, D(2026, 11, 6), payment_id=3),
            alloc(4, 9_99, MON, payment_id=4),
            alloc(5, 10_00, D(2026, 10, 30), payment_id=5),
        ],
        [
            pay(1, 100_00, D(2026, 11, 3), customer_id=10),
            pay(2, 50_00, D(2026, 11, 5), customer_id=11, currency="EUR"),
            pay(3, 200_00, D(2026, 11, 6), customer_id=20),
            pay(4, 9_99, MON, customer_id=30),
            pay(5, 10_00, D(2026, 10, 30), customer_id=10),  # the Friday before: outside the week
        ],
        customers=[customer(10), customer(11, "EUR"), customer(20), customer(30)],
        fx=[("EUR", D(2026, 10, 1), 1_100_000_000)],
    )
    portfolio = [{"customer_id": 10, "collector_id": ANA}, {"customer_id": 11, "collector_id": ANA}]
    portfolio += [{"customer_id": 20, "collector_id": BEN}, {"customer_id": 30, "collector_id": None}]
    return Activity(
        calls=rows(calls, CALLS_SCHEMA),
        promises=rows(promises, PROMISES_SCHEMA),
        disputes=rows(disputes, DISPUTES_SCHEMA),
        portfolio=rows(portfolio, PORTFOLIO_SCHEMA),
        ledger=books,
        zone="Europe/Berlin",
    )


def by_collector(frame: pl.DataFrame) -> dict[int, dict[str, Any]]:
    return {r["collector_id"]: r for r in frame.iter_rows(named=True)}


def test_the_week_in_figures_equals_the_hand_count() -> None:
    figures = by_collector(performance(week(), collectors=[ANA, BEN], start=MON, end=SUN, period="week"))
    ana, ben = figures[ANA], figures[BEN]
    assert ana["period"] == MON
    assert (ana["calls"], ana["right_party_contacts"], ana["right_party_rate"]) == (4, 3, 0.75)
    assert (ana["promises_made"], ana["promises_judged"], ana["promises_kept"]) == (3, 3, 2)
    assert ana["kept_rate"] == pytest.approx(2 / 3)
    # 100.00 USD + 50.00 EUR at 1.10 = 155.00 USD; 31 days for each of the two invoices.
    assert (ana["cash_collected"], ana["avg_days_to_collect"]) == (155_00, 31.0)
    assert (ana["disputes_opened"], ana["disputes_resolved"]) == (1, 2)

    assert (ben["calls"], ben["right_party_contacts"], ben["right_party_rate"]) == (3, 1, pytest.approx(1 / 3))
    # A partially kept promise is judged but not kept.
    assert (ben["promises_made"], ben["promises_judged"], ben["promises_kept"], ben["kept_rate"]) == (1, 1, 0, 0.0)
    assert (ben["cash_collected"], ben["avg_days_to_collect"]) == (200_00, 60.0)
    assert (ben["disputes_opened"], ben["disputes_resolved"]) == (1, 0)


def test_by_day_each_day_has_its_own_figures() -> None:
    daily = performance(week(), collectors=[ANA, BEN], start=MON, end=SUN, period="day")
    assert daily.height == 14  # two collectors, seven days, idle days included
    ana = {r["period"]: r for r in daily.filter(pl.col("collector_id") == ANA).iter_rows(named=True)}
    assert [ana[MON + dt.timedelta(days=i)]["calls"] for i in range(7)] == [2, 1, 1, 0, 0, 0, 0]
    assert ana[MON]["promises_kept"] == 1 and ana[MON]["disputes_opened"] == 1
    assert ana[D(2026, 11, 3)]["cash_collected"] == 100_00
    assert ana[D(2026, 11, 5)]["cash_collected"] == 55_00
    assert ana[D(2026, 11, 4)]["right_party_rate"] == 1.0
    assert ana[D(2026, 11, 6)]["right_party_rate"] is None  # nothing to divide: no call that Friday
    assert ana[D(2026, 11, 6)]["kept_rate"] is None


def test_whole_range_equals_the_week() -> None:
    whole = performance(week(), collectors=[ANA, BEN], start=MON, end=SUN, period="all")
    weekly = performance(week(), collectors=[ANA, BEN], start=MON, end=SUN, period="week")
    assert whole.drop("period").equals(weekly.drop("period"))


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        performance(week(), collectors=[ANA], start=SUN, end=MON, period="day")


calls_strategy = st.lists(st.tuples(st.sampled_from([ANA, BEN]), st.integers(0, 60 * 24 * 20), st.booleans()), max_size=40)


@settings(max_examples=40, deadline=None)
@given(calls=calls_strategy)
def test_days_add_up_to_weeks_and_rates_stay_between_0_and_1(calls: list[tuple[int, int, bool]]) -> None:
    base = week()
    frame = rows(
        [{"user_id": u, "at": at(1, 0, month=11) + dt.timedelta(minutes=m), "right_party": r} for u, m, r in calls],
        CALLS_SCHEMA,
    )
    activity = Activity(frame, base.promises, base.disputes, base.portfolio, base.ledger, zone="Europe/Berlin")
    start, end = MON, D(2026, 11, 15)
    daily = performance(activity, collectors=[ANA, BEN], start=start, end=end, period="day")
    weekly = performance(activity, collectors=[ANA, BEN], start=start, end=end, period="week")
    summed = daily.group_by("collector_id", pl.col("period").dt.truncate("1w")).agg(pl.col("calls", "right_party_contacts").sum())
    joined = weekly.join(summed, on=["collector_id", "period"], suffix="_daily")
    assert joined.height == weekly.height == 4
    assert joined["calls"].to_list() == joined["calls_daily"].to_list()
    assert joined["right_party_contacts"].to_list() == joined["right_party_contacts_daily"].to_list()
    rates = weekly["right_party_rate"].drop_nulls()
    assert ((rates >= 0) & (rates <= 1)).all()
