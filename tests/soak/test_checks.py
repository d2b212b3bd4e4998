"""The soak's checks can fail: each one is shown a run that lost something and says so.

Fast, no server: a small SQLite file with the few columns the checks read, log lines as
gunicorn, Django and huey write them, and the soak's own import files.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import polars as pl
from bench.soak import checks, data

WHEN = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _database(path: Path) -> checks.Database:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE accounts_user (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE activities_activity (id INTEGER PRIMARY KEY, user_id INT, customer_id INT, outcome TEXT,
                                          channel TEXT, at TEXT);
        CREATE TABLE ledger_invoice (id INTEGER PRIMARY KEY, source TEXT, invoice_ref TEXT, kind TEXT,
                                     amount INT, open_amount INT);
        CREATE TABLE ledger_allocation (id INTEGER PRIMARY KEY, invoice_id INT, amount INT);
        INSERT INTO accounts_user VALUES (1, 'collector1@demo.recoup.example');
        """
    )
    conn.commit()
    conn.close()
    return checks.Database(sqlite_path=path)


def _execute(path: Path, sql: str, *rows: tuple[object, ...]) -> None:
    conn = sqlite3.connect(path)
    conn.executemany(sql, rows)
    conn.commit()
    conn.close()


def _posted(customer: int, outcome: str, status: int | None, at: dt.datetime) -> dict[str, object]:
    return {
        "collector": "collector1@demo.recoup.example",
        "customer_id": customer,
        "outcome": outcome,
        "sent_at": at.timestamp() - 0.5,
        "answered_at": at.timestamp() + 0.5,
        "status": status,
    }


def test_outcomes_finds_every_accepted_outcome_and_names_the_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = _database(path)
    stamp = WHEN.replace(tzinfo=None).isoformat(sep=" ")
    _execute(path, "INSERT INTO activities_activity VALUES (?, 1, ?, ?, 'call', ?)", (1, 10, "no_answer", stamp))
    posted = [_posted(10, "no_answer", 302, WHEN), _posted(11, "callback", 302, WHEN)]

    result = checks.outcomes(db, posted, after_id=0)

    assert not result["ok"]
    assert (result["found"], result["missing"]) == (1, 1)
    assert result["missing_examples"][0]["customer_id"] == 11


