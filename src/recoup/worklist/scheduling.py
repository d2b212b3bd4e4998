"""When to follow up a call, in the customer's business hours (pure: no Django; "now" is an argument)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from recoup.kernel.calendar import BusinessHours, NoCallWindow, add_business_days, at_local, local_time, next_window_start

__all__ = ["FollowUp", "next_follow_up"]

# Outcomes that need the same question asked again soon.
_RETRY = frozenset({"no_answer", "voicemail", "conversation"})


@dataclass(frozen=True, slots=True)
class FollowUp:
    kind: Literal["call", "callback", "promise_check", "review"]
    due_at: dt.datetime  # UTC
    title: str


def next_follow_up(
    outcome: str,
    *,
    at: dt.datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
    callback_at: dt.datetime | None = None,
    promised_date: dt.date | None = None,
    tolerance_days: int = 0,
) -> FollowUp | None:
    """What to do next after a call with this outcome, and when (in the customer's window).

    - no answer, voicemail, a conversation without commitment: call again at the start of the
      customer's next business day's window;
    - a callback: at the customer-local time they asked for (``callback_at``, aware);
    - a promise: check the payment the business day after promised date + tolerance, at the
      start of the customer's window that day;
    - a dispute, already paid, refused, wrong contact: a review by the collector the next
      business day (confirm the payment, chase the dispute owner, find the right person).
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    local_day = local_time(at, zone).date()

    def window_on_or_after(day: dt.date) -> dt.datetime:
        start = at_local(day, dt.time(0, 0), zone)
        try:
            return next_window_start(start, zone, hours, country, subdivision)
        except NoCallWindow:
            return start + dt.timedelta(hours=hours.start.hour)

    if outcome == "callback":
        if callback_at is None or callback_at.tzinfo is None:
            raise ValueError("a callback needs the customer-local time it was asked for")
        if callback_at <= at:
            raise ValueError("the callback time has already passed")
        return FollowUp("callback", callback_at.astimezone(dt.UTC), "Call back as agreed")
    if outcome == "promise_to_pay":
        if promised_date is None:
            raise ValueError("a promise needs its date")
        check_day = add_business_days(promised_date + dt.timedelta(days=tolerance_days), 1, country, subdivision, hours.weekdays)
        return FollowUp("promise_check", window_on_or_after(check_day), f"Check the payment promised for {promised_date:%d %b}")
    next_day = add_business_days(local_day, 1, country, subdivision, hours.weekdays)
    if outcome in _RETRY:
        return FollowUp("call", window_on_or_after(next_day), "Try again")
    if outcome in {"dispute", "already_paid", "refused", "wrong_contact"}:
        titles = {
            "dispute": "Chase the dispute owner",
            "already_paid": "Confirm the payment the customer says was made",
            "refused": "Review the refusal (escalate?)",
            "wrong_contact": "Find the right contact",
        }
        return FollowUp("review", window_on_or_after(next_day), titles[outcome])
    return None
