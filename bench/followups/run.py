"""Benchmark: deciding a follow-up run over 100,000 customers / 1,000,000 open items.

The ledger of bench/worklist/ledger.py (disputes, promises, plans, contacts, nine countries) is
written into a fresh SQLite file and a fresh PostgreSQL database (recoup_bench_followups), not
timed; every strategy gets the default sample sequence (−3 reminder … +45 credit hold). Then,
each in a new process as the 15-minute job would be:

- decide: ``recoup.dunning.decide.decisions(at=AT, as_of=AS_OF)``: every fact read from the
  database (aggregate SQL, column-wise), pauses, hours, recipients and the decision in Polars;
  timed around the call, with its stages and the process's peak memory. It is exactly what
  ``recoup followups run --dry-run`` computes; a real run adds the writes (not measured here:
  a first run over a never-dunned ledger writes ~100,000 messages, a steady-state run a few);
- baseline: the per-customer ORM loop of bench/followups/baseline.py on a random sample in the
  same run, extrapolated linearly to every customer (labelled as extrapolated).

    .venv/bin/python bench/followups/run.py [--scale 0.1] [--only sqlite|postgresql] [--reuse DIR]

Budget (issue 13): ≤ 30 s on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "recoup_bench_followups"
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BUDGET_S = 30.0


def _env(database_url: str, data_dir: str) -> dict[str, str]:
    env = dict(os.environ, RECOUP_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="recoup.settings")
    env.pop("RECOUP_DATABASE_URL", None)
    if database_url:
        env["RECOUP_DATABASE_URL"] = database_url
    return env


def _django(database_url: str, data_dir: str) -> None:
    os.environ.update(_env(database_url, data_dir))
    if not database_url:
        os.environ.pop("RECOUP_DATABASE_URL", None)
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- children (each in a fresh process) ---------------------------------------------------------


def _fill_defaults(tables: dict[str, Any]) -> dict[str, Any]:
    """The worklist's generator predates some columns (e.g. a dispute's resolution note): give
    every NOT NULL column it leaves out the model's default."""
    import polars as pl
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    models = {m._meta.db_table: m for m in apps.get_models()}
    out = {}
    for table, frame in tables.items():
        model = models.get(table)
        if model is not None:
            for f in model._meta.concrete_fields:
                if f.column in frame.columns or f.null or f.default is NOT_PROVIDED or f.primary_key:
                    continue
                value = f.default() if callable(f.default) else f.default
                if isinstance(value, dict | list):
                    value = json.dumps(value)
                frame = frame.with_columns(pl.lit(value).alias(f.column))
        out[table] = frame
    return out


def _with_emails(tables: dict[str, Any]) -> dict[str, Any]:
    """Dunning writes to e-mail addresses the worklist's ledger does not have: every contact
    gets one, and every fifth non-primary contact is the billing contact."""
    import polars as pl

    contacts = tables["ledger_contact"]
    tables["ledger_contact"] = contacts.with_columns(
        email=pl.format("ap{}@bench.example", pl.col("id")),
        role=pl.when(~pl.col("is_primary") & (pl.col("id") % 5 == 0)).then(pl.lit("billing")).otherwise(pl.lit("")),
    )
    return tables


def child_populate(scale: float) -> dict[str, Any]:
    import bench.worklist.ledger as ledger
    from recoup.dunning.models import SequenceStep
    from recoup.worklist.models import Strategy

    generate = ledger.generate
    ledger.generate = lambda scale, seed=5: _with_emails(_fill_defaults(generate(scale, seed)))  # type: ignore[assignment]
    result = ledger.populate(scale)
    default = Strategy.objects.get(is_default=True)
    sample = list(SequenceStep.objects.filter(strategy=default))
    for strategy in Strategy.objects.exclude(pk=default.pk):
        for step in sample:
            SequenceStep.objects.get_or_create(
                strategy=strategy,
                key=step.key,
                defaults={
                    "label": step.label,
                    "offset_days": step.offset_days,
                    "channel": step.channel,
                    "template_key": step.template_key,
                },
            )
    result["sequence_steps"] = SequenceStep.objects.count()
    return result


def child_decide() -> dict[str, Any]:
    from bench.worklist.ledger import AS_OF, AT
    from recoup.dunning import decide

    started = time.perf_counter()
    decided = decide.decisions(at=AT, as_of=AS_OF)
    seconds = time.perf_counter() - started
    by_channel = decided.groups.group_by("channel").len().sort("channel")
    return {
        "seconds": round(seconds, 2),
        "stages": {k: round(v, 2) for k, v in decided.stages.items()},
        "item_steps_firing": decided.fires.height,
        "messages_and_actions": decided.groups.height,
        "by_channel": dict(zip(by_channel["channel"].to_list(), by_channel["len"].to_list(), strict=True)),
        "customers_skipped": decided.skipped.height,
        "peak_memory_mb": round(_peak_mb()),
    }


