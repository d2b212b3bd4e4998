"""What the soak checks afterwards, each with its figure.

Read straight from the database with SQL (sqlite3 or psycopg, nothing of recoup's), from the
clients' own records, from the fuzzer's reports and from the processes' log files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from bench.soak.data import SOURCE


class Database:
    """Plain SQL on the soak's database: sqlite3 on the file, or psycopg."""

    def __init__(self, *, sqlite_path: Path | None = None, pg_url: str | None = None) -> None:
        self.sqlite_path = sqlite_path
        self.pg_url = pg_url

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            conn = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=60)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        import psycopg

        assert self.pg_url is not None
        with psycopg.connect(self.pg_url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]

    def value(self, sql: str) -> Any:
        return self.rows(sql)[0][0]


def guarded(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A check that cannot even read the database (a corrupt file) fails, saying why."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # any failure to read is the finding
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}


# --- before the soak -------------------------------------------------------------------------------


def snapshot(db: Database) -> dict[str, Any]:
    """What the soak must leave alone: the open amounts of the invoices already there."""
    rows = db.rows("SELECT source, invoice_ref, open_amount FROM ledger_invoice")
    return {
        "open_amounts": {(s, r): o for s, r, o in rows},
        "max_activity_id": db.value("SELECT COALESCE(MAX(id), 0) FROM activities_activity"),
    }


# --- integrity ---------------------------------------------------------------------------------------


