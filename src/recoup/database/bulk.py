"""Set-based reads and writes for bulk work (imports, the demo): the ORM serves single objects.

PostgreSQL gets COPY; SQLite gets executemany inside the caller's transaction, which is as
fast as SQLite goes from Python. Every function runs inside the caller's transaction.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

import polars as pl
from django.db.backends.base.base import BaseDatabaseWrapper

BATCH = 50_000
FETCH_ROWS = 100_000
_ROWS_PER_INSERT = 100  # beyond this, longer statements gain nothing measurable
SQLITE_PARAMS = 900  # below SQLite's host-parameter limit on every build


def is_postgres(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def fetch_frame(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any] = (), *, schema: dict[str, Any]) -> pl.DataFrame:
    """Run a query and return its rows as a frame with the given column names and types."""
    frames = []
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        # A slice of rows at a time: a million rows as Python tuples take a gigabyte, the same
        # rows in a frame a tenth of that.
        while rows := cursor.fetchmany(FETCH_ROWS):
            frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
            frames.append(frame.with_columns([pl.col(c).cast(t) for c, t in schema.items()]))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames) if len(frames) > 1 else frames[0]


def reserve_ids(connection: BaseDatabaseWrapper, table: str, count: int) -> pl.Series:
    """Ids for rows about to be inserted, so dependants (audit, allocations) can name them first.

    The table is locked against other writers for the rest of the transaction, so the block
    of ids taken here cannot be taken by anyone else.
    """
    if count == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if is_postgres(connection):
            # An INSERT takes its lock before it draws from the sequence, so once this lock is
            # held nobody can draw a number inside the block claimed below.
            cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            start = int(cursor.fetchone()[0])
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start + count - 1])
        else:
            # The import holds SQLite's write lock (BEGIN IMMEDIATE), so nobody else can take these.
            # Past the highest id ever handed out (AUTOINCREMENT's record), not just the highest
            # still there: an id whose row was deleted is never given to another row, as the
            # audit trail and other apps may still name it.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {qn(table)}), 0),"
                " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            start = int(cursor.fetchone()[0]) + 1
    return pl.int_range(start, start + count, dtype=pl.Int64, eager=True).alias("id")


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """Values in the text forms Django's SQLite backend writes and reads back."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(casts) if casts else frame


def insert_frame(connection: BaseDatabaseWrapper, table: str, frame: pl.DataFrame) -> int:
    """Insert every row of `frame` (its column names are the table's) and return the count."""
    if frame.height == 0:
        return 0
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in frame.columns)
    # The raw driver calls below bypass Django's cursor wrapper; this keeps their errors Django's
    # (IntegrityError and friends), which callers handle.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if is_postgres(connection):
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for start in range(0, frame.height, BATCH * 4):
                buffer = io.BytesIO()
                _for_postgres(frame.slice(start, BATCH * 4)).write_csv(buffer, include_header=False)
                with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(buffer.getbuffer())
            return frame.height
        _insert_sqlite(cursor.cursor, qn(table), cols, frame)
    return frame.height


