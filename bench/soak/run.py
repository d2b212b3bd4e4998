"""Soak test: a deployment of recoup under mixed load for a while, then checks that nothing was lost.

    python bench/soak/run.py --target sqlite|postgres|both [--minutes 10] [--invoices 300000]

For each target (bench/soak/deployment.py: `recoup serve` on SQLite; or PostgreSQL, huey on
Redis, two web servers and two workers):

1. Setup (not timed as the soak): a fresh database, the demo company (`recoup demo`), the soak's
   collectors beyond the demo's four, today's worklist (`recoup worklist --rebuild`); the files
   to import (bench/soak/data.py); a snapshot of the open amounts already there.
2. The soak, for --minutes: the deployment serves while, at once,
   - 20 collectors log in and log call outcomes through the call-prep sheet's form, and a
     manager opens the aging report and rebuilds the worklist from its page (bench/soak/clients.py);
   - `recoup import` loads customers, --invoices invoice rows and a payments file, then
     `recoup export open-items` reads the ledger back (each import queues the scoring job and the
     worklist refresh, as it does in production);
   - the JSON API is fuzzed by schemathesis, bounded in time and examples (bench/soak/fuzz.py);
   - the nightly retrain of the prediction model is queued at the start (the worker trains while
     the rest goes on), the worklist rebuild and the scoring job every --rebuild-every seconds,
     the promise judging once, as huey's scheduler queues them (hourly and nightly there);
3. The queue is drained (up to --drain-seconds), the processes stopped, and checked
   (bench/soak/checks.py): PRAGMA integrity_check (SQLite), 0 server errors seen by any client
   or in the access logs, no traceback in any log, every outcome the collectors logged present in
   activities_activity, every job done or visibly failed and retried, open amounts equal to a
   replay of the imported files.

Results: bench/results/soak-<target>.json (or --output), with the machine, every check's figure,
and the log directory, kept when a check fails (or with --keep). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.soak import checks, clients, data, fuzz  # noqa: E402
from bench.soak.deployment import BIN, Deployment, deployment_for  # noqa: E402
from bench.soak.probe import collector_emails  # noqa: E402

PASSWORD = "recoup-demo-2026"  # the demo company's password (docs/demo.md); the soak's collectors share it
MANAGER = "manager@demo.recoup.example"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def prepare(dep: Deployment, args: argparse.Namespace, files_dir: Path) -> tuple[dict[str, Any], data.SoakFiles, dict[str, Any]]:
    timings: dict[str, float] = {}
    dep.prepare_storage()
    timings["migrate"], _ = dep.recoup("migrate", "-v", "0")
    demo_s, out = dep.recoup("demo", "--customers", str(args.demo_customers), "--invoices", str(args.demo_invoices), "--json")
    timings["demo"] = demo_s
    timings["collectors"], users_out = dep.probe("users", "--count", str(args.collectors), "--password", PASSWORD)
    timings["worklist_rebuild"], _ = dep.recoup("worklist", "--rebuild", "--json")
    start = time.perf_counter()
    files = data.write_files(
        files_dir,
        invoices=args.invoices,
        customers=args.customers or max(100, args.invoices // 10),
        collectors=collector_emails(args.collectors),
        share_paid=args.share_paid,
        seed=args.seed,
    )
    timings["write_files"] = time.perf_counter() - start
    db = database(dep)
    before = checks.snapshot(db)
    setup = {
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "demo": {k: v for k, v in json.loads(out.strip().splitlines()[-1]).items() if k in ("customers", "invoices", "as_of")},
        "collectors": json.loads(users_out.strip().splitlines()[-1])["collectors"],
        "files": {
            "customers": files.customer_rows,
            "invoice_rows": files.invoice_rows,
            "payment_rows": files.payment_rows,
            "payments": files.payment_count,
        },
        "invoices_before": len(before["open_amounts"]),
    }
    return setup, files, before


def database(dep: Deployment) -> checks.Database:
    if dep.target == "sqlite":
        return checks.Database(sqlite_path=dep.data_dir / "recoup.sqlite3")
    return checks.Database(pg_url=dep.env()["RECOUP_DATABASE_URL"])


def _import(dep: Deployment, what: str, path: Path, results: list[dict[str, Any]]) -> bool:
    argv = [str(BIN / "recoup"), "import", what, str(path), "--no-progress", "--json"]
    return _command(dep, f"import-{what}", argv, results, parse_json=True)


def _command(dep: Deployment, name: str, argv: list[str], results: list[dict[str, Any]], *, parse_json: bool = False) -> bool:
    start, at = time.perf_counter(), time.time()
    with (dep.logs / f"{name}.err").open("wb") as err:
        proc = subprocess.run(argv, env=dep.env(), stdout=subprocess.PIPE, stderr=err, check=False)
    row: dict[str, Any] = {"step": name, "started": round(at, 1), "seconds": round(time.perf_counter() - start, 1)}
    row["exit_code"] = proc.returncode
    out = proc.stdout.decode(errors="replace")
    if parse_json and out.strip():
        try:
            summary = json.loads(out)
            row.update({k: summary[k] for k in ("created", "updated", "unchanged", "invalid") if k in summary})
            if summary.get("errors"):
                row["errors"] = summary["errors"][:5]
        except json.JSONDecodeError:
            row["stdout_tail"] = out[-500:]
    if proc.returncode != 0:
        row["stderr_tail"] = (dep.logs / f"{name}.err").read_text(errors="replace")[-1500:]
    results.append(row)
    return proc.returncode == 0


def importer(dep: Deployment, files: data.SoakFiles, delay: float, results: list[dict[str, Any]], stop: threading.Event) -> None:
    """What an operator runs during the day: the imports, then an export of the open items."""
    if stop.wait(delay):
        return
    for what, path in (("customers", files.customers), ("invoices", files.invoices), ("payments", files.payments)):
        if not _import(dep, what, path, results):
            return  # the next file names rows of this one: nothing sensible follows a failed import
    out = dep.logs.parent / "open-items.csv"
    _command(dep, "export-open-items", [str(BIN / "recoup"), "export", "open-items", "--output", str(out)], results)


def scheduler(dep: Deployment, every: float, minutes: float, results: list[dict[str, Any]], stop: threading.Event) -> None:
    """Queues the nightly retrain at once (the prediction model is trained by the worker while
    the soak runs), then the worklist rebuild and the scoring job every `every` seconds, and the
    promise judging once half-way: huey's scheduler queues the same hourly and nightly."""
    judged = False
    start = time.monotonic()
    what = ["retrain"]
    while True:
        try:
            _, out = dep.probe("enqueue", *what)
            results.append({"at": round(time.time(), 1), **json.loads(out.strip().splitlines()[-1])})
        except SystemExit as exc:  # the probe failed: record it, the soak goes on
            results.append({"at": round(time.time(), 1), "failed": str(exc)[-1500:]})
        if stop.wait(every):
            return
        what = ["rebuild", "score"]
        if not judged and time.monotonic() - start >= minutes * 30:
            what.append("judge")
            judged = True


