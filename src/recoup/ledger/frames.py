"""The ledger as Polars frames (recoup.analytics' Ledger), read column-wise from the database.

One set of SQL statements serves SQLite and PostgreSQL; ``recoup.database.columnar`` decides
how they are read (Arrow on PostgreSQL, a reader process on a large SQLite file, Django's
cursor inside a transaction or for a small ledger) and every path gives the same frames, with
the schemas fixed in ``recoup.analytics.frames``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connections

from recoup.analytics.frames import (
    ALLOCATIONS_SCHEMA,
    CUSTOMERS_SCHEMA,
    FX_RATES_SCHEMA,
    INVOICES_SCHEMA,
    PAYMENTS_SCHEMA,
    Ledger,
)
from recoup.database import columnar, sql
from recoup.database.columnar import Reader, Schema

Statements = dict[str, tuple[str, Schema]]


def _until(column: str, as_of: dt.date | None) -> list[str]:
    # A `date` object's ISO text and ints are the only things ever spliced in (no user text),
    # and literals keep one statement for every path (ADBC binds `?` on SQLite, `$1` on
    # PostgreSQL, Django `%s`). SQLite stores dates as ISO text, so text order is date order.
    if as_of is None:
        return []
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    return [f"{column} <= '{as_of.isoformat()}'"]


def _of(column: str, customer_ids: Sequence[int] | None) -> list[str]:
    if customer_ids is None:
        return []
    ids = ", ".join(str(int(i)) for i in sorted(set(customer_ids))) or "NULL"
    return [f"{column} IN ({ids})"]


def _where(*conditions: list[str]) -> str:
    flat = [c for group in conditions for c in group]
    return " WHERE " + " AND ".join(flat) if flat else ""


def _date(column: str, day_numbers: bool) -> str:
    # SQLite keeps dates as ISO text; handing back day numbers instead spares building and
    # parsing millions of strings (unixepoch needs SQLite 3.38; Python's and ADBC's have it).
    return f"unixepoch({column}) / 86400 AS {column}" if day_numbers else column


def statements(
    as_of: dt.date | None,
    *,
    cash_since: dt.date | None = None,
    day_numbers: bool = False,
    customer_ids: Sequence[int] | None = None,
) -> Statements:
    """SQL per frame; rows dated after `as_of` are left in the database (as-of correctness
    is the analytics' job too, this only saves reading them).

    `cash_since` is the earliest date the caller will analyse. A payment matters to aging and
    the KPIs only while some of it is unapplied, so with it only payments unapplied today or
    applied (in part) after that date are read: the rest held no cash on any date analysed.
    `customer_ids` limits every frame but the rates to those customers' books.
    """
    d = day_numbers
    held: list[str] = []
    if cash_since is not None:
        if not isinstance(cash_since, dt.date):
            raise TypeError(f"cash_since must be a date, not {type(cash_since).__name__}")
        held = [
            "(unapplied_amount > 0 OR id IN (SELECT payment_id FROM ledger_allocation"
            f" WHERE payment_id IS NOT NULL AND applied_on > '{cash_since.isoformat()}'))"
        ]
    their_invoices = (
        []
        if customer_ids is None
        else [f"invoice_id IN (SELECT id FROM ledger_invoice{_where(_of('customer_id', customer_ids))})"]
    )
    return {
        "invoices": (
            f"SELECT id, customer_id, kind, {_date('issue_date', d)}, {_date('due_date', d)}, currency, amount"
            " FROM ledger_invoice" + _where(_until("issue_date", as_of), _of("customer_id", customer_ids)),
            INVOICES_SCHEMA,
        ),
        "allocations": (
            f"SELECT invoice_id, payment_id, credit_note_id, amount, {_date('applied_on', d)} FROM ledger_allocation"
            + _where(_until("applied_on", as_of), their_invoices),
            ALLOCATIONS_SCHEMA,
        ),
        "payments": (
            f"SELECT id, customer_id, {_date('received_on', d)}, amount, currency FROM ledger_payment"
            + _where(_until("received_on", as_of), held, _of("customer_id", customer_ids)),
            PAYMENTS_SCHEMA,
        ),
        "customers": (
            "SELECT c.id, c.customer_ref, c.name, c.segment, COALESCE(u.email, '') AS collector, c.currency"
            " FROM ledger_customer c LEFT JOIN accounts_user u ON u.id = c.collector_id" + _where(_of("c.id", customer_ids)),
            CUSTOMERS_SCHEMA,
        ),
        # Rates leave as integer parts per billion, computed by the database: PostgreSQL's
        # numeric is exact, SQLite's REAL carries a 9-place rate below 10^6 exactly enough
        # that ROUND gives the same integer.
        "fx_rates": (
            'SELECT currency, "on", CAST(ROUND(rate * 1000000000) AS BIGINT) AS rate_ppb FROM ledger_fxrate'
            + _where(_until('"on"', as_of)),
            FX_RATES_SCHEMA,
        ),
    }


def read_frames(read: Reader, chosen: Statements) -> dict[str, pl.DataFrame]:
    return {name: read(sql, schema) for name, (sql, schema) in chosen.items()}


# Every change to the ledger writes an audit event (imports at least one per run), so the
# newest event's id tells whether anything changed while the tables were being read.
CHANGE_MARKER = ("SELECT COALESCE(MAX(id), 0) AS marker FROM audit_auditevent", {"marker": pl.Int64})
PARALLEL_READERS = 2
# Invoices are the largest table a ledger read touches but allocations; the highest id is
# read from the index and says well enough whether the ledger is small.
_SIZE = "SELECT COALESCE(MAX(id), 0) FROM ledger_invoice"


def ledger_size(using: str = "default") -> int:
    """About how many invoices the ledger holds (the highest id: free to read)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_SIZE)
        return int(cursor.fetchone()[0])