def _insert_sqlite(raw: sqlite3.Cursor, table: str, cols: str, frame: pl.DataFrame) -> None:
    # Values the same on every row (timestamps, the import run, defaults) go into the statement
    # once; binding them per row is most of what SQLite inserts cost from Python.
    constant = _constants(frame)
    varying = [c for c in frame.columns if c not in constant]
    width = len(varying)
    row = "(" + ", ".join(constant.get(c, "?") for c in frame.columns) + ")"
    # Many rows per statement: each execution of an INSERT pays for opening the table and its
    # indexes and, with AUTOINCREMENT, reading and writing sqlite_sequence; a hundred rows per
    # execution pay that once for all of them (twice as fast at a million rows).
    per = max(1, min(_ROWS_PER_INSERT, raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // max(width, 1)))
    many = f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([row] * per)
    for start in range(0, frame.height, BATCH):
        batch = frame.slice(start, BATCH)
        flat: list[Any] = list(chain.from_iterable(_rows(_for_sqlite(batch.select(varying))))) if width else []
        whole = batch.height - batch.height % per
        # sqlite3's own executemany: Django's wrapper would buffer every row to peek at the first.
        if whole:
            step = per * width
            params = (flat[i : i + step] for i in range(0, whole * width, step)) if width else (() for _ in range(whole // per))
            sqlite3.Cursor.executemany(raw, many, params)
        if batch.height > whole:
            rest = f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([row] * (batch.height - whole))
            sqlite3.Cursor.execute(raw, rest, flat[whole * width :])


def _constants(frame: pl.DataFrame) -> dict[str, str]:
    """SQL literals for the columns that hold one value on every row."""
    if frame.height < 2:
        return {}
    same = []
    for name in frame.columns:
        column = frame[name]
        nulls = column.null_count()
        if nulls == frame.height or (nulls == 0 and not column.dtype.is_nested() and bool((column == column[0]).all())):
            same.append(name)
    first = _for_sqlite(frame.select(same).head(1))
    literals = {name: _sqlite_literal(first[name][0]) for name in same}
    # sqlite3 refuses statement text with a NUL in it; such a value stays a parameter.
    return {name: literal for name, literal in literals.items() if "\x00" not in literal}


BULK_LOAD_MIN_ROWS = 50_000
LOAD_CACHE_KIB = 256 * 1024  # SQLite page cache during a bulk load: well inside the 2 GB budget


@contextmanager
def bulk_load(connection: BaseDatabaseWrapper, table: str, incoming: int) -> Iterator[None]:
    """Around a large insert: set the table's secondary indexes (and, on PostgreSQL, its foreign
    key and unique constraints) aside, and rebuild them after the rows are in.

    Building an index over all rows at once costs a fraction of maintaining it row by row, and
    re-adding a foreign key checks it with one join instead of a trigger call per row. Only
    done when the load is large and at least as big as the table already is. Everything runs in
    the caller's transaction: a rebuilt constraint that fails (a duplicate, a dangling key)
    fails the whole import, and other sessions never see the table without them.
    """
    if incoming < BULK_LOAD_MIN_ROWS:
        yield
        return
    with _roomy_cache(connection), _indexes_aside(connection, table, incoming):
        yield


@contextmanager
def _roomy_cache(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """A bigger SQLite page cache for the load: with the default 2 MB, pages of the table and
    its unique index are spilled to the WAL and read back while the rows go in."""
    if is_postgres(connection):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def _indexes_aside(connection: BaseDatabaseWrapper, table: str, incoming: int) -> Iterator[None]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
        if incoming < int(cursor.fetchone()[0]):
            yield
            return
        if is_postgres(connection):
            # Rows written earlier in this transaction (customers an import created, say) leave
            # deferred foreign-key checks pending, and PostgreSQL will not alter a table with
            # pending checks: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        else:
            constraints = []
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
            )
            indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        if is_postgres(connection):
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _rows(frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Row tuples, built from whole columns (several times faster than DataFrame.iter_rows)."""
    return zip(*(frame[c].to_list() for c in frame.columns), strict=True)


def _sqlite_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _for_postgres(frame: pl.DataFrame) -> pl.DataFrame:
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00"))
    return frame.with_columns(casts) if casts else frame


def update_frame(connection: BaseDatabaseWrapper, table: str, frame: pl.DataFrame, *, key: str = "id") -> int:
    """Set every non-key column of `frame` on the row whose `key` matches."""
    if frame.height == 0:
        return 0
    qn = connection.ops.quote_name
    targets = [c for c in frame.columns if c != key]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if is_postgres(connection):
            temp = f"_upd_{table}"
            # CREATE TABLE AS copies the column types but not the NOT NULL constraints.
            cols = ", ".join(qn(c) for c in frame.columns)
            cursor.execute(f"CREATE TEMP TABLE {qn(temp)} ON COMMIT DROP AS SELECT {cols} FROM {qn(table)} WITH NO DATA")
            insert_frame(connection, temp, frame)
            sets = ", ".join(f"{qn(c)} = u.{qn(c)}" for c in targets)
            cursor.execute(f"UPDATE {qn(table)} AS t SET {sets} FROM {qn(temp)} AS u WHERE t.{qn(key)} = u.{qn(key)}")
            cursor.execute(f"DROP TABLE {qn(temp)}")
            return frame.height
        sets = ", ".join(f"{qn(c)} = ?" for c in targets)
        sql = f"UPDATE {qn(table)} SET {sets} WHERE {qn(key)} = ?"
        ordered = _for_sqlite(frame.select([*targets, key]))
        raw = cursor.cursor
        for start in range(0, ordered.height, BATCH):
            sqlite3.Cursor.executemany(raw, sql, _rows(ordered.slice(start, BATCH)))
    return frame.height


def delete_ids(connection: BaseDatabaseWrapper, table: str, ids: Sequence[int]) -> None:
    qn = connection.ops.quote_name
    ids = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), SQLITE_PARAMS):
            chunk = ids[start : start + SQLITE_PARAMS]
            cursor.execute(f"DELETE FROM {qn(table)} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
