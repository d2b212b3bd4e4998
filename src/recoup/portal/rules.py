"""What a customer may ask for through their link, decided from values alone. Pure: no Django.

- A promised date from today to today + N days (N from the strategy) is a promise; a later one
  asks for a call instead, so long terms are agreed with a person.
- A callback must be in the future, within the callback horizon, on one of the customer's
  business days and inside their calling hours, all in the customer's own zone.
- The page's language: the one chosen on the page, else the customer's, else the browser's
  first supported one, else English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

from recoup.kernel.calendar import BusinessHours, at_local, is_callable, local_time

SUPPORTED_LANGUAGES = ("en", "de", "fr", "es")
CALLBACK_HORIZON_DAYS = 30
SLOT_MINUTES = 30

PromiseVerdict = Literal["past", "promise", "call"]
CallbackProblem = Literal["past", "too_far", "closed"]


def promise_verdict(promised: dt.date, *, as_of: dt.date, max_days: int) -> PromiseVerdict:
    """Before today: refused; up to ``max_days`` ahead: a promise; later: a call instead."""
    if promised < as_of:
        return "past"
    if promised > as_of + dt.timedelta(days=max_days):
        return "call"
    return "promise"


class CallbackRefused(ValueError):
    def __init__(self, problem: CallbackProblem) -> None:
        super().__init__(problem)
        self.problem: CallbackProblem = problem


def callback_at(
    day: dt.date,
    wall: dt.time,
    *,
    zone: str,
    hours: BusinessHours,
    now: dt.datetime,
    country: str | None = None,
    subdivision: str | None = None,
) -> dt.datetime:
    """The UTC instant of a callback asked for at ``day`` ``wall`` in the customer's ``zone``,
    or ``CallbackRefused`` saying why not (past, too far ahead, outside the calling hours)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    instant = at_local(day, wall, zone)
    if instant <= now:
        raise CallbackRefused("past")
    if day > local_time(now, zone).date() + dt.timedelta(days=CALLBACK_HORIZON_DAYS):
        raise CallbackRefused("too_far")
    if not is_callable(instant, zone, hours, country, subdivision):
        raise CallbackRefused("closed")
    return instant.astimezone(dt.UTC)


def slots(hours: BusinessHours, *, minutes: int = SLOT_MINUTES) -> list[dt.time]:
    """The times a customer may choose for a callback: every ``minutes`` from the start of the
    calling hours until the last one that still leaves a slot before they end."""
    out = []
    at = dt.datetime.combine(dt.date(2000, 1, 1), hours.start)
    end = dt.datetime.combine(dt.date(2000, 1, 1), hours.end)
    while at + dt.timedelta(minutes=minutes) <= end:
        out.append(at.time())
        at += dt.timedelta(minutes=minutes)
    return out


def _base(code: str | None) -> str:
    return (code or "").strip().replace("_", "-").split("-")[0].lower()


def choose_language(
    *, chosen: str | None, customer: str | None, browser: Iterable[str], supported: Sequence[str] = SUPPORTED_LANGUAGES
) -> str:
    """The page's language, from the most deliberate choice to the least."""
    for candidate in (chosen, customer, *browser):
        code = _base(candidate)
        if code in supported:
            return code
    return supported[0]
