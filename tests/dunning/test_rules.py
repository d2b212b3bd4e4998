"""The pure decision of a follow-up run: which step each item has reached, once, latest only."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.dunning.rules import FIRED_COLUMNS, Step, decide, steps_to_fire, validate_steps
from recoup.kernel.calendar import BusinessHours

from .rules_builders import AS_OF, AT, SAMPLE, customer, frames, item

HOURS = {1: BusinessHours()}
STEPS = [Step(key, offset, channel) for key, offset, channel in SAMPLE]


def run(data: dict, *, at: dt.datetime = AT, as_of: dt.date = AS_OF):  # type: ignore[no-untyped-def]
    return decide(data["items"], data["customers"], data["fired"], data["steps"], as_of=as_of, at=at, hours=HOURS)


def fired_steps(decided) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return set(decided.fires.select("invoice_id", "step_key").iter_rows())


def test_a_first_run_gives_each_item_only_the_latest_step_it_has_reached() -> None:
    data = frames([item(1, 11, 20), item(2, 21, 50), item(3, 31, -5)], [customer(1), customer(2), customer(3)])
    decided = run(data)
    # 20 days overdue: the second notice, not the reminder, the overdue notice and the call too.
    # 50 days: only the credit hold. Due in 5 days: nothing yet.
    assert fired_steps(decided) == {(11, "second-notice"), (21, "credit-hold")}


def test_both_steps_at_one_offset_fire_together() -> None:
    decided = run(frames([item(1, 11, 31)], [customer(1)]))
    assert fired_steps(decided) == {(11, "final-notice"), (11, "escalate")}


def test_one_message_per_customer_and_step_lists_all_its_items_with_totals_per_currency() -> None:
    data = frames(
        [item(1, 11, 15, 10000), item(1, 12, 16, 2550), item(1, 13, 17, 700, currency="USD"), item(1, 14, 2)], [customer(1)]
    )
    groups = run(data).groups
    second = groups.filter(pl.col("step_key") == "second-notice").row(0, named=True)
    assert second["invoice_refs"] == ["INV-13", "INV-12", "INV-11"]
    assert dict(zip(second["currencies"], second["totals"], strict=True)) == {"EUR": 12550, "USD": 700}
    assert groups.filter(pl.col("step_key") == "overdue-notice")["invoice_refs"].to_list() == [["INV-14"]]


def test_a_step_already_had_or_overtaken_does_not_fire_again() -> None:
    data = frames([item(1, 11, 20), item(1, 12, 3)], [customer(1)], fired=[(11, "second-notice", 14), (12, "second-notice", 14)])
    # 12 had a later step than the one it has reached (the sequence was edited): nothing.
    assert fired_steps(run(data)) == set()


def test_paused_items_wait_and_the_customer_is_reported_when_nothing_else_is_due() -> None:
    data = frames(
        [
            item(1, 11, 20, disputed=True),
            item(2, 21, 20, promised_until=AS_OF + dt.timedelta(days=2)),
            item(3, 31, 20, in_plan=True),
            item(4, 41, 20, promised_until=AS_OF - dt.timedelta(days=1)),  # the promise fell due: resumes
            item(5, 51, 20, disputed=True),
            item(5, 52, 2),
        ],
        [customer(i) for i in range(1, 6)],
    )
    decided = run(data)
    assert fired_steps(decided) == {(41, "second-notice"), (52, "overdue-notice")}
    assert dict(decided.skipped.select("customer_ref", "reason").iter_rows()) == {
        "C001": "paused_dispute",
        "C002": "paused_promise",
        "C003": "paused_plan",
    }


def test_customers_on_hold_do_not_contact_or_outside_hours_get_nothing_and_a_reason() -> None:
    data = frames(
        [item(i, i * 10, 2) for i in range(1, 7)],
        [
            customer(1, status="on_hold"),
            customer(2, status="on_hold", credit_held=True),  # our own credit hold: dunning goes on
            customer(3, contact_blocked=True, contact_id=None, email=None),
            customer(4, zone="America/Los_Angeles", holiday_country="US"),  # 04:00 there
            customer(5, email=None),
            customer(6, is_consumer=True, zone="America/New_York", holiday_country="US"),  # 08:00: consumer hours
        ],
    )
    decided = run(data)
    assert fired_steps(decided) == {(20, "overdue-notice"), (60, "overdue-notice")}
    assert dict(decided.skipped.select("customer_ref", "reason").iter_rows()) == {
        "C001": "on_hold",
        "C003": "do_not_contact",
        "C004": "outside_hours",
        "C005": "no_email",
    }


def test_a_holiday_is_outside_business_hours() -> None:
    christmas = dt.datetime(2026, 12, 25, 12, 0, tzinfo=dt.UTC)
    data = frames([item(1, 11, 2)], [customer(1)])
    decided = run(data, at=christmas, as_of=christmas.date())
    assert decided.fires.height == 0
    assert decided.skipped["reason"].to_list() == ["outside_hours"]


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-10, max_value=80), min_size=1, max_size=12), st.data())
def test_over_any_sequence_of_runs_no_step_fires_twice_and_offsets_only_grow(due_days: list[int], data: st.DataObject) -> None:
    """Runs on increasing days, firings applied between them: every (item, step) at most once,
    and each item's fired offsets strictly increase, one step-offset per run at most."""
    items = [item(1 + n % 3, 100 + n, days) for n, days in enumerate(due_days)]
    customers = [customer(c) for c in (1, 2, 3)]
    day_steps = data.draw(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=6))
    fired: list[tuple[int, str, int]] = []
    seen: set[tuple[int, str]] = set()
    shift = 0
    for step in day_steps:
        shift += step
        as_of = AS_OF + dt.timedelta(days=shift)
        at = dt.datetime.combine(as_of, dt.time(12, 0), tzinfo=dt.UTC)
        if as_of.weekday() >= 5:
            at = at + dt.timedelta(days=7 - as_of.weekday())
            as_of = at.date()
        state = frames(items, customers, fired)
        decided = run(state, at=at, as_of=as_of)
        now = fired_steps(decided)
        assert not now & seen
        for invoice_id, offset in decided.fires.select("invoice_id", "offset_days").unique().iter_rows():
            earlier = [o for i, _, o in fired if i == invoice_id]
            assert all(o < offset for o in earlier)
        seen |= now
        fired += list(decided.fires.select("invoice_id", "step_key", "offset_days").iter_rows())
        # Running again at the same instant fires nothing.
        assert run(frames(items, customers, fired), at=at, as_of=as_of).fires.height == 0


