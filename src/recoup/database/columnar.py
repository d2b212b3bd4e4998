"""Query results as Polars frames, read column-wise where it pays, one SQLite library per process.

Three ways to read, one interface (a ``Reader``: SQL and a schema in, a normalised frame out):

- **PostgreSQL**: an ADBC connection in this process hands back Arrow tables.
- **SQLite, large reads**: a child process (``sqlite_child.py``) reads through ADBC and streams
  Arrow back. The ADBC driver links its own copy of SQLite; opened in this process beside
  Python's ``sqlite3`` (which Django uses), closing it would drop Django's locks and could
  checkpoint and delete the WAL under an open transaction: SQLite's "How To Corrupt An SQLite
  Database File" §2.2.1, seen here as "database disk image is malformed". A process of recoup
  therefore never loads ``adbc_driver_sqlite``; an import-linter contract forbids the import.
- **Django's cursor**: inside an atomic block (a second connection cannot see its uncommitted
  rows), for an in-memory SQLite database (private to its connection) and for small reads,
  where starting a child would cost more than the rows.

Every path normalises to the same schema, so they return equal frames.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import quote

import polars as pl
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from recoup.database.bulk import fetch_frame

Schema = Mapping[str, Any]
Reader = Callable[[str, Schema], pl.DataFrame]
Route = Literal["cursor", "sqlite-child", "adbc"]

CHILD_PROGRAM = Path(__file__).with_name("sqlite_child.py")
# Below this many rows a child process (about half a second to start: Python, pyarrow, the
# driver) costs more than reading the rows through Django's cursor.
CHILD_MIN_ROWS = 100_000


class ColumnarReadError(DatabaseError):
    """A column-wise read failed; the message is the database's (so "database is locked" shows)."""


def normalise(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """Same names, order and types whichever path read the frame (SQLite hands dates back as
    ISO text or day numbers, PostgreSQL as Arrow date32; an empty result may come back untyped)."""
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Date and frame.schema[name] == pl.String:
            column = column.str.to_date("%Y-%m-%d")
        elif dtype == pl.Date and frame.schema[name].is_integer():
            column = column.cast(pl.Int32)  # day numbers since 1970-01-01
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


def route(connection: BaseDatabaseWrapper, *, expected_rows: int | None = None) -> Route:
    """Which path a read on ``connection`` takes (see the module's docstring)."""
    if connection.in_atomic_block:
        return "cursor"
    if connection.vendor == "postgresql":
        return "adbc"
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():  # type: ignore[attr-defined]
            return "cursor"
        if expected_rows is not None and expected_rows < CHILD_MIN_ROWS:
            return "cursor"
        return "sqlite-child"
    return "cursor"


@contextmanager
def reader(connection: BaseDatabaseWrapper | None = None, *, expected_rows: int | None = None) -> Iterator[Reader]:
    """A Reader for one unit of work; the SQLite child and the ADBC connection read every
    statement of the block in one transaction, so they all see one snapshot."""
    connection = connection or connections["default"]
    chosen = route(connection, expected_rows=expected_rows)
    if chosen == "cursor":
        yield cursor_reader(connection)
    elif chosen == "sqlite-child":
        with SqliteChild(str(connection.settings_dict["NAME"])) as child:
            yield child.read
    else:
        read, close = postgres_reader(connection.settings_dict)
        try:
            yield read
        finally:
            close()


def cursor_reader(connection: BaseDatabaseWrapper) -> Reader:
    """Django's cursor, inside whatever transaction the caller holds."""

    def read(sql: str, schema: Schema) -> pl.DataFrame:
        raw = fetch_frame(
            connection, sql.replace("%", "%%"), schema={k: pl.String if v == pl.Date else v for k, v in schema.items()}
        )
        return normalise(raw.with_columns(pl.col(k).cast(pl.String) for k, v in schema.items() if v == pl.Date), schema)

    return read


class SqliteChild:
    """A reader process over one SQLite file (sqlite_child.py); a context manager."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SqliteChild:
        # -I: the child sees neither the caller's PYTHON* variables nor its working directory, so
        # nothing but the standard library, pyarrow and the driver comes into it.
        self._proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD_PROGRAM), self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")},
        )
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        assert proc.stdin is not None
        try:
            proc.stdin.close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()

    def read(self, sql: str, schema: Schema) -> pl.DataFrame:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("SqliteChild.read outside its with block")
        import pyarrow as pa
        import pyarrow.ipc

        try:
            proc.stdin.write(json.dumps({"sql": sql}).encode() + b"\n")
            proc.stdin.flush()
            kind = _read_exactly(proc.stdout, 1)
            if kind == b"E":
                size = struct.unpack(">Q", _read_exactly(proc.stdout, 8))[0]
                raise ColumnarReadError(_read_exactly(proc.stdout, size).decode("utf-8", "replace"))
            # Read straight from the pipe: the stream's end-of-stream marker ends the answer.
            table = pyarrow.ipc.open_stream(pa.PythonFile(proc.stdout, mode="r")).read_all()
        except (OSError, EOFError, pa.ArrowInvalid) as exc:
            raise ColumnarReadError(f"the SQLite reader process ended: {self._stderr_tail()}") from exc
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return normalise(frame, schema)

    def _stderr_tail(self) -> str:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return "no output"
        try:
            proc.wait(timeout=5)
            return proc.stderr.read().decode("utf-8", "replace")[-2000:].strip() or f"exit status {proc.returncode}"
        except (OSError, subprocess.TimeoutExpired):
            return "no output"


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError(f"expected {left} more bytes")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def postgres_uri(settings_dict: Mapping[str, Any]) -> str:
    """A libpq connection URI for a Django PostgreSQL database."""
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


def postgres_reader(settings_dict: Mapping[str, Any]) -> tuple[Reader, Callable[[], None]]:
    """A reader over one ADBC PostgreSQL connection (one transaction), and the function that closes it."""
    import adbc_driver_postgresql.dbapi as driver

    conn = driver.connect(postgres_uri(settings_dict))

    def read(sql: str, schema: Schema) -> pl.DataFrame:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return normalise(frame, schema)

    def close() -> None:
        conn.rollback()  # nothing was written; end the read transaction
        conn.close()

    return read, close