def integrity(data_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("recoup.sqlite3", "huey.sqlite3"):
        path = data_dir / name
        if not path.exists():
            continue
        try:
            conn = sqlite3.connect(path, timeout=60)
            try:
                lines = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
                fk = conn.execute("PRAGMA foreign_key_check").fetchmany(20) if name == "recoup.sqlite3" else []
            finally:
                conn.close()
            out[name] = {"integrity_check": lines[:30], "problems": 0 if lines == ["ok"] else len(lines)}
            if name == "recoup.sqlite3":
                out[name]["foreign_key_violations"] = [list(r) for r in fk]
        except sqlite3.Error as exc:
            out[name] = {"integrity_check": [f"{type(exc).__name__}: {exc}"], "problems": 1}
    ok = all(v["problems"] == 0 and not v.get("foreign_key_violations") for v in out.values())
    return {"ok": ok, "files": out}


# --- server errors -----------------------------------------------------------------------------------

ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')
LOG_PATTERNS = {
    "tracebacks": re.compile(r"Traceback \(most recent call last\)"),
    # Django's request log says "Internal Server Error: /path" (the console handler prints the
    # message only); gunicorn and huey name the level.
    "error_lines": re.compile(r"Internal Server Error:|\bERROR\b|\bCRITICAL\b"),
    "worker_timeouts": re.compile(r"WORKER TIMEOUT"),
    "malformed": re.compile(r"database disk image is malformed|malformed", re.I),
    "database_locked": re.compile(r"database is locked", re.I),
}


def server_errors(recorded: list[dict[str, Any]], fuzz: dict[str, Any], logs: Path) -> dict[str, Any]:
    by_client = Counter(r["name"] for r in recorded if r["status"] is not None and r["status"] >= 500)
    no_answer = [r for r in recorded if r["status"] is None]
    access: Counter[str] = Counter()
    access_5xx: list[str] = []
    for path in sorted(logs.glob("*.out")):
        with path.open(errors="replace") as fh:
            for line in fh:
                m = ACCESS_RE.search(line)
                if m is None:
                    continue
                access[m["status"][0] + "xx"] += 1
                if m["status"][0] == "5" and len(access_5xx) < 20:
                    access_5xx.append(f"{path.stem}: {line.strip()[:300]}")
    fuzz_5xx = int(fuzz.get("server_errors") or 0) + int(fuzz.get("not_a_server_error_failures") or 0) if fuzz.get("ran") else 0
    clients_5xx = sum(by_client.values())
    return {
        # A request that got no answer at all (connection dropped, 3-minute client timeout) counts too.
        "ok": clients_5xx == 0 and fuzz_5xx == 0 and access.get("5xx", 0) == 0 and not no_answer,
        "clients_5xx": clients_5xx,
        "clients_5xx_by_request": dict(by_client),
        "clients_5xx_examples": [f"{r['name']}: {r['error']}" for r in recorded if r["status"] and r["status"] >= 500][:10],
        "fuzzer_5xx": fuzz_5xx,
        "access_log_statuses": dict(sorted(access.items())),
        "access_log_5xx_lines": access_5xx,
        "clients_without_answer": len(no_answer),
        "clients_without_answer_examples": sorted({r["error"] or "" for r in no_answer})[:10],
    }


def server_logs(logs: Path) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    per_file: dict[str, dict[str, int]] = {}
    excerpts: list[str] = []
    exceptions: Counter[str] = Counter()
    for path in sorted([*logs.glob("*.err"), *logs.glob("*.out")]):
        text = path.read_text(errors="replace")
        mine = {k: len(p.findall(text)) for k, p in LOG_PATTERNS.items()}
        if any(mine.values()):
            per_file[path.name] = {k: v for k, v in mine.items() if v}
        counts.update(mine)
        for block, last in _tracebacks(path.name, text):
            frames = [ln.strip() for ln in block.splitlines() if ln.lstrip().startswith("File") and "/recoup/" in ln]
            where = frames[-1].split("/recoup/", 1)[1].replace('"', "") if frames else ""
            key = f"{path.name}: {last[:300]}" + (f" (in recoup/{where})" if where else "")
            if key not in exceptions and len(excerpts) < 8:
                excerpts.append(block)  # the first traceback of each kind of failure
            exceptions[key] += 1
    return {
        "ok": counts["tracebacks"] == 0 and counts["error_lines"] == 0 and counts["worker_timeouts"] == 0,
        **{k: counts[k] for k in LOG_PATTERNS},
        # huey's errors are printed twice (its own log handler and the root logger's), so a
        # worker's failure counts two tracebacks; these are the exceptions they end with.
        "exceptions": dict(exceptions.most_common(20)),
        "per_file": per_file,
        "first_traceback_of_each_kind": excerpts,
    }


def _tracebacks(name: str, text: str) -> list[tuple[str, str]]:
    """Each traceback (with the two lines that announce it) and the exception line it ends with."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if "Traceback (most recent call last)" not in line:
            continue
        end = i + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
            end += 1
        block = [ln for ln in lines[max(0, i - 2) : min(len(lines), end + 1)] if ln.strip().strip("^~")]
        if len(block) > 40:
            # Long: keep the head, recoup's own frames (where it failed in the product) and the end.
            ours = [n for n, ln in enumerate(block) if ln.lstrip().startswith("File") and "/recoup/" in ln]
            keep = sorted({*range(3), *ours, *(n + 1 for n in ours), *range(len(block) - 6, len(block))})
            block = [block[n] if n - 1 in keep or n == 0 else f"    ...\n{block[n]}" for n in keep]
        out.append((f"[{name}]\n" + "\n".join(block), lines[end].strip() if end < len(lines) else ""))
    return out


# --- outcomes ----------------------------------------------------------------------------------------


def _instant(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
    parsed = dt.datetime.fromisoformat(str(value))  # SQLite keeps UTC as ISO text
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def outcomes(db: Database, recorded: list[dict[str, Any]], *, after_id: int, slack: float = 2.0) -> dict[str, Any]:
    """Every outcome the server accepted (302) is in activities_activity: same collector,
    customer and outcome, stamped between the moment it was sent and the moment it was
    answered; every outcome it refused (422) or failed (5xx) left no activity behind."""
    rows = db.rows(
        "SELECT a.id, u.email, a.customer_id, a.outcome, a.at FROM activities_activity a "
        f"JOIN accounts_user u ON u.id = a.user_id WHERE a.id > {int(after_id)} AND a.channel = 'call'"
    )
    pool: dict[tuple[str, int, str], list[tuple[float, int]]] = defaultdict(list)
    for activity_id, email, customer_id, outcome, at in rows:
        pool[(email, int(customer_id), outcome)].append((_instant(at), activity_id))
    missing, matched, unmatched_refused = [], 0, []
    accepted = [r for r in recorded if r["status"] == 302]
    others = [r for r in recorded if r["status"] != 302]
    for rec in sorted(accepted, key=lambda r: r["sent_at"]):
        key = (rec["collector"], rec["customer_id"], rec["outcome"])
        window = [(at, aid) for at, aid in pool.get(key, []) if rec["sent_at"] - slack <= at <= rec["answered_at"] + slack]
        if window:
            pool[key].remove(window[0])
            matched += 1
        else:
            missing.append(rec)
    for rec in others:
        key = (rec["collector"], rec["customer_id"], rec["outcome"])
        hit = [at for at, _ in pool.get(key, []) if rec["sent_at"] - slack <= at <= rec["answered_at"] + slack]
        if hit and rec["status"] is not None:
            unmatched_refused.append(rec)
    extra = sum(len(v) for v in pool.values())
    by_status = Counter(str(r["status"]) for r in recorded)
    return {
        "ok": not missing and not unmatched_refused,
        "posted": len(recorded),
        "posted_by_status": dict(by_status),
        "posted_by_outcome": dict(Counter(r["outcome"] for r in recorded)),
        "accepted": len(accepted),
        "found": matched,
        "missing": len(missing),
        "missing_examples": missing[:10],
        "refused_but_present": len(unmatched_refused),
        "refused_examples": sorted({r.get("refused", "") for r in recorded if r["status"] == 422})[:10],
        # Activities by the soak's collectors that no accepted POST accounts for (e.g. an outcome
        # whose answer timed out on the client but was saved): reported, not a failure.
        "activities_not_accounted_for": extra,
        "activities_in_database": len(rows),
    }


# --- jobs --------------------------------------------------------------------------------------------

HUEY_LINE = re.compile(r"^\[(?P<at>[^\]]+)\] (?P<level>[A-Z]+):huey[\w.]*:[^:]*:(?P<msg>.*)$")
EXECUTING = re.compile(r"^Executing (?P<task>\S+): (?P<id>[0-9a-f-]{32,36})")
# A pipeline (an import's scoring, then the worklist refresh) is logged as "a: id -> b: id2".
# A task with retries left is logged with them ("name: id 6 retries executed in 0.5s").
EXECUTED = re.compile(r"^(?P<task>\S+): (?P<id>[0-9a-f-]{32,36})(?: [^>]*?)?(?: -> .*)? executed in (?P<s>[\d.]+)s")
UNHANDLED = re.compile(r"^Unhandled exception in task (?P<id>[0-9a-f-]{32,36})")
REQUEUE = re.compile(r"^Requeueing (?P<id>[0-9a-f-]{32,36}), (?P<n>\d+) retries")


NEXT_IN_PIPELINE = re.compile(r" -> (?P<task>\S+): (?P<id>[0-9a-f-]{32,36})")


def task_states(paths: Iterable[Path]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Each task the workers took, from huey's own log lines, with its last state; and the ids
    of the tasks that were to follow one in a pipeline."""
    tasks: dict[str, dict[str, Any]] = {}
    successors: set[str] = set()
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            m = HUEY_LINE.match(line)
            if m is None:
                continue
            msg = m["msg"]
            if e := EXECUTING.match(msg):
                t = tasks.setdefault(e["id"], {"task": e["task"], "attempts": 0, "retried": False, "worker": path.stem})
                t.update(attempts=t["attempts"] + 1, state="running")
                successors.update(n["id"] for n in NEXT_IN_PIPELINE.finditer(msg))
            elif e := EXECUTED.match(msg):
                tasks.setdefault(e["id"], {"task": e["task"], "attempts": 1, "retried": False}).update(
                    state="done", seconds=float(e["s"])
                )
            elif e := UNHANDLED.match(msg):
                tasks.setdefault(e["id"], {"task": "?", "attempts": 1, "retried": False})["state"] = "failed"
            elif e := REQUEUE.match(msg):
                tasks.setdefault(e["id"], {"task": "?", "attempts": 1, "retried": False}).update(retried=True, state="retrying")
    return tasks, successors


def jobs_from_logs(paths: Iterable[Path], enqueued: Iterable[str] = ()) -> dict[str, Any]:
    enqueued = list(enqueued)
    tasks, successors = task_states(paths)
    by_task: dict[str, Counter[str]] = defaultdict(Counter)
    for t in tasks.values():
        by_task[t["task"].rsplit(".", 1)[-1]][t["state"]] += 1
    lost = [i for i, t in tasks.items() if t["state"] == "failed" and not t["retried"]]
    unfinished = [i for i, t in tasks.items() if t["state"] in ("running", "retrying")]
    never_ran = [i for i in enqueued if i not in tasks]
    return {
        "tasks": len(tasks),
        "by_task": {k: dict(v) for k, v in sorted(by_task.items())},
        "failed_without_retry": len(lost),
        "failed_without_retry_tasks": sorted({tasks[i]["task"] for i in lost}),
        "retried": sum(1 for t in tasks.values() if t["retried"]),
        "unfinished": len(unfinished),
        "enqueued_by_the_soak": len(enqueued),
        "enqueued_never_ran": len(never_ran),
        # A pipeline's next step (the worklist refresh after an import's scoring) does not run
        # when the step before it failed for good: the refresh is then lost with it.
        "pipeline_steps_never_ran": len(successors - tasks.keys()),
    }


def jobs(
    recoup: list[str], env: dict[str, str], worker_logs: list[Path], queue: dict[str, Any] | None, enqueued: list[str]
) -> dict[str, Any]:
    """Every job done, or failed visibly after retries; nothing left queued or running."""
    proc = subprocess.run([*recoup, "jobs", "--json"], env=env, capture_output=True, text=True, timeout=300, check=False)
    from_logs = jobs_from_logs(worker_logs, enqueued)
    drained = queue is not None and queue.get("pending") == 0 and queue.get("scheduled") == 0
    result: dict[str, Any] = {"queue_after_drain": queue, "from_worker_logs": from_logs}
    # Whatever the listing says, every task the soak queued ran and none was left running.
    ran = from_logs["unfinished"] == 0 and from_logs["enqueued_never_ran"] == 0
    if proc.returncode != 0:
        said = (proc.stderr or proc.stdout).strip().splitlines()
        logs_ok = ran and from_logs["failed_without_retry"] == 0 and from_logs["pipeline_steps_never_ran"] == 0
        result.update(listing="jobs listing not available", listing_error=said[-1:], ok=drained and logs_ok)
        result["judged_by"] = "the workers' logs and the queue (there is no `recoup jobs`)"
        return result
    listing = json.loads(proc.stdout)["jobs"]
    silent = [j for j in listing if j["status"] == "failed" and int(j.get("attempts") or 0) <= 1]
    pending = [j for j in listing if j["status"] in ("queued", "running", "retrying")]
    listed = {str(j.get("id")) for j in listing}
    result.update(
        listing="recoup jobs --json",
        jobs=len(listing),
        by_status=dict(Counter(j["status"] for j in listing)),
        failed_examples=[{k: j.get(k) for k in ("task", "attempts", "error")} for j in listing if j["status"] == "failed"][:10],
        failed_without_retry=len(silent),
        not_finished=len(pending),
        enqueued_not_listed=sum(1 for i in enqueued if i not in listed),
        # A job may retry inside itself (no failure in huey's log): the listing is the judge of
        # failures then; the log's figures above are shown beside it.
        ok=not silent and not pending and drained and ran,
        judged_by="recoup jobs --json, the workers' logs and the queue",
    )
    return result


# --- open amounts ------------------------------------------------------------------------------------


def open_amounts(db: Database, before: dict[tuple[str, str], int], expected: pl.DataFrame) -> dict[str, Any]:
    """Each imported invoice's open amount is the replay of the files; every other invoice's is
    what it was before the soak; and every invoice's open amount is its amount less what is
    allocated to it (payments and credits)."""
    now = pl.DataFrame(
        db.rows("SELECT source, invoice_ref, amount, open_amount FROM ledger_invoice"),
        schema={"source": pl.String, "invoice_ref": pl.String, "amount": pl.Int64, "open_amount": pl.Int64},
        orient="row",
    )
    imported = expected.join(now.filter(pl.col("source") == SOURCE), on="invoice_ref", how="left", suffix="_db")
    missing = imported.filter(pl.col("open_amount").is_null())
    wrong = imported.filter(pl.col("open_amount").is_not_null() & (pl.col("open_amount") != pl.col("expected_open")))
    old = pl.DataFrame(
        [(s, r, o) for (s, r), o in before.items()],
        schema={"source": pl.String, "invoice_ref": pl.String, "open_before": pl.Int64},
        orient="row",
    )
    changed = old.join(now, on=["source", "invoice_ref"], how="left").filter(
        pl.col("open_amount").is_null() | (pl.col("open_amount") != pl.col("open_before"))
    )
    inconsistent = db.value(
        "SELECT COUNT(*) FROM ledger_invoice i LEFT JOIN (SELECT invoice_id, SUM(amount) AS s FROM ledger_allocation "
        "GROUP BY invoice_id) a ON a.invoice_id = i.id WHERE i.kind <> 'credit_note' AND i.open_amount <> i.amount - COALESCE(a.s, 0)"
    )
    return {
        "ok": missing.height == 0 and wrong.height == 0 and changed.height == 0 and inconsistent == 0,
        "imported_invoices_expected": expected.height,
        "imported_missing": missing.height,
        "imported_wrong_open_amount": wrong.height,
        "imported_wrong_examples": wrong.head(10).to_dicts(),
        "expected_open_total": int(expected["expected_open"].sum()),
        "database_open_total_of_imported": int(imported["open_amount"].fill_null(0).sum()),
        "other_invoices": old.height,
        "other_invoices_changed": changed.height,
        "other_changed_examples": changed.head(10).to_dicts(),
        "open_amount_not_amount_less_allocations": int(inconsistent),
    }
