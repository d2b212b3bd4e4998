"""Call windows at one UTC instant around the world, and filling collectors' capacity."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.kernel.calendar import CONSUMER_HOURS, BusinessHours
from recoup.worklist.capacity import Caller, Candidate, assign
from recoup.worklist.listing import window_for

OFFICE = BusinessHours()


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# Wednesday 2026-11-25 at 14:30 UTC is 01:30 Thursday in Sydney (AEDT), 08:30 in Chicago (CST),
# 20:00 in Kolkata, 15:30 in Berlin (CET) and 11:30 in São Paulo. (The day before would not do:
# 24 Nov 2026 is Guru Nanak's birthday, a public holiday in India.)
AT = utc(2026, 11, 25, 14, 30)


@pytest.mark.parametrize(
    ("zone", "country", "callable_now", "local_start_utc"),
    [
        ("Australia/Sydney", "AU", False, utc(2026, 11, 25, 22, 0)),  # Thu 09:00 AEDT
        ("America/Chicago", "US", False, utc(2026, 11, 25, 15, 0)),  # opens 09:00 CST
        ("Asia/Kolkata", "IN", False, utc(2026, 11, 25, 3, 30)),  # closed at 17:00 IST
        ("Europe/Berlin", "DE", True, utc(2026, 11, 25, 8, 0)),
        ("America/Sao_Paulo", "BR", True, utc(2026, 11, 25, 12, 0)),
    ],
)
def test_windows_at_one_instant(zone: str, country: str, callable_now: bool, local_start_utc: dt.datetime) -> None:
    answer = window_for(AT, zone, OFFICE, country, None)
    assert answer.start == local_start_utc
    assert (answer.start is not None and answer.start <= AT < answer.end) is callable_now


def test_window_across_the_dst_change() -> None:
    # Chicago: CDT (UTC−5) until 1 Nov 2026, then CST (UTC−6): 09:00 local moves from 14:00 to 15:00 UTC.
    before = window_for(utc(2026, 10, 30, 16, 0), "America/Chicago", OFFICE, "US", None)
    after = window_for(utc(2026, 11, 2, 16, 0), "America/Chicago", OFFICE, "US", None)
    assert (before.start, before.end) == (utc(2026, 10, 30, 14, 0), utc(2026, 10, 30, 22, 0))
    assert (after.start, after.end) == (utc(2026, 11, 2, 15, 0), utc(2026, 11, 2, 23, 0))
    # Berlin springs forward on 29 Mar 2026; Sydney falls back on 5 Apr 2026.
    assert window_for(utc(2026, 3, 30, 12, 0), "Europe/Berlin", OFFICE, "DE", None).start == utc(2026, 3, 30, 7, 0)
    assert window_for(utc(2026, 3, 27, 12, 0), "Europe/Berlin", OFFICE, "DE", None).start == utc(2026, 3, 27, 8, 0)
    # (Good Friday 3 Apr and Easter Monday 6 Apr are holidays there, hence Thursday and Tuesday.)
    assert window_for(utc(2026, 4, 2, 1, 0), "Australia/Sydney", OFFICE, "AU", None).start == utc(2026, 4, 1, 22, 0)
    assert window_for(utc(2026, 4, 7, 1, 0), "Australia/Sydney", OFFICE, "AU", None).start == utc(2026, 4, 6, 23, 0)


def test_no_window_on_a_local_public_holiday() -> None:
    kolkata = window_for(utc(2026, 11, 24, 6, 0), "Asia/Kolkata", OFFICE, "IN", None)
    assert kolkata.start is None and "Guru Nanak" in kolkata.closed
    # 26 Jan 2027 is Australia Day (a Tuesday); 14:00 UTC on the 25th is already the 26th in Sydney.
    answer = window_for(utc(2027, 1, 25, 23, 30), "Australia/Sydney", OFFICE, "AU", None)
    assert answer.start is None
    assert "Australia Day" in answer.closed
    # Thanksgiving in Chicago; the same instant is an ordinary Thursday in Berlin.
    thanksgiving = utc(2026, 11, 26, 16, 0)
    assert window_for(thanksgiving, "America/Chicago", OFFICE, "US", None).start is None
    assert window_for(thanksgiving, "Europe/Berlin", OFFICE, "DE", None).start is not None
    # A weekend is not a holiday, and says so.
    weekend = window_for(utc(2026, 11, 28, 12, 0), "Europe/Berlin", OFFICE, "DE", None)
    assert weekend.start is None and "Saturday" in weekend.closed


def test_consumer_hours_are_eight_to_nine_every_day() -> None:
    saturday_evening = utc(2026, 11, 28, 19, 30)  # 20:30 in Berlin
    answer = window_for(saturday_evening, "Europe/Berlin", CONSUMER_HOURS, "DE", None)
    assert (answer.start, answer.end) == (utc(2026, 11, 28, 7, 0), utc(2026, 11, 28, 20, 0))
    assert answer.start <= saturday_evening < answer.end
    assert not (answer.start <= utc(2026, 11, 28, 20, 0) < answer.end)  # 21:00 local: closed


def test_capacity_fills_portfolios_first_then_spreads_the_pool() -> None:
    callers = [Caller(1, senior=False, capacity=2), Caller(2, senior=False, capacity=3), Caller(9, senior=True, capacity=1)]
    ranked = [
        Candidate(101, None, False),  # pool, best ranked
        Candidate(102, 1, False),
        Candidate(103, 1, False),
        Candidate(104, 1, False),  # collector 1 is full: over capacity, not given away
        Candidate(105, None, False),
        Candidate(106, 2, False),
        Candidate(107, None, False),
        Candidate(108, None, False),
    ]
    out = {a.customer_id: (a.collector_id, a.status) for a in assign(ranked, callers)}
    assert out[102] == (1, "scheduled") and out[103] == (1, "scheduled")
    assert out[104] == (1, "over_capacity")
    assert out[106] == (2, "scheduled")
    # Pool in rank order to whoever has most room: 2 has 2 left, 9 has 1.
    assert out[101] == (2, "scheduled")
    assert out[105][1] == "scheduled"
    assert out[107][1] == "scheduled"
    assert out[108] == (None, "pool")
    used = [out[c][0] for c in (101, 102, 103, 105, 106, 107)]
    assert used.count(1) == 2 and used.count(2) == 3 and used.count(9) == 1


def test_escalated_accounts_go_to_seniors() -> None:
    callers = [Caller(1, senior=False, capacity=5), Caller(8, senior=True, capacity=1), Caller(9, senior=True, capacity=2)]
    ranked = [
        Candidate(201, 1, True),
        Candidate(202, 1, True),
        Candidate(203, 1, True),
        Candidate(204, 1, True),
        Candidate(205, 1, False),
    ]
    out = {a.customer_id: (a.collector_id, a.status) for a in assign(ranked, callers)}
    assert out[201] == (9, "scheduled")  # the senior with the most room
    assert {out[202][0], out[203][0]} == {8, 9}
    # No senior left: the escalated account stays with its collector rather than being lost.
    assert out[204] == (1, "scheduled")
    assert out[205] == (1, "scheduled")


def test_capacity_already_used_today_is_respected() -> None:
    out = assign([Candidate(1, 5, False), Candidate(2, None, False)], [Caller(5, False, 3)], used={5: 2})
    assert [(a.collector_id, a.status) for a in out] == [(5, "scheduled"), (None, "pool")]
