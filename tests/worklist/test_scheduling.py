"""The next follow-up after a call, in the customer's own business hours."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.kernel.calendar import BusinessHours
from recoup.worklist.scheduling import next_follow_up

OFFICE = BusinessHours()


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_no_answer_on_friday_means_monday_morning_local() -> None:
    # Friday 27 Nov 2026, 16:00 in Berlin → Monday 30 Nov 09:00 CET = 08:00 UTC.
    follow = next_follow_up("no_answer", at=utc(2026, 11, 27, 15, 0), zone="Europe/Berlin", hours=OFFICE, country="DE")
    assert follow is not None and follow.kind == "call"
    assert follow.due_at == utc(2026, 11, 30, 8, 0)


def test_no_answer_skips_the_customers_public_holiday() -> None:
    # Wednesday 25 Nov 2026 in Chicago → Thursday is Thanksgiving → Friday 27 Nov 09:00 CST = 15:00 UTC.
    follow = next_follow_up("voicemail", at=utc(2026, 11, 25, 16, 0), zone="America/Chicago", hours=OFFICE, country="US")
    assert follow is not None and follow.due_at == utc(2026, 11, 27, 15, 0)


def test_a_promise_is_checked_the_business_day_after_date_plus_tolerance() -> None:
    # Promised Friday 4 Dec, 3 days' grace → Monday 7 Dec; checked Tuesday 8 Dec 09:00 in Sydney (AEDT, UTC+11).
    follow = next_follow_up(
        "promise_to_pay",
        at=utc(2026, 11, 25, 1, 0),
        zone="Australia/Sydney",
        hours=OFFICE,
        country="AU",
        promised_date=dt.date(2026, 12, 4),
        tolerance_days=3,
    )
    assert follow is not None and follow.kind == "promise_check"
    assert follow.due_at == utc(2026, 12, 7, 22, 0)


def test_a_callback_is_at_the_time_asked_for() -> None:
    asked = dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)
    follow = next_follow_up(
        "callback", at=utc(2026, 11, 25, 10, 0), zone="Asia/Kolkata", hours=OFFICE, country="IN", callback_at=asked
    )
    assert follow is not None and (follow.kind, follow.due_at) == ("callback", asked)
    with pytest.raises(ValueError, match="already passed"):
        next_follow_up("callback", at=utc(2026, 11, 27, 10, 0), zone="Asia/Kolkata", hours=OFFICE, callback_at=asked)


def test_other_outcomes_get_a_review_next_business_day() -> None:
    for outcome in ("dispute", "already_paid", "refused", "wrong_contact"):
        follow = next_follow_up(outcome, at=utc(2026, 11, 25, 10, 0), zone="Europe/London", hours=OFFICE, country="GB")
        assert follow is not None and follow.kind == "review" and follow.due_at == utc(2026, 11, 26, 9, 0)
