"""An instant written as the wall-clock time of a zone, with whose clock it is (pure)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

__all__ = ["clock", "day_and_clock", "in_zone"]


def in_zone(instant: dt.datetime, zone: str) -> dt.datetime:
    """``instant`` in ``zone`` (UTC when the zone is unknown, rather than failing a page)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    try:
        return instant.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return instant.astimezone(dt.UTC)


def _abbreviation(local: dt.datetime) -> str:
    # Zones without a letter abbreviation in the tz database (much of South America and Asia)
    # give "-03"; "UTC-03" reads better beside a clock time.
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def clock(instant: dt.datetime, zone: str) -> str:
    """ "14:05 JST" """
    local = in_zone(instant, zone)
    return f"{local:%H:%M} {_abbreviation(local)}"


def day_and_clock(instant: dt.datetime, zone: str) -> str:
    """ "Thu 03 Dec 09:00 CET" """
    local = in_zone(instant, zone)
    return f"{local:%a %d %b %H:%M} {_abbreviation(local)}"
