"""The child process that reads a SQLite file column-wise (ADBC) for a recoup process.

Run by ``recoup.database.columnar`` as ``python -I sqlite_child.py DATABASE``; never imported
by recoup itself. It exists so that no recoup process ever opens the database through two
SQLite libraries: the ADBC driver links its own SQLite, and when one library closes the file
in a process that another library also has open, POSIX drops the other's locks and the
closing library may checkpoint and delete the WAL under an open transaction ("How To Corrupt
An SQLite Database File", §2.2.1). Here, this process has only ADBC's SQLite, and the
parent only Python's.

Protocol, on stdin/stdout: the parent writes one statement per line as JSON (``{"sql": …}``);
this process answers each with ``T`` and an Arrow IPC stream (which ends with its own
end-of-stream marker), or ``E`` + 8-byte big-endian length + a UTF-8 error message. All
statements run in one read transaction, so they see one snapshot of the database. End of
input ends the transaction and the process.

Imports: the standard library (no ``sqlite3``), pyarrow and the ADBC driver manager and SQLite driver only.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any

READ_PRAGMAS = (
    # Wait for a writer's checkpoint instead of failing at once; the parent's timeout is the same.
    "PRAGMA busy_timeout = 30000",
    # A reader: refuse by construction anything that would write.
    "PRAGMA query_only = 1",
)


def _answer(out: Any, kind: bytes, payload: Any) -> None:
    # ``payload`` is bytes or an Arrow buffer: both are written without another copy.
    out.write(kind + struct.pack(">Q", memoryview(payload).nbytes))
    out.write(payload)
    out.flush()


def main() -> int:
    if "sqlite3" in sys.modules:  # the whole point: one SQLite library in this process
        raise SystemExit("sqlite_child: Python's sqlite3 is loaded in the reader process")
    # The driver manager's own API, not its DB-API module: that one imports pandas and polars,
    # two seconds of start-up for nothing this process uses.
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite
    import pyarrow as pa
    import pyarrow.ipc

    out = sys.stdout.buffer
    database = adbc.AdbcDatabase(driver=adbc_driver_sqlite._driver_path(), uri=sys.argv[1])
    conn = adbc.AdbcConnection(database)
    # Not autocommit: every statement of this process runs in one read transaction, one snapshot.
    conn.set_options(**{"adbc.connection.autocommit": "false"})
    statement = adbc.AdbcStatement(conn)
    try:
        for pragma in READ_PRAGMAS:
            statement.set_sql_query(pragma)
            statement.execute_update()
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                statement.set_sql_query(json.loads(line)["sql"])
                handle, _ = statement.execute_query()
                batches = pa.RecordBatchReader._import_from_c(handle.address)
                # The first batch is read before answering, so a failing query answers "E".
                first = batches.read_next_batch()
            except StopIteration:
                first = None
            except Exception as exc:  # reported to the parent, which raises it there
                _answer(out, b"E", f"{type(exc).__name__}: {exc}".encode())
                continue
            # The batches go straight into the pipe as an Arrow IPC stream (its end-of-stream
            # marker ends the answer): no copy of the whole result in this process.
            out.write(b"T")
            with pyarrow.ipc.new_stream(out, batches.schema) as writer:
                if first is not None:
                    writer.write_batch(first)
                for batch in batches:
                    writer.write_batch(batch)
            out.flush()
    finally:
        statement.close()
        conn.rollback()
        conn.close()
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
