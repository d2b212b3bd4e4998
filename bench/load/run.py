"""Load test: 50 collectors working today's calls for 2 minutes, on PostgreSQL, production server.

What it does, in order (every server and locust process it starts is stopped, also on failure):

1. A fresh PostgreSQL database (recoup_bench_load, dropped and created) gets the demo company
   at a realistic size through the real command, ``recoup init --demo --customers N
   --invoices M`` (it also trains the prediction model and scores every open item). Then
   50 collector users (load01@bench.recoup.example ...) are created with the ORM, every
   customer is dealt round-robin into their portfolios (no shared pool, so no two users open
   the same customer), each gets a daily capacity, and the three sample strategies' business
   hours are widened to every day 00:00–23:59 in the bench database only (product code and
   defaults untouched), so that today's list is full whatever the weekday and hour the bench
   runs. The database is kept as a template (recoup_bench_load_template).
2. Product: the database is cloned from the template, today's worklist is rebuilt
   (``recoup worklist --rebuild``), and the production server is started the way an operator
   would: ``recoup serve --no-worker --workers W`` (W = 2, the cores; then 4 for comparison, on a
   fresh clone; gunicorn, RECOUP_DEBUG off, a secret key,
   RECOUP_ALLOWED_HOSTS). Locust (bench/load/locustfile.py, headless, one process) runs U
   users for D seconds, spawned R per second; each logs in as its own collector and repeats
   worklist page → first customer's call-prep sheet → outcome POST (no answer, voicemail,
   promise to pay, callback) → the prep sheet it redirects to, with think time between pages.
3. Baseline, same run, same data (fresh clone, rebuilt list), same locust users: the
   straightforward way to serve a Django project, Django's development server
   (``recoup runserver --noreload``: one process, a thread per request, RECOUP_DEBUG off).
4. Profile, in a child process on the product database after its run: SQL queries per
   request (count and time, from django's CaptureQueriesContext) and single-user server times
   for the three pages, plus EXPLAIN ANALYZE of the worklist page's query.

Figures are exact percentiles of every request (locust's own are rounded), per endpoint, with
the error count; the load average and the CPU used by the server and by PostgreSQL are
recorded, because the machine has 2 cores and other work on it slows every figure.

    .venv/bin/python bench/load/run.py [--customers 20000] [--invoices 600000] [--users 50] \
        [--duration 120] [--workers 2 4] [--skip-baseline] [--reuse]

Budget (issue #6): p95 worklist page ≤ 200 ms, p95 outcome logging ≤ 150 ms, no errors.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "recoup_bench_load"
PG_TEMPLATE = "recoup_bench_load_template"
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
RECOUP = str(BIN / "recoup")
LOCUST = str(BIN / "locust")
LOCUSTFILE = str(Path(__file__).with_name("locustfile.py"))
PASSWORD = "bench-load-2026"  # the bench collectors' password, in a throw-away database
USER_EMAIL = "load{:02d}@bench.recoup.example"
BUDGET = {"worklist page": 200.0, "outcome POST": 150.0}
ENDPOINTS = ("worklist page", "prep sheet", "outcome POST", "prep sheet after outcome", "login page", "login")


def _env(data_dir: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, RECOUP_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="recoup.settings", RECOUP_DATABASE_URL=PG_BENCH)
    env.update(
        RECOUP_DEBUG="0",
        RECOUP_SECRET_KEY=secrets.token_urlsafe(50),
        RECOUP_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        RECOUP_LOG_LEVEL="WARNING",
    )
    env.pop("RECOUP_HUEY_IMMEDIATE", None)
    env.update(extra)
    return env


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]


def _admin_on(database: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + database, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]


def _run(argv: list[str], env: dict[str, str], what: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return time.perf_counter() - start, proc.stdout + proc.stderr


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- children (run in a fresh process with Django set up on the bench database) ------------------


def child_setup(users: int, capacity: int) -> dict[str, Any]:
    """Bench collectors, portfolios dealt round-robin, strategy hours widened to every day."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from recoup.accounts.models import Role, User
    from recoup.ledger.models import Customer
    from recoup.worklist.models import Strategy

    hashed = make_password(PASSWORD)  # one hash, shared: 50 Argon2 runs would only cost time
    with transaction.atomic():
        collectors = [
            User(
                email=USER_EMAIL.format(i),
                username=USER_EMAIL.format(i),
                role=Role.COLLECTOR,
                first_name="Load",
                last_name=f"Collector {i:02d}",
                password=hashed,
                daily_capacity=capacity,
            )
            for i in range(1, users + 1)
        ]
        User.objects.bulk_create(collectors)
        collectors = list(User.objects.filter(email__endswith="@bench.recoup.example").order_by("email"))
        ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
        for n, user in enumerate(collectors):
            Customer.objects.filter(id__in=ids[n :: len(collectors)]).update(collector=user)
        strategies = []
        for strategy in Strategy.objects.all():
            strategy.definition = {
                **strategy.definition,
                "hours": {"start": "00:00", "end": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]},
            }
            strategy.save(update_fields=["definition"])
            strategies.append(strategy.name)
    return {"collectors": len(collectors), "customers": len(ids), "capacity": capacity, "strategies_widened": strategies}


