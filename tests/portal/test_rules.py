"""The portal's pure rules: the promise limit, callbacks in the customer's zone, the page's language."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.kernel.calendar import BusinessHours
from recoup.portal.rules import CallbackRefused, callback_at, choose_language, promise_verdict, slots

TODAY = dt.date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(("days", "verdict"), [(-1, "past"), (0, "promise"), (14, "promise"), (15, "call"), (400, "call")])
def test_a_date_up_to_n_days_ahead_is_a_promise_and_later_asks_for_a_call(days: int, verdict: str) -> None:
    assert promise_verdict(TODAY + dt.timedelta(days=days), as_of=TODAY, max_days=14) == verdict


NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin, 03:00 in New York


def test_a_callback_is_the_customers_wall_clock_time_in_utc() -> None:
    due = callback_at(dt.date(2026, 3, 3), dt.time(10, 30), zone="America/New_York", hours=BusinessHours(), now=NOW)
    assert due == dt.datetime(2026, 3, 3, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("day", "wall", "problem"),
    [
        (dt.date(2026, 3, 2), dt.time(8, 30), "past"),  # 08:30 Berlin has passed at 09:00
        (dt.date(2026, 3, 7), dt.time(10, 0), "closed"),  # a Saturday
        (dt.date(2026, 3, 3), dt.time(17, 0), "closed"),  # the hours end at 17:00
        (dt.date(2026, 4, 20), dt.time(10, 0), "too_far"),
    ],
)
def test_a_callback_outside_the_hours_past_or_too_far_is_refused(day: dt.date, wall: dt.time, problem: str) -> None:
    with pytest.raises(CallbackRefused) as refused:
        callback_at(day, wall, zone="Europe/Berlin", hours=BusinessHours(), now=NOW, country="DE")
    assert refused.value.problem == problem


def test_no_callback_on_the_customers_public_holiday() -> None:
    easter = dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC)
    with pytest.raises(CallbackRefused):
        callback_at(dt.date(2026, 4, 6), dt.time(10, 0), zone="Europe/Berlin", hours=BusinessHours(), now=easter, country="DE")
    assert callback_at(dt.date(2026, 4, 6), dt.time(10, 0), zone="Europe/Berlin", hours=BusinessHours(), now=easter, country="US")


def test_slots_fill_the_hours_and_leave_room_for_the_last_call() -> None:
    times = slots(BusinessHours(start=dt.time(9, 0), end=dt.time(11, 0)))
    assert times == [dt.time(9, 0), dt.time(9, 30), dt.time(10, 0), dt.time(10, 30)]


def test_the_language_chosen_on_the_page_wins_then_the_customers_then_the_browsers() -> None:
    assert choose_language(chosen="fr", customer="de", browser=["es"]) == "fr"
    assert choose_language(chosen=None, customer="de-AT", browser=["es"]) == "de"
    assert choose_language(chosen="it", customer="pt", browser=["es-MX"]) == "es"
    assert choose_language(chosen=None, customer=None, browser=["ja"]) == "en"
