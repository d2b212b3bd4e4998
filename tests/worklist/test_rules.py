"""Valuation, exclusions, objectives and strategy validation, on hand-computed examples."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.worklist.listing import rank
from recoup.worklist.rules import (
    Escalation,
    Exclusions,
    RuleSpec,
    StrategyError,
    StrategySpec,
    choose_objective,
    parse_strategy,
    strategy_to_data,
    valuate,
)

from .builders import customer, customers_frame, item, items_frame

AS_OF = dt.date(2026, 11, 23)  # a Monday
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)

SPEC = StrategySpec(
    rules=(
        RuleSpec("overdue_amount", 60, {"min_amount": 1_000_000, "min_days": 3}),
        RuleSpec("promise_broken", 80, {"within_days": 7}),
        RuleSpec("no_contact", 20, {"days": 10}),
        RuleSpec("risk", 40, {"min_probability": 0.5}),
        RuleSpec("preventive", 15, {"within_days": 5, "min_late": 2}),
        RuleSpec("credit_limit", 40, {}),
    ),
    exclusions=Exclusions(contacted_within_days=3),
)


def days(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def test_points_are_the_sum_of_the_rules_that_fired() -> None:
    items = items_frame(
        [
            # A: 12,000.00 overdue 10 days (+60); low risk; never reached while overdue (+20) → 80
            item(1, "A-1", 1_200_000, days(-10), p_30=0.2),
            # B: 9,000.00 overdue 10 days: under the amount; risky (+40); never reached (+20) → 60
            item(2, "B-1", 900_000, days(-10), p_30=0.7),
            # C: overdue only 2 days, 20,000.00: the amount rule needs 3 days; reached yesterday; broken promise 3 days ago (+80)
            item(3, "C-1", 2_000_000, days(-2), p_30=0.1),
            # D: nothing overdue, due in 4 days, 3 late payments last year (+15), over its limit (+40) → 55
            item(4, "D-1", 500_000, days(4), p_30=0.1),
        ]
    )
    customers = customers_frame(
        [
            customer(1),
            customer(2),
            customer(3, last_reached_at=NOW - dt.timedelta(days=5), last_broken_on=days(-3), broken_promises=1),
            customer(4, late_paid_last_year=3, credit_limit_home=400_000),
        ]
    )
    out = valuate(items, customers, SPEC, as_of=AS_OF, now=NOW).sort("customer_id")
    assert out["points"].to_list() == [80, 60, 80, 55]
    kinds = [[SPEC.rules[i].kind for i in fired] for fired in out["fired"].to_list()]
    assert kinds == [
        ["overdue_amount", "no_contact"],
        ["no_contact", "risk"],
        ["promise_broken"],
        ["preventive", "credit_limit"],
    ]


def test_ties_are_broken_by_cash_at_risk() -> None:
    items = items_frame(
        [
            # Same points (overdue 60 + no contact 20); cash at risk 1,500,000 × 0.9 vs 2,000,000 × 0.5.
            item(1, "X-1", 1_500_000, days(-20), p_30=0.45),
            item(2, "Y-1", 2_000_000, days(-20), p_30=0.3),
            # Unpredicted items count in full: 1,100,000 at risk.
            item(3, "Z-1", 1_100_000, days(-20)),
        ]
    )
    spec = StrategySpec(rules=SPEC.rules[:1] + SPEC.rules[2:3])
    out = valuate(items, customers_frame([customer(1), customer(2), customer(3)]), spec, as_of=AS_OF, now=NOW)
    out = out.with_columns(customer_ref=pl.col("customer_id").cast(pl.String))
    ranked = rank(out)
    assert ranked["points"].to_list() == [80, 80, 80]
    assert ranked["cash_at_risk"].to_list() == [1_100_000, 675_000, 600_000]
    assert ranked["customer_id"].to_list() == [3, 1, 2]


def test_disputed_items_do_not_count_and_all_disputed_excludes() -> None:
    items = items_frame(
        [
            item(1, "A-1", 5_000_000, days(-30), disputed=True),
            item(1, "A-2", 200_000, days(-30)),
            item(2, "B-1", 5_000_000, days(-30), disputed=True),
        ]
    )
    out = valuate(items, customers_frame([customer(1), customer(2)]), SPEC, as_of=AS_OF, now=NOW).sort("customer_id")
    assert out["overdue_home"].to_list() == [200_000, 0]
    assert out["exclusion"].to_list() == [None, "all_disputed"]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"status": "on_hold"}, "on_hold"),
        ({"open_promise_date": days(2)}, "open_promise"),
        ({"open_promise_date": AS_OF}, None),  # due today: call to confirm, not excluded
        ({"last_reached_at": NOW - dt.timedelta(days=2)}, "recently_contacted"),
        ({"last_reached_at": NOW - dt.timedelta(days=3)}, None),
        ({"last_attempt_at": NOW - dt.timedelta(hours=3)}, "cadence"),
        ({"do_not_call": True}, "do_not_call"),
    ],
)
def test_exclusions(facts: dict, expected: str | None) -> None:
    items = items_frame([item(1, "A-1", 2_000_000, days(-30))])
    out = valuate(items, customers_frame([customer(1, **facts)]), SPEC, as_of=AS_OF, now=NOW)
    assert out["exclusion"][0] == expected


def test_consumer_seven_calls_in_seven_days() -> None:
    items = items_frame([item(1, "A-1", 2_000_000, days(-30)), item(2, "B-1", 2_000_000, days(-30))])
    spec = StrategySpec(rules=SPEC.rules, exclusions=Exclusions(contacted_within_days=0), attempt_spacing_days=0)
    rows = [
        customer(1, is_consumer=True, calls_last_7_days=7),
        customer(2, is_consumer=True, calls_last_7_days=6),
    ]
    out = valuate(items, customers_frame(rows), spec, as_of=AS_OF, now=NOW).sort("customer_id")
    assert out["exclusion"].to_list() == ["consumer_7_in_7", None]
    # The same seven calls do not hold back a business customer.
    business = valuate(items, customers_frame([customer(1, calls_last_7_days=7)]), spec, as_of=AS_OF, now=NOW)
    assert business["exclusion"][0] is None


def test_consumer_not_within_seven_days_after_a_conversation() -> None:
    items = items_frame([item(1, "A-1", 2_000_000, days(-30))])
    spec = StrategySpec(rules=SPEC.rules, exclusions=Exclusions(contacted_within_days=0), attempt_spacing_days=0)
    for ago, expected in ((dt.timedelta(days=6, hours=23), "consumer_conversation"), (dt.timedelta(days=7, hours=1), None)):
        rows = [customer(1, is_consumer=True, last_conversation_at=NOW - ago, last_reached_at=NOW - ago)]
        out = valuate(items, customers_frame(rows), spec, as_of=AS_OF, now=NOW)
        assert out["exclusion"][0] == expected, ago


def test_escalation_by_dispute_amount_or_second_broken_promise() -> None:
    items = items_frame([item(i, f"I-{i}", 2_000_000, days(-30)) for i in (1, 2, 3)])
    rows = [customer(1, open_dispute_home=6_000_000), customer(2, broken_promises=2), customer(3, broken_promises=1)]
    spec = StrategySpec(rules=SPEC.rules, escalation=Escalation(dispute_amount_over=5_000_000, broken_promises=2))
    out = valuate(items, customers_frame(rows), spec, as_of=AS_OF, now=NOW).sort("customer_id")
    assert out["escalated"].to_list() == [True, True, False]


def test_objective_follows_the_situation() -> None:
    assert choose_objective({"promise_broken", "overdue_amount"}, overdue=True, disputed=False) == "broken_promise"
    assert choose_objective({"instalment_due"}, overdue=True, disputed=False) == "plan_instalment"
    assert choose_objective({"promise_due_today"}, overdue=False, disputed=False) == "promise_due"
    assert choose_objective({"overdue_amount"}, overdue=True, disputed=True) == "dispute_blocker"
    assert choose_objective({"overdue_amount"}, overdue=True, disputed=False) == "secure_date"
    assert choose_objective({"preventive"}, overdue=False, disputed=False) == "preventive"


def test_parse_strategy_reports_every_problem_with_its_path() -> None:
    with pytest.raises(StrategyError) as err:
        parse_strategy(
            {
                "rules": [
                    {"kind": "overdue_amount", "points": 60, "params": {"min_amount": -5, "min_days": "three"}},
                    {"kind": "telepathy", "points": 10},
                    {"kind": "risk", "points": 10, "params": {"min_probability": 1.5, "colour": 1}},
                ],
                "hours": {"start": "18:00", "end": "09:00"},
                "exclusions": {"contacted_within_days": -1, "open_promise": "yes"},
            }
        )
    paths = {path for path, _ in err.value.problems}
    assert paths == {
        "rules[0].params.min_amount",
        "rules[0].params.min_days",
        "rules[1].kind",
        "rules[2].params.min_probability",
        "rules[2].params.colour",
        "hours",
        "exclusions.contacted_within_days",
        "exclusions.open_promise",
    }


rule_specs = st.sampled_from(
    [
        {"kind": "overdue_amount", "points": 60, "params": {"min_amount": 1000, "min_days": 3}},
        {"kind": "risk", "points": 40, "params": {"min_probability": 0.25}},
        {"kind": "promise_due_today", "points": 50},
        {"kind": "preventive", "points": 15, "params": {"within_days": 5, "min_late": 2}},
    ]
)


@given(rules=st.lists(rule_specs, max_size=4), spacing=st.integers(0, 30), contacted=st.integers(0, 365))
def test_strategy_data_round_trips(rules: list, spacing: int, contacted: int) -> None:
    spec = parse_strategy({"rules": rules, "attempt_spacing_days": spacing, "exclusions": {"contacted_within_days": contacted}})
    assert parse_strategy(strategy_to_data(spec)) == spec


@given(
    amounts=st.lists(st.integers(1, 10**9), min_size=1, max_size=6),
    ages=st.lists(st.integers(-20, 400), min_size=6, max_size=6),
)
def test_points_never_exceed_the_sum_of_all_rules(amounts: list[int], ages: list[int]) -> None:
    items = items_frame([item(1, f"R-{i}", a, days(-ages[i])) for i, a in enumerate(amounts)])
    out = valuate(items, customers_frame([customer(1)]), SPEC, as_of=AS_OF, now=NOW)
    fired = out["fired"][0].to_list()
    assert out["points"][0] == sum(SPEC.rules[i].points for i in fired)
    assert 0 <= out["points"][0] <= sum(r.points for r in SPEC.rules)
    overdue = sum(a for i, a in enumerate(amounts) if ages[i] > 0)
    assert out["overdue_home"][0] == overdue
