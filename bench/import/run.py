"""Benchmark: 1,000,000 canonical invoice rows from CSV into SQLite and into PostgreSQL.

Each run builds a fresh database, imports the customers the invoices point at, then times
`recoup import invoices FILE` in a child process (the real command, progress bar off) and
reads the child's peak memory. The baseline, in the same run, is the straightforward way:
csv.DictReader → Decimal → Django ORM bulk_create, on a smaller file (it is too slow for a
million rows); both are reported as rows per second.

    .venv/bin/python bench/import/run.py [--rows 1000000] [--baseline-rows 50000] [--only sqlite|postgresql]

Budget (issue #2): ≥ 50,000 rows/s on each database, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.machine import describe  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/recoup_bench"
RECOUP = str(ROOT / ".venv" / "bin" / "recoup")


def write_files(folder: Path, rows: int, customers: int, seed: int = 1) -> tuple[Path, Path]:
    """Canonical files as an ERP would write them (nothing of recoup's is used)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cust = pl.DataFrame(
        {
            "customer_ref": [f"C{i:07d}" for i in range(customers)],
            "name": [f"Customer {i}" for i in range(customers)],
            "currency": rng.choice(["USD", "EUR", "GBP", "JPY"], size=customers),
            "payment_terms_days": rng.choice([14, 30, 45, 60], size=customers).astype(str),
        }
    )
    cust_path = folder / "customers.csv"
    cust.write_csv(cust_path)
    who = rng.integers(0, customers, size=rows)
    issue = np.datetime64("2024-01-01") + rng.integers(0, 900, size=rows).astype("timedelta64[D]")
    due = issue + rng.choice([14, 30, 45, 60], size=rows).astype("timedelta64[D]")
    cents = rng.integers(1_000, 5_000_000, size=rows)
    currency = cust["currency"].to_numpy()[who]
    amount = np.where(
        currency == "JPY",
        (cents // 100).astype(str),
        np.char.add(np.char.add((cents // 100).astype(str), "."), np.char.zfill((cents % 100).astype(str), 2)),
    )
    inv = pl.DataFrame(
        {
            "invoice_ref": [f"INV{i:08d}" for i in range(rows)],
            "customer_ref": cust["customer_ref"].to_numpy()[who],
            "issue_date": issue.astype(str),
            "due_date": due.astype(str),
            "amount": amount,
            "currency": currency,
            "po_number": [f"PO{i % 99991}" for i in range(rows)],
        }
    )
    inv_path = folder / "invoices.csv"
    inv.write_csv(inv_path)
    return cust_path, inv_path


def _env(database_url: str | None, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, RECOUP_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="recoup.settings")
    env.pop("RECOUP_DATABASE_URL", None)
    if database_url:
        env["RECOUP_DATABASE_URL"] = database_url
    return env


def _fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS recoup_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE recoup_bench")


def run_recoup(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Run a recoup command in a child; return (seconds, peak RSS in MB of that child, stdout)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([RECOUP, *args], env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read()
        # wait4 reports this child's own peak, not the largest of all children so far.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"recoup {' '.join(args)} failed:\n{err.read().decode()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024, out.decode()


BASELINE = r"""
import csv, datetime as dt, sys, time
from decimal import Decimal
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from recoup.ledger.models import Customer, Invoice
path = sys.argv[1]
start = time.perf_counter()
customers = dict(Customer.objects.values_list("customer_ref", "id"))
exponents = {"JPY": 0}
batch = []
with transaction.atomic():
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            e = exponents.get(row["currency"], 2)
            minor = int(Decimal(row["amount"]).scaleb(e))
            batch.append(Invoice(invoice_ref=row["invoice_ref"], customer_id=customers[row["customer_ref"]],
                                 issue_date=dt.date.fromisoformat(row["issue_date"]), due_date=dt.date.fromisoformat(row["due_date"]),
                                 currency=row["currency"], amount=minor, open_amount=minor, po_number=row["po_number"]))
            if len(batch) >= 5000:
                Invoice.objects.bulk_create(batch); batch = []
        Invoice.objects.bulk_create(batch)
print(time.perf_counter() - start)
"""


def bench_database(
    name: str,
    database_url: str | None,
    customers_csv: Path,
    invoices_csv: Path,
    baseline_csv: Path,
    rows: int,
    baseline_rows: int,
) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"recoup-bench-{name}-") as tmp:
        data_dir = Path(tmp)
        if name == "postgresql":
            _fresh_postgres()
        env = _env(database_url, data_dir)
        load_before = os.getloadavg()
        run_recoup(env, "migrate", "-v", "0")
        cust_s, _, _ = run_recoup(env, "import", "customers", str(customers_csv), "--no-progress")
        seconds, peak_mb, out = run_recoup(env, "import", "invoices", str(invoices_csv), "--no-progress", "--json")
        load_during = os.getloadavg()
        summary = json.loads(out)
        assert summary["created"] == rows, summary
        again_s, again_peak_mb, again_out = run_recoup(env, "import", "invoices", str(invoices_csv), "--no-progress", "--json")
        again = json.loads(again_out)
        assert again["unchanged"] == rows
        # Baseline on a fresh database of its own, same customers.
        if name == "postgresql":
            _fresh_postgres()
            base_dir = data_dir
        else:
            base_dir = data_dir / "baseline"
            base_dir.mkdir()
        base_env = _env(database_url, base_dir)
        run_recoup(base_env, "migrate", "-v", "0")
        run_recoup(base_env, "import", "customers", str(customers_csv), "--no-progress")
        proc = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-c", BASELINE, str(baseline_csv)],
            env=base_env,
            capture_output=True,
            text=True,
            check=True,
        )
        base_seconds = float(proc.stdout.strip().splitlines()[-1])
    return {
        "database": name,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_memory_mb": round(peak_mb),
        # Inside the command, per stage (CLI start-up is the rest of "seconds").
        "stage_seconds": summary["seconds"],
        "customers_import_seconds": round(cust_s, 2),
        "reimport_unchanged_seconds": round(again_s, 2),
        "reimport_rows_per_second": round(rows / again_s),
        "reimport_stage_seconds": again["seconds"],
        "reimport_peak_memory_mb": round(again_peak_mb),
        # 1-, 5- and 15-minute load averages of the 2-core machine when the run started and just
        # after the timed import: other work on it slows every figure here.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after_import": [round(x, 2) for x in load_during],
        "baseline": {
            "method": "csv.DictReader + Decimal + ORM bulk_create(5000)",
            "rows": baseline_rows,
            "seconds": round(base_seconds, 2),
            "rows_per_second": round(baseline_rows / base_seconds),
        },
        "speedup_vs_baseline": round((rows / seconds) / (baseline_rows / base_seconds), 1),
        "budget": {"rows_per_second_min": 50_000, "peak_memory_mb_max": 2048},
        "within_budget": rows / seconds >= 50_000 and peak_mb < 2048,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "import.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recoup-bench-files-") as tmp:
        folder = Path(tmp)
        customers_csv, invoices_csv = write_files(folder, args.rows, args.customers)
        baseline_csv = folder / "baseline.csv"
        pl.read_csv(invoices_csv, infer_schema=False).head(args.baseline_rows).write_csv(baseline_csv)
        results = []
        for name, url in (("sqlite", None), ("postgresql", PG_BENCH)):
            if args.only and args.only != name:
                continue
            print(f"{name}: importing {args.rows:,} invoice rows ...", flush=True)
            result = bench_database(name, url, customers_csv, invoices_csv, baseline_csv, args.rows, args.baseline_rows)
            print(json.dumps(result, indent=1), flush=True)
            results.append(result)
    report = {
        "benchmark": "import",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
