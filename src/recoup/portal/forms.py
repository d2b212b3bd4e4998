"""Reading what the customer's forms post: lenient where a browser may differ, never guessing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def ids(values: Iterable[str]) -> list[int]:
    """Invoice ids as posted; anything that is not a whole number is left out (and then the
    action finds fewer items than were chosen, and says so)."""
    return [int(v) for v in values if v.strip().isdigit()][:500]


def day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def clock(value: str) -> dt.time | None:
    try:
        wall = dt.time.fromisoformat(value.strip())
    except ValueError:
        return None
    return wall.replace(second=0, microsecond=0, tzinfo=None)
