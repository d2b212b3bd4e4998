"""The ledger as Polars frames, read column-wise through Arrow (ADBC), not through ORM objects.

One set of SQL statements serves SQLite and PostgreSQL; ADBC hands back Arrow tables that
become frames without a Python object per value. Two cases cannot use a second connection
and fall back to Django's own cursor (`ledger.bulk.fetch_frame`, row tuples):

- inside an atomic block (a test's transaction, a service that wrote and now reports): a
  second connection cannot see the block's uncommitted rows;
- an in-memory SQLite database (the test database): the ADBC driver links its own SQLite,
  and an in-memory database is private to the library instance that opened it.

Both paths run the same statements and normalise to the same schema, so they return equal
frames (tests/reports/test_loading.py asserts it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import polars as pl
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from recoup.analytics.frames import Ledger
from recoup.database.bulk import fetch_frame

Schema = Mapping[str, Any]
Reader = Callable[[str, Schema], pl.DataFrame]

INVOICES: Schema = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "kind": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "currency": pl.String,
    "amount": pl.Int64,
}
ALLOCATIONS: Schema = {
    "invoice_id": pl.Int64,
    "payment_id": pl.Int64,
    "credit_note_id": pl.Int64,
    "amount": pl.Int64,
    "applied_on": pl.Date,
}
PAYMENTS: Schema = {"id": pl.Int64, "customer_id": pl.Int64, "received_on": pl.Date, "amount": pl.Int64, "currency": pl.String}
CUSTOMERS: Schema = {
    "id": pl.Int64,
    "customer_ref": pl.String,
    "name": pl.String,
    "segment": pl.String,
    "collector": pl.String,
    "currency": pl.String,
}
FX_RATES: Schema = {"currency": pl.String, "on": pl.Date, "rate_ppb": pl.Int64}


def _until(column: str, as_of: dt.date | None) -> str:
    # A `date` object's ISO text is the only thing ever spliced in (no user text), and a
    # literal keeps one statement for both databases: ADBC's SQLite driver binds `?`,
    # its PostgreSQL driver `$1`. SQLite stores dates as ISO text, so text order is date order.
    if as_of is None:
        return ""
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    return f" WHERE {column} <= '{as_of.isoformat()}'"


def _date(column: str, day_numbers: bool) -> str:
    # SQLite keeps dates as ISO text; handing back day numbers instead spares building and
    # parsing millions of strings (unixepoch needs SQLite 3.38, which the ADBC driver bundles).
    return f"unixepoch({column}) / 86400 AS {column}" if day_numbers else column


def statements(
    as_of: dt.date | None, *, cash_since: dt.date | None = None, day_numbers: bool = False
) -> dict[str, tuple[str, Schema]]:
    """SQL per frame; rows dated after `as_of` are left in the database (as-of correctness
    is the analytics' job too, this only saves reading them).

    `cash_since` is the earliest date the caller will analyse. A payment matters to aging and
    the KPIs only while some of it is unapplied, so with it only payments unapplied today or
    applied (in part) after that date are read: the rest held no cash on any date analysed.
    """
    d = day_numbers
    payments_where = _until("received_on", as_of)
    if cash_since is not None:
        if not isinstance(cash_since, dt.date):
            raise TypeError(f"cash_since must be a date, not {type(cash_since).__name__}")
        held = (
            "(unapplied_amount > 0 OR id IN (SELECT payment_id FROM ledger_allocation"
            f" WHERE payment_id IS NOT NULL AND applied_on > '{cash_since.isoformat()}'))"
        )
        payments_where = f"{payments_where} AND {held}" if payments_where else f" WHERE {held}"
    return {
        "invoices": (
            f"SELECT id, customer_id, kind, {_date('issue_date', d)}, {_date('due_date', d)}, currency, amount"
            " FROM ledger_invoice" + _until("issue_date", as_of),
            INVOICES,
        ),
        "allocations": (
            f"SELECT invoice_id, payment_id, credit_note_id, amount, {_date('applied_on', d)} FROM ledger_allocation"
            + _until("applied_on", as_of),
            ALLOCATIONS,
        ),
        "payments": (
            f"SELECT id, customer_id, {_date('received_on', d)}, amount, currency FROM ledger_payment" + payments_where,
            PAYMENTS,
        ),
        "customers": (
            "SELECT c.id, c.customer_ref, c.name, c.segment, COALESCE(u.email, '') AS collector, c.currency"
            " FROM ledger_customer c LEFT JOIN accounts_user u ON u.id = c.collector_id",
            CUSTOMERS,
        ),
        # Rates leave as integer parts per billion, computed by the database: PostgreSQL's
        # numeric is exact, SQLite's REAL carries a 9-place rate below 10^6 exactly enough
        # that ROUND gives the same integer.
        "fx_rates": (
            'SELECT currency, "on", CAST(ROUND(rate * 1000000000) AS BIGINT) AS rate_ppb FROM reports_fxrate'
            + _until('"on"', as_of),
            FX_RATES,
        ),
    }


def normalise(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """Same names, order and types whichever path read the frame (SQLite hands dates back as
    ISO text, PostgreSQL as Arrow date32; an empty result may come back untyped)."""
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Date and frame.schema[name] == pl.String:
            column = column.str.to_date("%Y-%m-%d")
        elif dtype == pl.Date and frame.schema[name].is_integer():
            column = column.cast(pl.Int32)  # day numbers since 1970-01-01
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


def arrow_uri(settings_dict: Mapping[str, Any]) -> str:
    """An ADBC connection URI for a Django database (the file for SQLite, libpq for PostgreSQL)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return str(settings_dict["NAME"])
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or ""
        # A socket directory is passed as a query parameter; libpq URIs cannot hold a path host.
        netloc = "" if host.startswith("/") else host
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        query = {k: str(v) for k, v in (settings_dict.get("OPTIONS") or {}).items() if k in {"sslmode", "sslrootcert", "options"}}
        if host.startswith("/"):
            query["host"] = host
        params = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return f"postgresql://{auth}{netloc}{port}/{quote(settings_dict['NAME'], safe='')}" + (f"?{params}" if params else "")
    raise ValueError(f"no Arrow reader for database engine {engine!r}")


def arrow_reader(settings_dict: Mapping[str, Any]) -> tuple[Reader, Callable[[], None]]:
    """A reader over one ADBC connection, and the function that closes it."""
    uri = arrow_uri(settings_dict)
    if settings_dict["ENGINE"].endswith("sqlite3"):
        import adbc_driver_sqlite.dbapi as driver
    else:
        import adbc_driver_postgresql.dbapi as driver  # type: ignore[no-redef]
    conn = driver.connect(uri)

    def read(sql: str, schema: Schema) -> pl.DataFrame:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return normalise(frame, schema)

    return read, conn.close


def cursor_reader(connection: BaseDatabaseWrapper) -> Reader:
    """The fallback: Django's cursor, inside whatever transaction the caller holds."""

    def read(sql: str, schema: Schema) -> pl.DataFrame:
        raw = fetch_frame(
            connection, sql.replace("%", "%%"), schema={k: pl.String if v == pl.Date else v for k, v in schema.items()}
        )
        return normalise(raw.with_columns(pl.col(k).cast(pl.String) for k, v in schema.items() if v == pl.Date), schema)

    return read


def uses_arrow(connection: BaseDatabaseWrapper) -> bool:
    """Whether a second (ADBC) connection would see what this one sees."""
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        return not connection.is_in_memory_db()  # type: ignore[attr-defined]
    return connection.vendor == "postgresql"


def read_frames(
    read: Reader, as_of: dt.date | None, *, cash_since: dt.date | None = None, day_numbers: bool = False
) -> dict[str, pl.DataFrame]:
    chosen = statements(as_of, cash_since=cash_since, day_numbers=day_numbers)
    return {name: read(sql, schema) for name, (sql, schema) in chosen.items()}


# Every change to the ledger writes an audit event (imports at least one per run), so the
# newest event's id tells whether anything changed while the tables were being read.
CHANGE_MARKER = ("SELECT COALESCE(MAX(id), 0) AS marker FROM audit_auditevent", {"marker": pl.Int64})
PARALLEL_READERS = 2


def _read_parallel(settings_dict: Mapping[str, Any], chosen: dict[str, tuple[str, Schema]]) -> dict[str, pl.DataFrame]:
    """One ADBC connection per table, two at a time: the drivers decode outside the GIL, so
    two tables load in about the time of one."""

    def one(item: tuple[str, tuple[str, Schema]]) -> tuple[str, pl.DataFrame]:
        name, (sql, schema) = item
        read, close = arrow_reader(settings_dict)
        try:
            return name, read(sql, schema)
        finally:
            close()

    with ThreadPoolExecutor(max_workers=PARALLEL_READERS) as pool:
        return dict(pool.map(one, chosen.items()))


def load_frames(
    *, as_of: dt.date | None = None, cash_since: dt.date | None = None, using: str = "default"
) -> tuple[dict[str, pl.DataFrame], str]:
    """The ledger's frames and which path read them ("arrow" or "cursor").

    The Arrow path reads the tables in parallel over separate connections, which do not share
    a snapshot; if the change marker moved meanwhile, it reads again over one connection (one
    transaction, one snapshot), so a report never mixes the ledger before and after a change.
    """
    connection = connections[using]
    if not uses_arrow(connection):
        return read_frames(cursor_reader(connection), as_of, cash_since=cash_since), "cursor"
    day_numbers = connection.vendor == "sqlite"
    chosen = statements(as_of, cash_since=cash_since, day_numbers=day_numbers)
    read, close = arrow_reader(connection.settings_dict)
    try:
        before = read(*CHANGE_MARKER)["marker"][0]
        frames = _read_parallel(connection.settings_dict, chosen)
        if read(*CHANGE_MARKER)["marker"][0] == before:
            return frames, "arrow"
    finally:
        close()
    read, close = arrow_reader(connection.settings_dict)
    try:
        return read_frames(read, as_of, cash_since=cash_since, day_numbers=day_numbers), "arrow"
    finally:
        close()


def load_ledger(
    *, as_of: dt.date | None = None, cash_since: dt.date | None = None, home_currency: str | None = None, using: str = "default"
) -> Ledger:
    """The ledger as of `as_of` (everything when None), ready for recoup.analytics.

    Pass `cash_since`, the earliest date the analysis looks at, to skip payments that held no
    unapplied cash on or after it (see `statements`).
    """
    frames, _ = load_frames(as_of=as_of, cash_since=cash_since, using=using)
    return Ledger(
        frames["invoices"],
        frames["allocations"],
        frames["payments"],
        frames["customers"],
        fx_rates=frames["fx_rates"],
        home_currency=home_currency or settings.RECOUP_HOME_CURRENCY,
    )
