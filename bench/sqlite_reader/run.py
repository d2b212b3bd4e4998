"""Benchmark: the cost of reading a large SQLite ledger column-wise with one SQLite library per process.

Until issue 10 the ledger was read through the ADBC SQLite driver inside the recoup process,
beside Django's sqlite3: two SQLite libraries on one file, which corrupted databases. Now the
column-wise read runs in a child process (recoup/database/sqlite_child.py). This times both on
the same ledger, alternately, each in a fresh process as a report or a job would be:

- before: ``recoup.reports.loading.load_ledger`` of a checkout of the old code (--old-src),
  reading the database the old schema names (--old-data);
- after: ``recoup.ledger.frames.load_ledger`` of this checkout, reading the same rows migrated
  to today's schema (--new-data: a copy of --old-data after `recoup init`).

Both read as the aging page and the report command do (as of AS_OF, payments that held cash
since START). Wall time and CPU time (the process and its children, so the reader process
counts) are recorded with the load average; the frames' row counts must agree.

    .venv/bin/python bench/sqlite_reader/run.py --old-src /tmp/old/src --old-data DIR --new-data DIR [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, os, resource, time, datetime as dt
import django
django.setup()
from django.db import connection
AS_OF, START = dt.date(2025, 6, 30), dt.date(2024, 7, 1)
try:
    from recoup.ledger.frames import load_ledger
except ImportError:
    from recoup.reports.loading import load_ledger
def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
c0, t0 = cpu(), time.perf_counter()
ledger = load_ledger(as_of=AS_OF, cash_since=START)
wall, used = time.perf_counter() - t0, cpu() - c0
rows = {n: getattr(ledger, n).height for n in ("invoices", "allocations", "payments", "customers")}
print(json.dumps({"wall_s": round(wall, 2), "cpu_s": round(used, 2), "rows": rows,
                  "load_average": [round(x, 2) for x in os.getloadavg()]}))
"""


def _run(src: Path, data: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")}
    env.update(PYTHONPATH=str(src), RECOUP_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="recoup.settings")
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-src", type=Path, required=True)
    parser.add_argument("--old-data", type=Path, required=True)
    parser.add_argument("--new-data", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "sqlite-reader.json")
    args = parser.parse_args()
    from bench.machine import describe

    runs: list[dict[str, Any]] = []
    for n in range(args.rounds):
        for name, src, data in (("before", args.old_src, args.old_data), ("after", ROOT / "src", args.new_data)):
            result = {"round": n + 1, "code": name, **_run(src, data)}
            print(json.dumps(result), flush=True)
            runs.append(result)
    rows = {r["code"]: r["rows"] for r in runs}
    assert rows["before"] == rows["after"], rows

    def median(code: str, key: str) -> float:
        values = sorted(r[key] for r in runs if r["code"] == code)
        return values[len(values) // 2]

    report = {
        "benchmark": "sqlite-column-wise-read",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "what": "load_ledger(as_of=2025-06-30, cash_since=2024-07-01) of the bench/analytics ledger, fresh process each",
        "rows": rows["after"],
        "runs": runs,
        "median": {c: {"wall_s": median(c, "wall_s"), "cpu_s": median(c, "cpu_s")} for c in ("before", "after")},
    }
    args.output.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report["median"]))


if __name__ == "__main__":
    main()
