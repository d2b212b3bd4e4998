"""One SQLite library per process: the invariant that keeps the SQLite file from corrupting.

Why it matters (issue: "database disk image is malformed" under `recoup serve`): the ADBC
SQLite driver links its own SQLite. When a process that holds a write transaction through
Python's sqlite3 (Django) also opens and closes the same file through ADBC's copy, the
second library believes it is the last connection (POSIX locks of one process never conflict
with each other), checkpoints and deletes the WAL, and closing its file descriptors drops the
first library's locks: another process then takes the write lock while the first is still
writing. ``test_a_write_transaction_keeps_its_lock_while_columnar_reads_run`` shows exactly
that sequence and fails with the old in-process reader (the WAL vanishes and a second
process gets the write lock); with the reader in its own process it cannot happen.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from recoup.database import columnar

OTHER_WRITER = """
import sqlite3, sys
other = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    other.execute("BEGIN IMMEDIATE")
    print("got the write lock")
except sqlite3.OperationalError as exc:
    print(f"refused: {exc}")
"""


def _file_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE ledger_invoice (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)")
        conn.executemany("INSERT INTO ledger_invoice (amount) VALUES (?)", [(n * 100,) for n in range(1, 1001)])


def test_a_write_transaction_keeps_its_lock_while_columnar_reads_run(tmp_path: Path) -> None:
    db = tmp_path / "recoup.sqlite3"
    _file_database(db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO ledger_invoice (amount) VALUES (5)")

    # A columnar read of the same file while this process writes (what a worker does when
    # it scores while a request in another thread logs a call).
    with columnar.SqliteChild(str(db)) as child:
        frame = child.read("SELECT id, amount FROM ledger_invoice", {"id": pl.Int64, "amount": pl.Int64})
    assert frame.height == 1000  # the reader sees the committed rows only

    assert Path(f"{db}-wal").exists(), "the WAL was deleted under an open write transaction"
    other = subprocess.run([sys.executable, "-c", OTHER_WRITER, str(db)], capture_output=True, text=True, check=True)
    assert other.stdout.startswith("refused: database is locked"), other.stdout
    writer.execute("COMMIT")
    assert writer.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert writer.execute("SELECT COUNT(*) FROM ledger_invoice").fetchone()[0] == 1001
    writer.close()


def test_the_reader_process_sees_one_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "recoup.sqlite3"
    _file_database(db)
    with columnar.SqliteChild(str(db)) as child:
        before = child.read("SELECT COUNT(*) AS n FROM ledger_invoice", {"n": pl.Int64})["n"][0]
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO ledger_invoice (amount) VALUES (7)")
        after = child.read("SELECT COUNT(*) AS n FROM ledger_invoice", {"n": pl.Int64})["n"][0]
    # Both statements read inside one transaction: a commit in between is not half-seen.
    assert before == after == 1000


def test_a_failed_statement_raises_a_database_error_with_the_database_s_words(tmp_path: Path) -> None:
    db = tmp_path / "recoup.sqlite3"
    _file_database(db)
    with columnar.SqliteChild(str(db)) as child:
        with pytest.raises(columnar.ColumnarReadError, match="no such table: nowhere"):
            child.read("SELECT * FROM nowhere", {"x": pl.Int64})
        # The process goes on serving the next statement.
        assert child.read("SELECT COUNT(*) AS n FROM ledger_invoice", {"n": pl.Int64})["n"][0] == 1000


def test_the_reader_process_refuses_to_write(tmp_path: Path) -> None:
    db = tmp_path / "recoup.sqlite3"
    _file_database(db)
    with (
        columnar.SqliteChild(str(db)) as child,
        pytest.raises(columnar.ColumnarReadError, match=r"readonly|read-only|query_only"),
    ):
        child.read("DELETE FROM ledger_invoice RETURNING id", {"id": pl.Int64})


def test_this_process_never_loads_the_adbc_sqlite_driver(tmp_path: Path) -> None:
    db = tmp_path / "recoup.sqlite3"
    _file_database(db)
    with columnar.SqliteChild(str(db)) as child:
        child.read("SELECT id FROM ledger_invoice", {"id": pl.Int64})
    assert "adbc_driver_sqlite" not in sys.modules
    maps = Path("/proc/self/maps")
    if maps.exists():
        assert "adbc_driver_sqlite" not in maps.read_text()