def soak(dep: Deployment, args: argparse.Namespace, files: data.SoakFiles) -> dict[str, Any]:
    recorder = clients.Recorder()
    stop = threading.Event()
    imports: list[dict[str, Any]] = []
    enqueued: list[dict[str, Any]] = []
    fuzz_result: dict[str, Any] = {"ran": False, "why": "not started"}
    emails = collector_emails(args.collectors)
    threads = [
        threading.Thread(
            target=clients.collector,
            args=(
                clients.Client(email, dep.urls, recorder, stop, timeout=180),
                email,
                PASSWORD,
                (args.think_min, args.think_max),
                n,
            ),
            name=f"collector-{n}",
        )
        for n, email in enumerate(emails)
    ]
    threads.append(
        threading.Thread(
            target=clients.manager,
            args=(clients.Client(MANAGER, dep.urls, recorder, stop, timeout=300), MANAGER, PASSWORD, 20.0, 4),
            name="manager",
        )
    )
    importing = threading.Thread(target=importer, args=(dep, files, args.import_after, imports, stop), name="imports")
    enqueuing = threading.Thread(target=scheduler, args=(dep, args.rebuild_every, args.minutes, enqueued, stop), name="scheduler")

    def fuzzing() -> None:
        cookie = clients.session_cookie(dep.urls, MANAGER, PASSWORD, recorder)
        fuzz_result.clear()
        fuzz_result.update(
            fuzz.run(
                dep.urls[-1],
                cookie,
                seconds=args.fuzz_seconds,
                max_examples=args.fuzz_examples,
                seed=args.seed,
                out=dep.logs.parent / "schemathesis",
                env=dict(os.environ),
            )
        )

    fuzzer = threading.Thread(target=fuzzing, name="fuzzer")
    started = time.time()
    load_samples: list[list[float]] = []
    for n, t in enumerate(threads):
        t.start()
        if n < len(emails):
            time.sleep(0.3)  # logins spread out, as people arrive
    importing.start()
    enqueuing.start()
    fuzzer.start()
    deadline = started + args.minutes * 60
    while time.time() < deadline:
        time.sleep(min(10, max(0.1, deadline - time.time())))
        load_samples.append(_load())
        dead = [p.name for p in dep.processes if not p.alive()]
        if dead:
            break
    stop_at = time.time()
    stop.set()
    for t in [*threads, enqueuing]:
        t.join(timeout=300)
    # The imports and the fuzzer are bounded on their own: waiting for them is part of the run.
    importing.join()
    fuzzer.join()
    return {
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "load_seconds": round(stop_at - started, 1),
        "overran_seconds": round(time.time() - stop_at, 1),
        "processes_died_during_soak": [p.name for p in dep.processes if not p.alive()],
        "load_average_every_10s": load_samples,
        "recorder": recorder,
        "imports": imports,
        "enqueued": enqueued,
        "fuzz": fuzz_result,
    }