def child_lists() -> dict[str, Any]:
    """How full each bench collector's list is after the rebuild."""
    import django

    django.setup()
    from django.db.models import Count

    from recoup.worklist.models import EntryStatus, WorklistEntry

    per = list(
        WorklistEntry.objects.filter(status=EntryStatus.SCHEDULED, collector__email__endswith="@bench.recoup.example")
        .values("collector")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    by_status = dict(WorklistEntry.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "entries_by_status": by_status,
        "collectors_with_a_list": len(per),
        "list_length_min": min(per, default=0),
        "list_length_max": max(per, default=0),
    }


def child_profile(rounds: int) -> dict[str, Any]:
    """Queries per request and single-user server times (django test client, no network)."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from recoup.accounts.models import User
    from recoup.worklist import selectors
    from recoup.worklist.models import EntryStatus, WorklistEntry

    user = User.objects.get(email=USER_EMAIL.format(50))
    client = Client()
    client.force_login(user)
    client.get("/worklist/")  # warm-up: imports, template loading, connection
    pages: dict[str, list[dict[str, Any]]] = {"worklist page": [], "prep sheet": [], "outcome POST": []}

    def measure(name: str, call: Any, expect: int) -> None:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = call()
            ms = (time.perf_counter() - start) * 1000
        assert response.status_code == expect, (name, response.status_code)
        sql = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries), reverse=True)
        # refresh_customer deletes and re-inserts the customer's entry: one DELETE per refresh.
        refreshes = sum(1 for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "worklist_worklistentry"'))
        pages[name].append(
            {
                "refreshes": refreshes,
                "ms": ms,
                "queries": len(sql),
                "sql_ms": sum(t for t, _ in sql),
                "slowest": [(round(t, 2), s[:1200]) for t, s in sql[:3]],
            }
        )

    for i in range(rounds):
        entry = (
            WorklistEntry.objects.filter(collector=user, status=EntryStatus.SCHEDULED)
            .order_by("-points", "-cash_at_risk")
            .first()
        )
        assert entry is not None, "the profiled collector's list ran out"
        measure("worklist page", lambda: client.get("/worklist/"), 200)
        measure("prep sheet", lambda e=entry: client.get(f"/calls/{e.customer_id}/"), 200)
        outcome = ("no_answer", "voicemail")[i % 2]
        measure("outcome POST", lambda e=entry, o=outcome: client.post(f"/calls/{e.customer_id}/outcome/", {"outcome": o}), 302)
    summary: dict[str, Any] = {}
    for name, rows in pages.items():
        slowest = max(rows, key=lambda r: r["sql_ms"])
        summary[name] = {
            "rounds": len(rows),
            "median_ms": round(statistics.median(r["ms"] for r in rows), 1),
            "queries_median": statistics.median(r["queries"] for r in rows),
            "sql_ms_median": round(statistics.median(r["sql_ms"] for r in rows), 1),
            "worklist_refreshes_per_request": statistics.median(r["refreshes"] for r in rows),
            "slowest_queries_of_the_slowest_round": slowest["slowest"],
        }
    qs = selectors.visible_entries(user)
    summary["worklist_query_explain"] = qs[:200].explain(analyze=True).splitlines()
    summary["worklist_count_explain"] = [
        line for line in WorklistEntry.objects.filter(pk__in=qs.values("pk")).explain(analyze=True).splitlines()[:12]
    ]
    return summary


def _child(args: argparse.Namespace) -> None:
    if args.child == "setup":
        result = child_setup(args.users, args.capacity)
    elif args.child == "lists":
        result = child_lists()
    else:
        result = child_profile(args.rounds)
    print(json.dumps(result, default=str))


def _run_child(kind: str, data_dir: str, **opts: Any) -> dict[str, Any]:
    argv = [PYTHON, __file__, "--child", kind]
    for key, value in opts.items():
        argv += [f"--{key}", str(value)]
    _, out = _run(argv, _env(data_dir), f"child {kind}")
    return dict(json.loads(out.strip().splitlines()[-1]))


# --- servers and locust -----------------------------------------------------------------------


class Server:
    """A web server in its own process group, stopped (group and all) on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, port: int) -> None:
        self.log = log.open("wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.port = port

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login/", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"the server did not answer within {timeout} s; see {self.log.name}")

    def cpu_seconds(self) -> float:
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _postgres_cpu_seconds() -> float:
    """CPU of the live PostgreSQL processes plus what the postmaster's exited children used
    (backends end with their connections, and their time would be lost otherwise)."""
    import psutil

    total = 0.0
    for p in psutil.process_iter(["name", "cpu_times", "ppid"]):
        times = p.info["cpu_times"]
        if p.info["name"] not in ("postgres", "postmaster") or times is None:
            continue
        total += times.user + times.system
        if p.info["ppid"] == 1 or p.info["name"] == "postmaster":
            total += times.children_user + times.children_system
    return total


def _percentile(sorted_ms: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_ms:
        return float("nan")
    pos = (len(sorted_ms) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_ms) - 1)
    return sorted_ms[lo] + (sorted_ms[hi] - sorted_ms[lo]) * (pos - lo)


def _summarise(rows: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ENDPOINTS:
        mine = [r for r in rows if r["name"] == name]
        if not mine:
            continue
        ms = sorted(r["ms"] for r in mine)
        errors = [r for r in mine if r["error"]]
        out[name] = {
            "requests": len(mine),
            "errors": len(errors),
            "p50_ms": round(_percentile(ms, 0.50), 1),
            "p95_ms": round(_percentile(ms, 0.95), 1),
            "p99_ms": round(_percentile(ms, 0.99), 1),
            "max_ms": round(ms[-1], 1),
            "per_second": round(len(mine) / seconds, 2),
            "error_examples": sorted({str(r["error"])[:200] for r in errors})[:5],
        }
    out["_all"] = {
        "requests": len(rows),
        "errors": sum(1 for r in rows if r["error"]),
        "per_second": round(len(rows) / seconds, 2),
    }
    return out


def run_locust(server: Server, scratch: Path, label: str, args: argparse.Namespace) -> dict[str, Any]:
    samples = scratch / f"{label}-samples.jsonl"
    samples.unlink(missing_ok=True)
    env = dict(
        os.environ,
        LOAD_USERS=",".join(USER_EMAIL.format(i) for i in range(1, args.users + 1)),
        LOAD_PASSWORD=PASSWORD,
        LOAD_SAMPLES=str(samples),
        LOAD_THINK_MIN=str(args.think_min),
        LOAD_THINK_MAX=str(args.think_max),
    )
    argv = [
        LOCUST,
        "-f",
        LOCUSTFILE,
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "15",
        "--host",
        f"http://127.0.0.1:{server.port}",
        "--csv",
        str(scratch / label),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    load_samples: list[list[float]] = []
    stop = threading.Event()

    def sample_load() -> None:
        while not stop.wait(10):
            load_samples.append(_load())

    watcher = threading.Thread(target=sample_load, daemon=True)
    server_cpu0, pg_cpu0, load_before = server.cpu_seconds(), _postgres_cpu_seconds(), _load()
    watcher.start()
    locust = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    start, wall_start = time.perf_counter(), time.time()
    try:
        out, _ = locust.communicate(timeout=args.duration + 120)
    except subprocess.TimeoutExpired:
        os.killpg(locust.pid, signal.SIGKILL)
        locust.wait()
        raise SystemExit("locust did not stop in time") from None
    finally:
        if locust.poll() is None:
            os.killpg(locust.pid, signal.SIGKILL)
            locust.wait()
        stop.set()
    elapsed = time.perf_counter() - start
    (scratch / f"{label}-locust.log").write_bytes(out or b"")
    if not samples.exists():
        raise SystemExit(f"locust wrote no samples ({locust.returncode}):\n{(out or b'').decode()[-4000:]}")
    rows = [json.loads(line) for line in samples.read_text().splitlines() if line.strip()]
    # Steady state: from the moment the last user has been spawned (and logged in) to the end.
    ramp = args.users / args.spawn_rate + 5
    steady = [r for r in rows if r["t"] >= wall_start + ramp]
    return {
        "endpoints": _summarise(rows, elapsed),
        "steady_state_after_seconds": ramp,
        "endpoints_steady_state": _summarise(steady, elapsed - ramp),
        "locust_seconds": round(elapsed, 1),
        "locust_exit_code": locust.returncode,
        "server_cpu_seconds": round(server.cpu_seconds() - server_cpu0, 1),
        "postgres_cpu_seconds": round(_postgres_cpu_seconds() - pg_cpu0, 1),
        "load_average_before": load_before,
        "load_average_every_10s": load_samples,
        "load_average_after": _load(),
    }


def warm_up(server: Server, workers: int) -> None:
    """What a server that has run for a while has done: every worker imported the views and
    compiled the templates. A few sessions, in parallel so that each worker gets some, log in
    and read the worklist and a prep sheet (nothing is written but the sessions)."""
    import re

    import requests

    base = f"http://127.0.0.1:{server.port}"

    def one(i: int) -> None:
        with requests.Session() as s:
            page = s.get(f"{base}/login/", timeout=60)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            email = USER_EMAIL.format(i % 50 + 1)
            data = {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""}
            s.post(f"{base}/login/", data=data, timeout=60)
            for _ in range(3):
                listing = s.get(f"{base}/worklist/", timeout=60)
                first = re.search(r'href="/calls/(\d+)/"', listing.text)
                if first:
                    s.get(f"{base}/calls/{first.group(1)}/", timeout=60)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2 * workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _fresh_clone(data_dir: str) -> float:
    _admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)", f"CREATE DATABASE {PG_NAME} TEMPLATE {PG_TEMPLATE}")
    seconds, _ = _run([RECOUP, "worklist", "--rebuild", "--json"], _env(data_dir), "recoup worklist --rebuild")
    return seconds


def prepare(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    _admin(
        f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)",
        f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)",
        f"CREATE DATABASE {PG_NAME}",
    )
    print(f"recoup init --demo --customers {args.customers} --invoices {args.invoices} ...", flush=True)
    init_s, _ = _run(
        [RECOUP, "init", "--demo", "--customers", str(args.customers), "--invoices", str(args.invoices)],
        _env(data_dir),
        "recoup init --demo",
    )
    setup = _run_child("setup", data_dir, users=args.users, capacity=args.capacity)
    # What autovacuum does to a live database a minute after a bulk load. A clone made from the
    # template copies the planner statistics but not the counters that would trigger it, so
    # without this the clones would never be analyzed (and e.g. the prep sheet's payment history
    # would read all of ledger_allocation: see "planner_statistics" in the results).
    analyze_start = time.perf_counter()
    _admin_on(PG_NAME, "VACUUM ANALYZE")
    analyze_s = time.perf_counter() - analyze_start
    _admin(f"ALTER DATABASE {PG_NAME} RENAME TO {PG_TEMPLATE}")
    return {"init_demo_seconds": round(init_s, 1), "vacuum_analyze_seconds": round(analyze_s, 1), **setup}


def phase(
    label: str, server_argv: list[str], args: argparse.Namespace, data_dir: str, scratch: Path, port: int, *, workers: int = 2
) -> dict:
    rebuild_s = _fresh_clone(data_dir)
    lists = _run_child("lists", data_dir)
    print(f"{label}: list rebuilt in {rebuild_s:.1f} s: {lists}; serving ...", flush=True)
    env = _env(data_dir)
    with Server(server_argv, env, scratch / f"{label}-server.log", port) as server:
        server.wait_ready()
        warm_up(server, workers)
        print(f"{label}: locust, {args.users} users for {args.duration} s ...", flush=True)
        result = run_locust(server, scratch, label, args)
    result["worklist_rebuild_seconds"] = round(rebuild_s, 1)
    result["lists"] = lists
    return result


def _budget(endpoints: dict[str, Any]) -> dict[str, Any]:
    checks = {
        f"p95 {name} <= {limit:g} ms": endpoints.get(name, {}).get("p95_ms", float("inf")) <= limit
        for name, limit in BUDGET.items()
    }
    checks["no errors"] = endpoints["_all"]["errors"] == 0
    return {"checks": checks, "within_budget": all(checks.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=600_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=40, help="each bench collector's daily capacity")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load (spawning included)")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=5.0)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[2, 4],
        help="gunicorn workers of the production server: the first is the product's figure, others are compared",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse the template database of an earlier run")
    parser.add_argument("--profile-rounds", type=int, default=15)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "load.json")
    parser.add_argument("--child", choices=["setup", "lists", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    from bench.machine import describe

    report: dict[str, Any] = {
        "benchmark": "load",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "load_average_at_start": _load(),
        "command": "make bench-load  (.venv/bin/python bench/load/run.py " + " ".join(sys.argv[1:]) + ")",
        "flow": (
            "each user logs in as its own collector, then repeats: GET /worklist/ -> GET /calls/<first customer>/ -> "
            "POST /calls/<id>/outcome/ (no_answer 35%, voicemail 25%, promise_to_pay 25% [callback when nothing is "
            "overdue], callback 15%; 302 not followed) -> GET the prep sheet it redirects to; think time "
            f"{args.think_min:g}-{args.think_max:g} s between pages"
        ),
        "git_commit": _git("rev-parse", "HEAD"),
        # The checkout is shared: uncommitted changes under src/ at the time of the run, if any.
        "src_uncommitted": _git("status", "--porcelain", "--", "src").splitlines(),
        "users": args.users,
        "duration_seconds": args.duration,
        "spawn_rate_per_second": args.spawn_rate,
        "budget_p95_ms": BUDGET,
    }
    with tempfile.TemporaryDirectory(prefix="recoup-bench-load-") as tmp:
        data_dir = tmp
        scratch = Path(tmp) / "out"
        scratch.mkdir()
        if args.reuse:
            report["data"] = {"reused_template": PG_TEMPLATE}
        else:
            report["data"] = prepare(args, data_dir)
        report["data"].update(customers=args.customers, invoices=args.invoices)
        print(json.dumps(report["data"]), flush=True)
        # The first worker count is the product's figure (and the budget check); any others
        # are run the same way, each on a fresh clone, to show how the server's size matters.
        for n, workers in enumerate(args.workers):
            port = _free_port()
            result = phase(
                f"product-{workers}w",
                [RECOUP, "serve", "--no-worker", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
                args,
                data_dir,
                scratch,
                port,
                workers=workers,
            )
            result["server"] = f"recoup serve --no-worker --workers {workers} (gunicorn sync workers), RECOUP_DEBUG off"
            result.update(_budget(result["endpoints"]))
            print(json.dumps(result, indent=1), flush=True)
            if n == 0:
                report["product"] = result
                try:
                    report["profile_single_user"] = _run_child("profile", data_dir, rounds=args.profile_rounds)
                except SystemExit as exc:  # the figures above stand without it; say why it is missing
                    report["profile_single_user"] = {"failed": str(exc)[-3000:]}
            else:
                report.setdefault("product_other_worker_counts", []).append(result)
        if not args.skip_baseline:
            port = _free_port()
            baseline = phase("baseline", [RECOUP, "runserver", "--noreload", f"127.0.0.1:{port}"], args, data_dir, scratch, port)
            baseline["server"] = (
                "baseline: Django's development server, `recoup runserver --noreload` (one process, a thread per "
                "request), RECOUP_DEBUG off; same data, same users and flow"
            )
            baseline.update(_budget(baseline["endpoints"]))
            print(json.dumps(baseline, indent=1), flush=True)
            report["baseline"] = baseline
    _admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    report["load_average_at_end"] = _load()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