@given(st.integers(min_value=-20, max_value=100))
def test_the_columnar_decision_equals_the_scalar_rule_for_one_item(days: int) -> None:
    decided = run(frames([item(1, 11, days)], [customer(1)]))
    assert sorted(k for _, k in fired_steps(decided)) == sorted(s.key for s in steps_to_fire(days, STEPS, {}))


def test_fired_frame_schema_is_what_decide_reads() -> None:
    assert set(FIRED_COLUMNS) == {"invoice_id", "step_key", "offset_days"}


def test_the_step_editor_names_every_problem() -> None:
    problems = validate_steps(
        [
            {"key": "overdue", "label": "Overdue", "offset_days": "1", "channel": "email", "template_key": "overdue-notice"},
            {"key": "overdue", "label": "", "offset_days": "soon", "channel": "fax", "template_key": ""},
            {"key": "x y", "label": "L", "offset_days": "2", "channel": "letter", "template_key": "nope"},
            {
                "key": "a",
                "label": "L",
                "offset_days": "1",
                "channel": "email",
                "template_key": "overdue-notice",
                "discount_bp": "200",
            },
        ],
        template_keys=frozenset({"overdue-notice"}),
    )
    text = [f"{p.where}: {p.problem}" for p in problems]
    assert "step 2, key: 'overdue' is already used by step 1" in text
    assert "step 2, label: is required" in text
    assert "step 2, offset: 'soon' is not a whole number of days" in text
    assert any(t.startswith("step 2, channel: 'fax'") for t in text)
    assert any(t.startswith("step 3, key:") for t in text)
    assert any(t.startswith("step 3, template: no template 'nope'") for t in text)
    assert "step 4: step 1 already does email at +1 days" in text
    assert "step 4, discount: needs both a percentage and a number of days" in text
