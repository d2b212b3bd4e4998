"""Cursor pagination for the JSON API: pages in a stable order (by primary key), the cursor opaque.

Keyset, not offset: the next page is "rows with id above the last one seen", one index range
scan however deep the client reads, and no row is skipped or shown twice when rows are added
while a client pages through. The cursor is that id in base64url JSON; clients pass it back
unread. Lives in the database layer so that every app's api.py (ledger and above) can use it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


# The largest id a 64-bit key holds: a bigger number in a path or filter is refused (422), never
# sent to the database, where it would overflow.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Text a client sends: PostgreSQL stores no NUL character, so none is accepted.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


def _plausible_day(value: dt.date) -> dt.date:
    # Dates far outside any ledger overflow date arithmetic and zone conversion (year 1 in UTC+5).
    if not 1900 <= value.year <= 2200:
        raise ValueError("a date between the years 1900 and 2200")
    return value


# The widest offsets any zone uses (UTC-12:00 to UTC+14:00). Python accepts up to ±23:59, but
# PostgreSQL refuses such a literal ("time zone displacement out of range"): found by the soak's fuzzer.
_WIDEST_OFFSET = dt.timedelta(hours=14)


def _plausible_instant(value: dt.datetime) -> dt.datetime:
    _plausible_day(value.date())
    # An instant without an offset is read as UTC, the API's zone.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    offset = value.utcoffset() or dt.timedelta(0)
    if abs(offset) > _WIDEST_OFFSET:
        raise ValueError("a UTC offset between -14:00 and +14:00")
    # Sent to the database in UTC: one form for every instant, whatever offset the client used.
    return value.astimezone(dt.UTC)


def _iso_day(value: Any) -> Any:
    # ISO 8601 text only, as the schema says: pydantic alone would also read 0.5 as a Unix time.
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.date):
        return value
    raise ValueError("an ISO 8601 date, e.g. 2026-01-31")


def _iso_instant(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise ValueError("an ISO 8601 date and time, e.g. 2026-01-31T09:00:00Z") from None
    if isinstance(value, dt.datetime):
        return value
    raise ValueError("an ISO 8601 date and time, e.g. 2026-01-31T09:00:00Z")


Day = Annotated[dt.date, BeforeValidator(_iso_day), AfterValidator(_plausible_day)]
Instant = Annotated[dt.datetime, BeforeValidator(_iso_instant), AfterValidator(_plausible_instant)]
# A wall-clock time as typed (a callback in the customer's zone): any offset sent is dropped.
WallClock = Annotated[dt.datetime, BeforeValidator(_iso_instant), AfterValidator(lambda v: _plausible_day(v.date()) and v)]


def one_of(choices: Any) -> Any:
    """``Annotated[str, one_of(Model.Status)]``: one of ``choices`` (a TextChoices), as a pattern:
    Django's choices are all called Status or Kind, and would be one schema under one name."""
    values = [str(v) for v in choices.values if v]
    return Field(pattern=f"^({'|'.join(re.escape(v) for v in values)})$", description=", ".join(values))


class PageQuery(Schema):
    """What every list takes: where to continue, how many, and the common filters."""

    cursor: str | None = Field(None, description="next_cursor of the previous page; omit for the first")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    customer: Id | None = Field(None, description="Only this customer (its id)")
    updated_since: Instant | None = Field(None, description="Only rows changed at or after this instant")


class BadCursor(ValueError):
    """A cursor this API did not hand out."""


class Page(BaseModel, Generic[T]):
    """One page: ``items`` in id order; ``next_cursor`` fetches the next page (null: no more)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"] if isinstance(data, dict) else None
    except (binascii.Error, ValueError, KeyError, UnicodeDecodeError):
        raise BadCursor("cursor: not a cursor this API returned (pass next_cursor back unchanged)") from None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise BadCursor("cursor: not a cursor this API returned (pass next_cursor back unchanged)")
    return after


def narrowed(rows: QuerySet[M], **lookups: Any) -> QuerySet[M]:
    """``rows`` filtered by each lookup whose value was given (None = the parameter was left out)."""
    given = {k: v for k, v in lookups.items() if v is not None}
    return rows.filter(**given) if given else rows


def page_of(queryset: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """The rows after ``cursor``, at most ``limit`` (clamped to 1..MAX_LIMIT), and the next cursor."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    after = decode_cursor(cursor)
    rows = queryset.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, encode_cursor(found[-1].pk) if more and found else None


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