def _read_parallel(connection: Any, chosen: Statements) -> dict[str, pl.DataFrame]:
    """Two readers at a time, each its own connection (or process): the drivers decode
    outside the GIL, so two tables load in about the time of one."""
    names = sorted(chosen, key=lambda n: n not in ("invoices", "allocations"))
    groups = [names[i::PARALLEL_READERS] for i in range(PARALLEL_READERS)]

    def one(group: list[str]) -> dict[str, pl.DataFrame]:
        with columnar.reader(connection) as read:
            return read_frames(read, {n: chosen[n] for n in group})

    with ThreadPoolExecutor(max_workers=PARALLEL_READERS) as pool:
        parts = list(pool.map(one, groups))
    return {name: frame for part in parts for name, frame in part.items()}


def load_frames(
    *,
    as_of: dt.date | None = None,
    cash_since: dt.date | None = None,
    customer_ids: Sequence[int] | None = None,
    using: str = "default",
) -> tuple[dict[str, pl.DataFrame], columnar.Route]:
    """The ledger's frames and which path read them (columnar.route).

    The column-wise path reads the tables in parallel over separate connections, which do not
    share a snapshot; if the change marker moved meanwhile, it reads again over one connection
    (one transaction, one snapshot), so a report never mixes the ledger before and after a change.
    """
    connection = connections[using]
    if customer_ids is not None:
        size: int | None = 0  # a few customers' books: never worth a reader process
    else:
        size = None if connection.in_atomic_block else ledger_size(using)
    path = columnar.route(connection, expected_rows=size)
    chosen = statements(as_of, cash_since=cash_since, day_numbers=path == "sqlite-child", customer_ids=customer_ids)
    if path == "cursor":
        return read_frames(columnar.cursor_reader(connection), chosen), path
    # The marker is one indexed row: Django's own cursor reads it without starting a reader process.
    marker = columnar.cursor_reader(connection)
    before = marker(*CHANGE_MARKER)["marker"][0]
    frames = _read_parallel(connection, chosen)
    if marker(*CHANGE_MARKER)["marker"][0] == before:
        return frames, path
    with columnar.reader(connection) as read:
        return read_frames(read, chosen), path


def load_ledger(
    *,
    as_of: dt.date | None = None,
    cash_since: dt.date | None = None,
    home_currency: str | None = None,
    customer_ids: Sequence[int] | None = None,
    using: str = "default",
) -> Ledger:
    """The ledger as of `as_of` (everything when None), ready for recoup.analytics.

    Pass `cash_since`, the earliest date the analysis looks at, to skip payments that held no
    unapplied cash on or after it (see `statements`); `customer_ids` to read only their books.
    """
    frames, _ = load_frames(as_of=as_of, cash_since=cash_since, customer_ids=customer_ids, using=using)
    return Ledger(
        frames["invoices"],
        frames["allocations"],
        frames["payments"],
        frames["customers"],
        fx_rates=frames["fx_rates"],
        home_currency=home_currency or settings.RECOUP_HOME_CURRENCY,
    )


