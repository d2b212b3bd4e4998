"""Literals and fragments for the SQL that column-wise reads send, the same on SQLite and PostgreSQL.

Reads that go through a Reader (recoup.database.columnar) cannot bind parameters the same way
on every path (ADBC's SQLite and PostgreSQL drivers and Django's cursor each want their own
marks), so the few values they need are spliced in as literals. Only values recoup makes
itself ever pass through here — ints, dates, instants, identifiers — never user text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection


def epoch(column: str) -> str:
    """Seconds since 1970 of a datetime column (UTC), as an integer."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS BIGINT)"


def instant(value: dt.datetime) -> str:
    """A timezone-aware instant as a literal comparable with a datetime column."""
    utc = value.astimezone(dt.UTC)
    if connection.vendor == "postgresql":
        return f"CAST('{utc.isoformat()}' AS TIMESTAMPTZ)"
    # Django stores SQLite datetimes as UTC text in this shape, so text order is time order.
    return f"'{utc:%Y-%m-%d %H:%M:%S}'"


def date(value: dt.date) -> str:
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date, not {type(value).__name__}")
    return f"'{value.isoformat()}'"


def unindexed(column: str) -> str:
    """``column`` in a condition SQLite must not answer through an index.

    Open items are half the invoice table: SQLite otherwise walks the (customer_id,
    open_amount) index for ``open_amount > 0`` and fetches each row from the table by rowid,
    two to three times slower than reading the table in order. (The unary plus is SQLite's
    documented way to say so; PostgreSQL plans these by itself.)
    """
    return f"+{column}" if connection.vendor == "sqlite" else column


def names(values: Iterable[str]) -> str:
    """Identifiers (choice values such as outcomes) as a quoted list for IN (…)."""
    return ", ".join(f"'{v}'" for v in sorted(set(values)) if v.isidentifier())


def for_customer(column: str, customer_id: int | None) -> str:
    """`` AND column = id`` to read one customer's rows, nothing to read everyone's."""
    return "" if customer_id is None else f" AND {column} = {int(customer_id)}"
