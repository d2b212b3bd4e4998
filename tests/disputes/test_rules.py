"""The pure decisions about cases: SLA state, transitions, settlement amounts, write-off limits."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.disputes import rules

D = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("due", "status", "expected"),
    [
        (D + dt.timedelta(days=5), "open", "ok"),
        (D + dt.timedelta(days=2), "open", "due_soon"),
        (D, "in_review", "due_soon"),
        (D - dt.timedelta(days=1), "open", "breached"),
        (D - dt.timedelta(days=1), "resolved", "closed"),
        (None, "open", "none"),
    ],
)
def test_sla_state(due, status, expected) -> None:
    assert rules.sla_state(status=status, sla_due=due, as_of=D, due_soon_days=2) == expected


def test_transitions() -> None:
    rules.check_transition("open", "in_review")
    rules.check_transition("in_review", "open")
    with pytest.raises(rules.CaseRuleBroken, match="resolved cannot become open"):
        rules.check_transition("resolved", "open")


def test_settlement_at_most_the_open_amount_and_the_disputed_amount() -> None:
    opened = {1: 10_000, 2: 5_000}
    refs = {1: "INV-1", 2: "INV-2"}
    assert rules.check_settlement({1: 10_000}, open_amounts=opened, refs=refs, disputed=12_000) == 10_000
    with pytest.raises(rules.CaseRuleBroken, match="INV-1: 10001 is more than the 10000 still open"):
        rules.check_settlement({1: 10_001}, open_amounts=opened, refs=refs, disputed=20_000)
    with pytest.raises(rules.CaseRuleBroken, match="more than the disputed amount 12000"):
        rules.check_settlement({1: 10_000, 2: 3_000}, open_amounts=opened, refs=refs, disputed=12_000)
    with pytest.raises(rules.CaseRuleBroken, match="more than the disputed amount"):
        rules.check_settlement({2: 3_000}, open_amounts=opened, refs=refs, disputed=12_000, already=10_000)
    with pytest.raises(rules.CaseRuleBroken, match="not part of this case"):
        rules.check_settlement({3: 1}, open_amounts=opened, refs=refs, disputed=12_000)
    with pytest.raises(rules.CaseRuleBroken, match="more than zero"):
        rules.check_settlement({1: 0}, open_amounts=opened, refs=refs, disputed=12_000)
    with pytest.raises(rules.CaseRuleBroken, match="at least one"):
        rules.check_settlement({}, open_amounts=opened, refs=refs, disputed=12_000)


def test_write_off_limits() -> None:
    assert rules.judge_write_off(10_000, 10_000) == "allowed"
    assert rules.judge_write_off(10_001, 10_000) == "needs_approval"
    assert rules.judge_write_off(None, 10_000) == "needs_approval"  # no exchange rate: never within a limit
    assert rules.judge_write_off(None, None) == "allowed"  # no limit at all


def test_next_action_and_age_buckets() -> None:
    base = {"has_owner": True, "sla": "ok", "pending_write_off": False, "escalated": False, "stakeholders_invited": False}
    assert rules.next_action(rules.CaseSituation(status="open", **{**base, "has_owner": False})) == "Assign an owner."
    assert "invite" in rules.next_action(rules.CaseSituation(status="open", **base))
    breached = rules.next_action(rules.CaseSituation(status="in_review", **{**base, "sla": "breached", "escalated": True}))
    assert breached.startswith("The SLA has passed and the case was escalated: Decide")
    assert "approve" in rules.next_action(rules.CaseSituation(status="in_review", **{**base, "pending_write_off": True}))
    assert [rules.age_bucket(d) for d in (0, 15, 16, 30, 31, 60, 61, 90, 91, 400)] == [
        "d0_15",
        "d0_15",
        "d16_30",
        "d16_30",
        "d31_60",
        "d31_60",
        "d61_90",
        "d61_90",
        "over_90",
        "over_90",
    ]
