"""When a customer may be called: local business hours and the call windows they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .public_holidays import WORKING_WEEK, is_business_day
from .zones import get_zone, local_time, require_aware, wall_to_utc

__all__ = [
    "CONSUMER_HOURS",
    "BusinessHours",
    "CallWindow",
    "NoCallWindow",
    "call_window",
    "is_callable",
    "next_callable",
    "next_window_start",
]


class NoCallWindow(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Local hours when a customer may be contacted; ``weekdays`` uses Monday = 0.

    Windows do not cross midnight: ``start`` must be before ``end``.
    """

    weekdays: frozenset[int] = WORKING_WEEK
    start: time = time(9, 0)
    end: time = time(17, 0)

    def __post_init__(self) -> None:
        days = frozenset(self.weekdays)
        if not days <= frozenset(range(7)):
            raise ValueError(f"weekdays must be within 0 (Monday) .. 6 (Sunday), got {sorted(days)}")
        if days is not self.weekdays:
            object.__setattr__(self, "weekdays", days)
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("business hours are local wall-clock times and take no tzinfo")
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")


CONSUMER_HOURS = BusinessHours(weekdays=frozenset(range(7)), start=time(8, 0), end=time(21, 0))


@dataclass(frozen=True, slots=True)
class CallWindow:
    """One local day's window. ``start``/``end`` are UTC; ``local_*`` the same instants locally."""

    day: date
    zone: str
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime

    def contains(self, instant: datetime) -> bool:
        require_aware(instant)
        return self.start <= instant < self.end


def _window_on(day: date, zone: str, hours: BusinessHours, country: str | None, subdivision: str | None) -> CallWindow | None:
    if not is_business_day(day, country, subdivision, hours.weekdays):
        return None
    tz = get_zone(zone)
    start = wall_to_utc(day, hours.start, tz)
    end = wall_to_utc(day, hours.end, tz)
    if end <= start:
        return None
    return CallWindow(day, zone, start, end, start.astimezone(tz), end.astimezone(tz))


def call_window(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> CallWindow | None:
    """The window on the customer's local day containing ``instant``; None on days off."""
    day = local_time(instant, zone).date()
    return _window_on(day, zone, hours, country, subdivision)


def is_callable(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> bool:
    window = call_window(instant, zone, hours, country, subdivision)
    return window is not None and window.contains(instant)


_SEARCH_DAYS = 370


def next_window_start(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> datetime:
    """UTC start of the first window starting at or after ``instant``.

    Inside a window this is the *next* window's start; use ``next_callable`` for "as soon as
    allowed". Raises ``NoCallWindow`` when no window starts within 370 days.
    """
    first_day = local_time(instant, zone).date()
    for offset in range(_SEARCH_DAYS + 1):
        window = _window_on(first_day + timedelta(days=offset), zone, hours, country, subdivision)
        if window is not None and window.start >= instant:
            return window.start
    raise NoCallWindow(f"no call window in {zone} within {_SEARCH_DAYS} days of {instant.isoformat()}")


def next_callable(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> datetime:
    """``instant`` itself (in UTC) when it is callable, else the next window's start."""
    if is_callable(instant, zone, hours, country, subdivision):
        return instant.astimezone(UTC)
    return next_window_start(instant, zone, hours, country, subdivision)