def test_outcomes_refused_by_the_server_must_leave_no_activity(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = _database(path)
    stamp = WHEN.replace(tzinfo=None).isoformat(sep=" ")
    _execute(path, "INSERT INTO activities_activity VALUES (?, 1, ?, ?, 'call', ?)", (1, 10, "dispute", stamp))

    result = checks.outcomes(db, [_posted(10, "dispute", 500, WHEN)], after_id=0)

    assert not result["ok"]
    assert result["refused_but_present"] == 1


def test_outcomes_ignore_activities_from_before_the_soak_and_outside_the_request(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = _database(path)
    early = (WHEN - dt.timedelta(minutes=5)).replace(tzinfo=None).isoformat(sep=" ")
    _execute(path, "INSERT INTO activities_activity VALUES (?, 1, ?, ?, 'call', ?)", (1, 10, "no_answer", early))

    result = checks.outcomes(db, [_posted(10, "no_answer", 302, WHEN)], after_id=0)

    assert result["missing"] == 1  # the same customer and outcome, but five minutes before it was posted


def test_open_amounts_compare_each_imported_invoice_with_the_replay(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = _database(path)
    _execute(
        path,
        "INSERT INTO ledger_invoice VALUES (?, '', ?, 'invoice', ?, ?)",
        (1, "INV1", 1000, 400),
        (2, "INV2", 500, 500),
        (3, "OLD1", 700, 700),
        (4, "LOST", 700, 100),
    )
    _execute(path, "INSERT INTO ledger_allocation VALUES (?, ?, ?)", (1, 1, 600))
    expected = pl.DataFrame(
        {"invoice_ref": ["INV1", "INV2", "INV3"], "amount": [1000, 500, 900], "expected_open": [400, 300, 900]}
    )

    result = checks.open_amounts(db, {("", "OLD1"): 650}, expected)

    assert not result["ok"]
    assert result["imported_wrong_open_amount"] == 1  # INV2: 300 expected, 500 in the database
    assert result["imported_missing"] == 1  # INV3 never arrived
    assert result["other_invoices_changed"] == 1  # OLD1 was 650 before the soak
    assert result["open_amount_not_amount_less_allocations"] == 1  # LOST: 600 gone with no allocation


def test_jobs_from_logs_reads_huey_lines_including_pipelines_and_failures(tmp_path: Path) -> None:
    a, b, c = (
        "1aa89e37-ff9e-474b-823d-3f6cee572895",
        "2176b348-ecc7-47fd-beea-b971e102a70b",
        "fbf75441-3fe1-4f80-b9a1-65ababf205b6",
    )
    log = tmp_path / "worker.err"
    log.write_text(
        f"[2026-12-02 07:19:20,544] INFO:huey:Worker-1:Executing recoup.worklist.tasks.rebuild_task: {a} 6 retries\n"
        # A durable task has retries left, which huey writes before "executed".
        f"[2026-12-02 07:19:21,000] INFO:huey:Worker-1:recoup.worklist.tasks.rebuild_task: {a} 6 retries executed in 0.456s\n"
        f"[2026-12-02 07:19:22,000] INFO:huey:Worker-1:Executing recoup.prediction.tasks.score_open_items_task: {b}"
        f" -> recoup.worklist.tasks.refresh_after_import_task: {c}\n"
        f"[2026-12-02 07:19:23,000] ERROR:huey:Worker-1:Unhandled exception in task {b}.\n"
        "Traceback (most recent call last):\n"
        '  File "/x/src/recoup/prediction/tasks.py", line 40, in score_open_items_task\n'
        "    scored = services.score_open_items()\n"
        "sqlite3.DatabaseError: database disk image is malformed\n"
    )

    result = checks.jobs_from_logs([log], enqueued=[a, "never-seen-id"])

    assert result["by_task"] == {"rebuild_task": {"done": 1}, "score_open_items_task": {"failed": 1}}
    assert result["failed_without_retry"] == 1
    assert result["pipeline_steps_never_ran"] == 1  # the refresh that was to follow the failed scoring
    assert result["enqueued_never_ran"] == 1


def test_server_logs_count_tracebacks_and_say_where_in_recoup_they_failed(tmp_path: Path) -> None:
    (tmp_path / "serve.err").write_text(
        "Internal Server Error: /calls/282/outcome/\n"
        "Traceback (most recent call last):\n"
        '  File "/x/src/recoup/calls/services.py", line 154, in log_outcome\n'
        "    with transaction.atomic():\n"
        "django.db.utils.OperationalError: database is locked\n"
    )
    (tmp_path / "serve.out").write_text(
        '127.0.0.1 - - [02/Dec/2026:07:19:57 +0000] "POST /calls/282/outcome/ HTTP/1.1" 500 145 "-" "x"\n'
    )

    logs = checks.server_logs(tmp_path)
    errors = checks.server_errors([], {"ran": False}, tmp_path)

    assert not logs["ok"]
    assert logs["exceptions"] == {
        "serve.err: django.db.utils.OperationalError: database is locked (in recoup/calls/services.py, line 154, in log_outcome)": 1
    }
    assert not errors["ok"]
    assert errors["access_log_statuses"] == {"5xx": 1}


def test_the_payments_file_settles_what_the_replay_says(tmp_path: Path) -> None:
    files = data.write_files(
        tmp_path, invoices=3000, customers=200, collectors=["a@x.example", "b@x.example"], share_paid=0.5, seed=3
    )
    pay = pl.read_csv(files.payments, infer_schema=False)
    inv = pl.read_csv(files.invoices, infer_schema=False).with_columns(data.minor("amount").alias("minor"))
    expected = data.expected_open(files.invoices, files.payments)

    applied = pay.filter(pl.col("invoice_ref").is_not_null()).with_columns(data.minor("applied_amount").alias("applied"))
    per_payment = applied.group_by("payment_ref").agg(pl.col("applied").sum(), data.minor("amount").first().alias("amount"))
    assert (per_payment["applied"] == per_payment["amount"]).all()  # each payment applies exactly its amount
    assert per_payment.height < applied.height  # and some pay two invoices
    joined = expected.join(inv.select("invoice_ref", "minor"), on="invoice_ref")
    assert ((joined["expected_open"] >= 0) & (joined["expected_open"] <= joined["minor"])).all()
    assert 0 < (joined["expected_open"] == 0).sum() < joined.height  # some paid in full, not all
    assert (joined["expected_open"].sum() + applied["applied"].sum()) == joined["minor"].sum()


def _fake_recoup(tmp_path: Path, listing: list[dict[str, object]] | None) -> list[str]:
    """A stand-in for `recoup` whose `jobs --json` prints `listing` (or fails like an unknown command)."""
    script = tmp_path / "recoup_stand_in.py"
    if listing is None:
        script.write_text("import sys\nprint(\"Unknown command: 'jobs'\", file=sys.stderr)\nsys.exit(1)\n")
    else:
        script.write_text(f"import json\nprint(json.dumps({{'jobs': {listing!r}}}))\n")
    return [sys.executable, str(script)]


def test_jobs_uses_the_listing_when_recoup_has_one(tmp_path: Path) -> None:
    log = tmp_path / "worker.err"
    log.write_text("")
    listing = [
        {"id": "1", "task": "rebuild_task", "status": "done", "attempts": 1, "error": "", "updated_at": "x"},
        {"id": "2", "task": "score_open_items_task", "status": "failed", "attempts": 3, "error": "locked", "updated_at": "x"},
    ]
    drained = {"pending": 0, "scheduled": 0}

    visible = checks.jobs(_fake_recoup(tmp_path, listing), {}, [log], drained, [])
    silent = checks.jobs(_fake_recoup(tmp_path, [{**listing[1], "attempts": 1}]), {}, [log], drained, [])
    missing = checks.jobs(_fake_recoup(tmp_path, None), {}, [log], drained, [])

    assert visible["ok"], visible  # failed after three attempts, and says so: visible
    assert not silent["ok"]  # failed at the first attempt, never retried
    assert missing["listing"] == "jobs listing not available"
    assert missing["ok"]  # the logs show nothing lost
