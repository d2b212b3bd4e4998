"""Cursor pagination for the JSON API: pages in a stable order (by primary key), the cursor opaque.

Keyset, not offset: the next page is "rows with id above the last one seen", one index range
scan however deep the client reads, and no row is skipped or shown twice when rows are added
while a client pages through. The cursor is that id in base64url JSON; clients pass it back
unread. Lives in the database layer so that every app's api.py (ledger and above) can use it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from pydantic import BaseModel

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


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
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise BadCursor("cursor: not a cursor this API returned (pass next_cursor back unchanged)")
    return after


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