def child_baseline(sample: int, seed: int = 13) -> dict[str, Any]:
    import random

    from bench.followups.baseline import decide_customers
    from bench.worklist.ledger import AS_OF, AT
    from recoup.ledger.models import Customer

    ids = sorted(Customer.objects.values_list("pk", flat=True))
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    out = decide_customers(chosen, at=AT, as_of=AS_OF)
    out["sample_customers"] = len(chosen)
    out["all_customers"] = len(ids)
    out["extrapolated_seconds_all_customers"] = round(out["seconds"] * len(ids) / len(chosen), 1)
    out["seconds"] = round(out["seconds"], 2)
    return out


def _child(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    _django(args.database_url, args.data_dir)
    setup = time.perf_counter() - started
    if args.child == "populate":
        result = child_populate(args.scale)
    elif args.child == "decide":
        result = child_decide()
    else:
        result = child_baseline(args.count)
    result["django_setup_seconds"] = round(setup, 2)
    print(json.dumps(result))


# --- parent -----------------------------------------------------------------------------------------


def _run_child(kind: str, url: str, data_dir: str, scale: float, count: int = 0) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    command = [PYTHON, __file__, "--child", kind, "--database-url", url, "--data-dir", data_dir, "--scale", str(scale)]
    proc = subprocess.run([*command, "--count", str(count)], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _postgres(drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {PG_NAME}")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_database(name: str, url: str, args: argparse.Namespace, scratch: str) -> dict[str, Any]:
    data_dir = str(args.reuse / name) if args.reuse else scratch
    marker = Path(data_dir) / "populated.json"
    if marker.exists():
        populated = json.loads(marker.read_text()) | {"reused": True}
    else:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        if name == "postgresql":
            _postgres()
        print(f"{name}: populating ...", flush=True)
        populated, _ = _run_child("populate", url, data_dir, args.scale)
        marker.write_text(json.dumps(populated))
    print(f"{name}: {json.dumps(populated)}", flush=True)
    runs = []
    for i in range(args.repeat):
        load = _load()
        measured, wall = _run_child("decide", url, data_dir, args.scale)
        measured |= {"process_wall_seconds": round(wall, 2), "load_average_before": load}
        print(f"{name}: decide {i + 1}: {json.dumps(measured)}", flush=True)
        runs.append(measured)
    median_s = statistics.median(r["seconds"] for r in runs)
    result: dict[str, Any] = {
        "database": name,
        "scale": args.scale,
        **populated,
        "decide": {
            "runs": runs,
            "median_seconds": round(median_s, 2),
            "budget_seconds": BUDGET_S,
            "within_budget": median_s <= BUDGET_S,
        },
    }
    if args.baseline_sample:
        load = _load()
        baseline, _ = _run_child("baseline", url, data_dir, args.scale, args.baseline_sample)
        baseline["load_average_before"] = load
        baseline["method"] = (
            "Django ORM, ~8 queries per customer (open items, firings, disputes, promises with invoices, plans with"
            " invoices, contacts, credit hold, zone/holiday country) and the scalar rule per item; sampled, then"
            " extrapolated linearly to every customer (not measured at full size)"
        )
        print(f"{name}: baseline: {json.dumps(baseline)}", flush=True)
        result["baseline"] = baseline
        result["speedup_vs_baseline_extrapolated"] = round(baseline["extrapolated_seconds_all_customers"] / median_s, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=2, help="decisions, each in a fresh process")
    parser.add_argument("--baseline-sample", type=int, default=1000, help="customers for the ORM baseline (0: skip)")
    parser.add_argument("--reuse", type=Path, help="keep the populated databases under this directory")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "followups.json")
    parser.add_argument("--child")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    from bench.machine import describe

    started_load = _load()
    results = []
    with tempfile.TemporaryDirectory(prefix="recoup-bench-followups-") as scratch:
        for name, url in (("sqlite", ""), ("postgresql", PG_BENCH)):
            if args.only and args.only != name:
                continue
            results.append(bench_database(name, url, args, str(Path(scratch) / name)))
            if name == "postgresql" and not args.reuse:
                _postgres(drop_only=True)
    from bench.worklist.ledger import AT

    report = {
        "benchmark": "followups",
        "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "machine": describe(),
        "load_average_at_start": started_load,
        "load_average_at_end": _load(),
        "run_instant": AT.isoformat(),
        "notes": [
            "decide.seconds: recoup.dunning.decide.decisions() in a fresh process — what `recoup followups run --dry-run`"
            " computes; stages: read = the fact statements (column-wise), decide = rules.decide (Polars).",
            "The ledger has never been dunned (no firings): every item gets the latest step it has reached, the worst case"
            " for the number of decisions.",
            "baseline: per-customer ORM loop on a random sample in the same run, extrapolated linearly to every customer.",
            "2 cores shared with other sessions' tests and benchmarks: see the load averages beside each figure.",
        ],
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {args.output}")


if __name__ == "__main__":
    main()