def drain(dep: Deployment, seconds: float) -> tuple[dict[str, Any] | None, float]:
    """Wait until the queue is empty and no worker is running a task (from huey's log lines)."""
    start = time.monotonic()
    queue: dict[str, Any] | None = None
    worker_logs = [p.stderr_path for p in dep.processes]
    while time.monotonic() - start < seconds:
        try:
            _, out = dep.probe("queue")
            queue = json.loads(out.strip().splitlines()[-1])
        except SystemExit as exc:
            queue = {"failed": str(exc)[-1000:]}
        running = checks.jobs_from_logs(worker_logs)["unfinished"]
        # "scheduled" holds tasks waiting for a retry with a delay: not done yet either.
        if queue.get("pending") == 0 and queue.get("scheduled") == 0 and running == 0:
            break
        time.sleep(5)
    return queue, round(time.monotonic() - start, 1)


def _requests_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted({r["name"] for r in rows}):
        mine = [r for r in rows if r["name"] == name]
        ms = sorted(r["ms"] for r in mine if "ms" in r)
        out[name] = {
            "requests": len(mine),
            "statuses": {str(s): sum(1 for r in mine if r["status"] == s) for s in sorted({r["status"] or 0 for r in mine})},
            "p50_ms": round(ms[len(ms) // 2], 1) if ms else None,
            "p95_ms": round(ms[int(len(ms) * 0.95)], 1) if ms else None,
            "max_ms": round(ms[-1], 1) if ms else None,
        }
    return out


def run_target(target: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.machine import describe

    scratch = Path(tempfile.mkdtemp(prefix=f"recoup-soak-{target}-"))
    logs, files_dir = scratch / "logs", scratch / "files"
    logs.mkdir()
    files_dir.mkdir()
    args.web_workers = args.web_workers or (2 if target == "sqlite" else 1)
    dep = deployment_for(target, scratch / "data", logs, args)
    report: dict[str, Any] = {
        "benchmark": "soak",
        "target": target,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "git_commit": _git("rev-parse", "HEAD"),
        "src_uncommitted": _git("status", "--porcelain", "--", "src").splitlines(),
        "command": "python bench/soak/run.py " + " ".join(sys.argv[1:]),
        "parameters": {k: v for k, v in vars(args).items() if k not in ("output", "output_dir")},
        "load_average_at_start": _load(),
    }
    print(f"[{target}] setup in {scratch} ...", flush=True)
    setup, files, before = prepare(dep, args, files_dir)
    report["setup"] = setup
    try:
        dep.start()
        dep.wait_ready()
        report["deployment"] = {**dep.describe(), "web_servers": dep.urls}
        print(f"[{target}] serving {dep.urls}; soak for {args.minutes:g} min ...", flush=True)
        run = soak(dep, args, files)
        print(f"[{target}] draining the queue ...", flush=True)
        queue, drained_s = drain(dep, args.drain_seconds)
    finally:
        exit_codes = dep.stop()
    recorder: clients.Recorder = run.pop("recorder")
    report["soak"] = {**run, "drain_seconds": drained_s, "exit_codes_after_stop": exit_codes}
    report["soak"]["requests"] = _requests_summary(recorder.requests)
    print(f"[{target}] checking ...", flush=True)
    db = database(dep)
    result_checks: dict[str, Any] = {}
    if target == "sqlite":
        result_checks["integrity"] = checks.integrity(dep.data_dir)
    result_checks["server_errors"] = checks.server_errors(recorder.requests, run["fuzz"], logs)
    result_checks["server_logs"] = checks.server_logs(logs)
    result_checks["imports"] = {
        "ok": len(run["imports"]) == 4 and all(r["exit_code"] == 0 for r in run["imports"]),
        "steps": [r["step"] for r in run["imports"]],
    }
    result_checks["outcomes"] = checks.guarded(checks.outcomes, db, recorder.outcomes, after_id=before["max_activity_id"])
    worker_logs = [p.stderr_path for p in dep.processes]
    recoup = [str(BIN / "recoup")]
    enqueued = [i for row in run["enqueued"] for i in row.get("queued", {}).values() if i]
    result_checks["jobs"] = checks.guarded(checks.jobs, recoup, dep.env(), worker_logs, queue, enqueued)
    # A job the soak could not even queue is a failure of the run, not a job that never had to run.
    not_queued = [row["failed"] for row in run["enqueued"] if "failed" in row]
    if not_queued and isinstance(result_checks["jobs"], dict):
        result_checks["jobs"].update(ok=False, could_not_queue=len(not_queued), could_not_queue_first=not_queued[0][-500:])
    expected = data.expected_open(files.invoices, files.payments)
    result_checks["open_amounts"] = checks.guarded(checks.open_amounts, db, before["open_amounts"], expected)
    report["checks"] = result_checks
    report["ok"] = all(c.get("ok") for c in result_checks.values())
    report["load_average_at_end"] = _load()
    keep = args.keep or not report["ok"]
    if keep:
        report["kept"] = str(scratch)
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    if target == "postgres" and not keep:
        _drop_postgres(args.pg_database)
    return report


def _drop_postgres(name: str) -> None:
    import psycopg

    from bench.soak.deployment import PG_SERVER

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--invoices", type=int, default=300_000, help="invoice rows imported during the soak")
    parser.add_argument("--customers", type=int, default=0, help="customers of the imported invoices (default invoices/10)")
    parser.add_argument("--share-paid", type=float, default=0.4, help="share of the imported invoices the payments file settles")
    parser.add_argument("--demo-customers", type=int, default=400)
    parser.add_argument("--demo-invoices", type=int, default=12_000)
    parser.add_argument("--collectors", type=int, default=20)
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=5.0)
    parser.add_argument("--import-after", type=float, default=15.0, help="seconds into the soak when the imports start")
    parser.add_argument("--rebuild-every", type=float, default=0, help="seconds between queued rebuilds (default minutes*60/5)")
    parser.add_argument("--fuzz-seconds", type=int, default=0, help="schemathesis time budget (default half the soak, <= 300)")
    parser.add_argument("--fuzz-examples", type=int, default=300, help="schemathesis examples per API operation")
    parser.add_argument("--drain-seconds", type=float, default=600)
    parser.add_argument("--web-workers", type=int, default=0, help="gunicorn workers per web server (sqlite 2, postgres 1 each)")
    parser.add_argument("--pg-database", default="recoup_soak")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data and log directory")
    parser.add_argument("--output", type=Path, help="the JSON file (one target only)")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    args.rebuild_every = args.rebuild_every or max(15.0, args.minutes * 60 / 5)
    args.fuzz_seconds = args.fuzz_seconds or int(min(300, max(15, args.minutes * 30)))
    if args.output and args.target == "both":
        parser.error("--output names one file: use --output-dir with --target both")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = ["sqlite", "postgres"] if args.target == "both" else [args.target]
    failed = []
    for target in targets:
        report = run_target(target, args)
        path = args.output or args.output_dir / f"soak-{target}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1, default=str) + "\n")
        verdict = {name: bool(c.get("ok")) for name, c in report["checks"].items()}
        print(f"[{target}] {'ok' if report['ok'] else 'FAILED'}: {verdict}; written to {path}", flush=True)
        if not report["ok"]:
            failed.append(target)
            if "kept" in report:
                print(f"[{target}] logs and data kept in {report['kept']}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