def latest_rates(read: Reader) -> dict[str, int]:
    """The newest rate of each currency to the home currency, in parts per billion."""
    frame = read(
        'SELECT f.currency, CAST(ROUND(f.rate * 1000000000) AS BIGINT) AS rate_ppb FROM ledger_fxrate f WHERE f."on" = '
        '(SELECT MAX(g."on") FROM ledger_fxrate g WHERE g.currency = f.currency)',
        {"currency": pl.String, "rate_ppb": pl.Int64},
    )
    return dict(zip(frame["currency"].to_list(), frame["rate_ppb"].to_list(), strict=True))


def fx_rates(*, as_of: dt.date | None = None, using: str = "default") -> pl.DataFrame:
    """The FX rates dated on or before ``as_of`` (FX_RATES_SCHEMA), as a Ledger would carry them,
    for pages that convert a few columns without loading the whole ledger."""
    query, schema = statements(as_of)["fx_rates"]
    return columnar.cursor_reader(connections[using])(query, schema)


# What the worklist needs of each customer and contact (its valuation reads them as frames).

PROFILES_SQL = (
    "SELECT c.id AS customer_id, c.customer_ref, c.name, c.segment, c.currency, c.is_consumer, c.status, c.credit_limit,"
    " c.collector_id, c.timezone, c.region, c.country FROM ledger_customer c WHERE 1 = 1"
)
PROFILES_SCHEMA = {
    "customer_id": pl.Int64,
    "customer_ref": pl.String,
    "name": pl.String,
    "segment": pl.String,
    "currency": pl.String,
    "is_consumer": pl.Boolean,
    "status": pl.String,
    "credit_limit": pl.Int64,
    "collector_id": pl.Int64,
    "timezone": pl.String,
    "region": pl.String,
    "country": pl.String,
}

CONTACTS_SQL = (
    "SELECT customer_id, id AS contact_id, name AS contact_name, phone, is_primary, do_not_call FROM ledger_contact"
    " WHERE phone <> ''"
)
CONTACTS_SCHEMA = {
    "customer_id": pl.Int64,
    "contact_id": pl.Int64,
    "contact_name": pl.String,
    "phone": pl.String,
    "is_primary": pl.Boolean,
    "do_not_call": pl.Boolean,
}


def customer_profiles(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    return read(PROFILES_SQL + sql.for_customer("c.id", customer_id), PROFILES_SCHEMA)


def callable_contacts(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Contacts with a phone number (the worklist chooses whom to call among them)."""
    return read(CONTACTS_SQL + sql.for_customer("customer_id", customer_id), CONTACTS_SCHEMA)


def late_payers(read: Reader, *, as_of: dt.date, due_within_days: int, customer_id: int | None = None) -> pl.DataFrame:
    """Customers with an item due within ``due_within_days`` of ``as_of``, and how many of
    their invoices due in the year before it were paid after their due date."""
    horizon = as_of + dt.timedelta(days=due_within_days)
    return read(
        "SELECT i.customer_id, COUNT(*) AS late_paid_last_year FROM ledger_invoice i"
        f" WHERE i.customer_id IN (SELECT o.customer_id FROM ledger_invoice o WHERE {sql.unindexed('o.open_amount')} > 0"
        f" AND o.kind <> 'credit_note' AND o.due_date >= {sql.date(as_of)} AND o.due_date <= {sql.date(horizon)}"
        + sql.for_customer("o.customer_id", customer_id)
        + ") AND i.open_amount = 0 AND i.kind <> 'credit_note'"
        f" AND i.due_date >= {sql.date(as_of - dt.timedelta(days=365))} AND i.due_date < {sql.date(as_of)}"
        " AND EXISTS (SELECT 1 FROM ledger_allocation a WHERE a.invoice_id = i.id AND a.applied_on > i.due_date)"
        " GROUP BY i.customer_id",
        {"customer_id": pl.Int64, "late_paid_last_year": pl.Int64},
    )
