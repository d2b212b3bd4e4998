"""Benchmark: payment prediction on the analytics benchmark's ledger (training, scoring, memory).

The ledger is bench/analytics/run.py's (deterministic seed): 100,000 customers, 4,000,000
settled and 1,000,000 open invoices. Timed on the real code paths, in this process:

- training = ``features.training_examples`` (open mode, what `recoup train` uses) + ``model.fit``
  on everything settled before the cut-off; issue mode too unless ``--modes open``;
- scoring = ``features.prediction_rows`` + ``Model.predict`` for every invoice open at the cut-off;
- baselines, in the same run: the ``customer_mean`` baseline's scoring cost (behaviour as of the
  day, one subtraction) and a naive per-invoice feature loop (a sub-ledger per invoice, behaviour
  on it) timed on a sample and **extrapolated** to the training set;
- then, in a child process on a fresh database holding the same ledger (written set-based by
  bench/analytics/from_database.py, not timed): the Django-side ``services.score_open_items`` end to
  end, the columnar write alone, and ``bulk_create`` on a sample (extrapolated) as its baseline.

    .venv/bin/python bench/prediction/run.py [--scale 0.1] [--modes open,issue] [--database postgresql|sqlite|none]

PostgreSQL is the default database: on the development machine the SQLite child was killed by
SIGBUS while populating the full-scale database (in bench/analytics/from_database.populate, before
anything of prediction runs; not investigated). ``--database sqlite`` works at smaller scales.

Budget (issue #4): training on 4,000,000 settled invoices ≤ 120 s, scoring 1,000,000 open
invoices ≤ 15 s, peak memory ≤ 8 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
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
PG_BENCH = "postgres://postgres@127.0.0.1:5432/recoup_bench_prediction"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TRAIN_BUDGET_S, SCORE_BUDGET_S, MEMORY_BUDGET_GB = 120.0, 15.0, 8.0
NAIVE_SAMPLE = 200
BULK_CREATE_SAMPLE = 50_000


def _peak_gb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 2**20, 2)  # ru_maxrss is in KiB on Linux


def _train(ledger: Any, cutoff: dt.date, mode: str) -> tuple[Any, dict[str, Any]]:
    from recoup.prediction.features import training_examples
    from recoup.prediction.model import fit

    started = time.perf_counter()
    examples = training_examples(ledger, cutoff=cutoff, mode=mode)  # type: ignore[arg-type]
    built = time.perf_counter()
    model = fit(examples, cutoff=cutoff, mode=mode)
    done = time.perf_counter()
    seconds = done - started
    figures = {
        "seconds": round(seconds, 2),
        "examples_seconds": round(built - started, 2),
        "fit_seconds": round(done - built, 2),
        "n_examples": examples.height,
        "n_invoices_in_examples": examples["invoice_id"].n_unique(),
        "behaviour_weeks": examples["behaviour_on"].n_unique(),
        "validation": {
            k: model.metrics.get(k) for k in ("mae_days", "mae_days_global_median", "auc_p_late", "auc_p_7", "auc_p_30")
        },
        "budget_seconds": TRAIN_BUDGET_S,
        "within_budget": seconds <= TRAIN_BUDGET_S,
    }
    print(f"train {mode}: {json.dumps(figures)}", flush=True)
    return model, figures


def _candidates(ledger: Any, cutoff: dt.date) -> dict[str, int]:
    """What open-mode training would have used without the sample (not timed; private helpers)."""
    import polars as pl

    from recoup.prediction.features import _base, _snapshot_index, settlement_dates

    # As training_examples builds them: every debit issued before the cut-off, open ones censored.
    debits = settlement_dates(ledger).filter(pl.col("issue_date") < cutoff)
    base = _base(debits.with_columns(settled_on=pl.when(pl.col("settled_on") < cutoff).then(pl.col("settled_on"))))
    first = base["issue_date"].min()
    monday = first - dt.timedelta(days=first.weekday())
    later = _snapshot_index(base, monday, cutoff).join(base.select("invoice_id", "issue_date"), on="invoice_id")
    extra = later.filter(pl.col("at") > pl.col("issue_date"))
    weeks = pl.concat([base.select(at="issue_date"), extra.select("at")])["at"].dt.truncate("1w").n_unique()
    return {
        "invoices": base.height,
        "settled_invoices": base.filter(pl.col("settled_on").is_not_null()).height,
        "open_mode_rows": base.height + extra.height,
        "weeks": weeks,
    }


def _score(ledger: Any, model: Any, at: dt.date, threads: int) -> tuple[Any, dict[str, Any]]:
    from bench.analytics.run import fresh
    from recoup.prediction.features import prediction_rows

    ledger = fresh(ledger)  # cold: nothing cached from training
    started = time.perf_counter()
    rows = prediction_rows(ledger, at=at)
    built = time.perf_counter()
    out = model.predict(rows, threads=threads)
    done = time.perf_counter()
    seconds = done - started
    figures = {
        "threads": threads,
        "seconds": round(seconds, 2),
        "rows_seconds": round(built - started, 2),
        "predict_seconds": round(done - built, 2),
        "n_open": out.height,
        "budget_seconds": SCORE_BUDGET_S,
        "within_budget": seconds <= SCORE_BUDGET_S,
    }
    print(f"score: {json.dumps(figures)}", flush=True)
    return out, figures


def _customer_mean_cost(ledger: Any, at: dt.date) -> dict[str, Any]:
    """The customer_mean baseline of the backtest, as a scorer: behaviour as of the day before,
    each open item's customer's mean days to pay minus its age (global median without history)."""
    import polars as pl

    from bench.analytics.run import fresh
    from recoup.analytics import behaviour_features, open_items
    from recoup.prediction.features import settlement_dates

    ledger = fresh(ledger)
    started = time.perf_counter()
    day = at - dt.timedelta(days=1)
    settled = settlement_dates(ledger).filter(pl.col("settled_on") < at)
    median = settled.select((pl.col("settled_on") - pl.col("issue_date")).dt.total_days().median()).item()
    own = behaviour_features(ledger, day).select("customer_id", "avg_days_to_pay")
    items = open_items(ledger, day).filter(pl.col("kind").is_in(["invoice", "debit_note"]))
    out = items.join(own, on="customer_id", how="left").select(
        "id",
        expected_days=(pl.col("avg_days_to_pay").fill_null(median) - (pl.lit(at) - pl.col("issue_date")).dt.total_days()).clip(
            lower_bound=0
        ),
    )
    seconds = time.perf_counter() - started
    figures = {
        "method": "customer_mean baseline as a scorer: global median + behaviour_features + open_items + one subtraction",
        "seconds": round(seconds, 2),
        "n_open": out.height,
    }
    print(f"customer_mean: {json.dumps(figures)}", flush=True)
    return figures


def _naive_loop(ledger: Any, cutoff: dt.date, n_examples: int, seed: int = 5) -> dict[str, Any]:
    """Features one invoice at a time: the customer's sub-ledger, its behaviour as of the week
    before, what was paid on the invoice before. Timed on a sample, extrapolated (labelled)."""
    import polars as pl

    from recoup.analytics import Ledger, behaviour_features
    from recoup.prediction.features import settlement_dates

    sample = (
        settlement_dates(ledger)
        .filter(pl.col("settled_on") < cutoff)
        .sample(NAIVE_SAMPLE, seed=seed)
        .select("id", "customer_id", "issue_date", "due_date", "amount")
    )
    started = time.perf_counter()
    for row in sample.iter_rows(named=True):
        at = row["issue_date"]
        week = at - dt.timedelta(days=at.isoweekday())
        mine = ledger.invoices.filter(pl.col("customer_id") == row["customer_id"])
        sub = Ledger(
            mine,
            ledger.allocations.filter(pl.col("invoice_id").is_in(mine["id"].implode())),
            ledger.payments.filter(pl.col("customer_id") == row["customer_id"]),
            ledger.customers.filter(pl.col("id") == row["customer_id"]),
        )
        behaviour_features(sub, week)
        sub.allocations.filter((pl.col("invoice_id") == row["id"]) & (pl.col("applied_on") < at))["amount"].sum()
    per_row = (time.perf_counter() - started) / NAIVE_SAMPLE
    figures = {
        "method": "per-invoice loop: filter the customer's sub-ledger, behaviour_features on it, paid-before sum",
        "sample_rows": NAIVE_SAMPLE,
        "seconds_per_row": round(per_row, 5),
        "extrapolated": True,
        "extrapolated_seconds_for_training_examples": round(per_row * n_examples, 0),
        "for_rows": n_examples,
    }
    print(f"naive loop: {json.dumps(figures)}", flush=True)
    return figures


# ---- the Django side, in a child process on a fresh database ---------------------------------


def _django(database_url: str | None, data_dir: str) -> None:
    os.environ["RECOUP_DATA_DIR"] = data_dir
    os.environ.pop("RECOUP_DATABASE_URL", None)
    if database_url:
        os.environ["RECOUP_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "recoup.settings"
    import django

    django.setup()


def _django_child(args: argparse.Namespace) -> dict[str, Any]:
    """Populate, then time score_open_items, the write alone, and bulk_create on a sample."""
    from bench.analytics.from_database import populate
    from bench.analytics.run import AS_OF

    populated = populate(args.scale)
    from django.db import connection, transaction

    from recoup.prediction import services
    from recoup.prediction.models import InvoicePrediction, PredictionModel

    now = dt.datetime(2025, 7, 1, 2, 30, tzinfo=dt.UTC)
    row = PredictionModel.objects.create(
        trained_at=now, cutoff=AS_OF + dt.timedelta(days=1), mode="open", features=[], metrics={}, path=args.model_file
    )
    started = time.perf_counter()
    scored = services.score_open_items(as_of=AS_OF, now=now, model=row)
    end_to_end = time.perf_counter() - started

    # The write alone, on the same predictions (it replaces them all again).
    import polars as pl

    from recoup.ledger.frames import load_ledger
    from recoup.prediction.features import prediction_rows

    # The same steps again, one at a time, to see where the end-to-end time goes.
    at = AS_OF + dt.timedelta(days=1)
    parts: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        parts[name] = round(now_ - mark, 2)
        mark = now_

    fitted = services.load_model(row)
    ledger = load_ledger(as_of=AS_OF)
    lap("load_ledger")
    attributes = services.ledger_attributes()
    lap("ledger_attributes")
    rows = prediction_rows(ledger, at=at, attributes=attributes)
    lap("prediction_rows")
    predicted = fitted.predict(rows)
    lap("predict")
    services.write_predictions(predicted, at=at, model=row, now=now)
    lap("write_predictions")
    write_s = parts["write_predictions"]

    # Baseline: what scoring wrote with before, model instances through bulk_create (a sample).
    sample = predicted.head(BULK_CREATE_SAMPLE).with_columns(
        expected_pay_date=pl.lit(at) + pl.duration(days=pl.col("expected_days").round(0).cast(pl.Int64))
    )
    started = time.perf_counter()
    objects = [
        InvoicePrediction(
            invoice_id=r["invoice_id"],
            expected_pay_date=r["expected_pay_date"],
            p_late=r["p_late"],
            p_7=r["p_7"],
            p_30=r["p_30"],
            model=row,
            scored_at=now,
        )
        for r in sample.iter_rows(named=True)
    ]
    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
        InvoicePrediction.objects.bulk_create(objects, batch_size=2000)
    bulk_s = time.perf_counter() - started
    # Delete of the full set is inside both timed paths; time it alone for the record.
    services.write_predictions(predicted, at=at, model=row, now=now)
    started = time.perf_counter()
    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
    delete_s = time.perf_counter() - started
    return {
        "database": connection.vendor,
        **populated,
        "score_open_items": {
            "seconds": round(end_to_end, 2),
            "scored": scored,
            "includes": "load_ledger + ledger_attributes + prediction_rows + predict + delete old + write new",
            "parts_seconds_second_pass": parts,
        },
        "write_predictions_seconds": round(write_s, 2),
        "delete_all_seconds": round(delete_s, 2),
        "bulk_create_baseline": {
            "rows": sample.height,
            "seconds": round(bulk_s, 2),
            "extrapolated": True,
            "extrapolated_seconds_for_all": round(bulk_s * scored / max(sample.height, 1), 1),
            "method": "InvoicePrediction objects from iter_rows + delete + bulk_create(batch_size=2000), as before",
        },
        "peak_memory_gb": _peak_gb(),
    }


def _fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS recoup_bench_prediction WITH (FORCE)")
        conn.execute("CREATE DATABASE recoup_bench_prediction")


def _run_django(database: str, scale: float, model: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"recoup-prediction-{database}-") as data_dir:
        url = ""
        if database == "postgresql":
            _fresh_postgres()
            url = PG_BENCH
        name = "bench-model.joblib"
        model.save(Path(data_dir) / "models" / name)
        started = time.perf_counter()
        proc = subprocess.run(
            [
                PYTHON,
                __file__,
                "--child",
                "--scale",
                str(scale),
                "--database-url",
                url,
                "--data-dir",
                data_dir,
                "--model-file",
                name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"django child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        result["child_process_seconds"] = round(time.perf_counter() - started, 1)
        print(f"django ({database}): {json.dumps(result)}", flush=True)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--modes", default="open,issue", help="training modes to time; open is the budgeted one")
    parser.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: the model's default, 1)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "none"], default="postgresql")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "prediction.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--model-file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django(args.database_url or None, args.data_dir)
        print(json.dumps(_django_child(args), default=str))
        return

    from bench.analytics.run import AS_OF, generate
    from bench.machine import describe
    from recoup.prediction.model import DEFAULT_THREADS

    threads = args.threads or DEFAULT_THREADS
    load_before = os.getloadavg()
    started = time.perf_counter()
    ledger = generate(args.scale)
    generate_s = time.perf_counter() - started
    sizes = {name: getattr(ledger, name).height for name in ("customers", "invoices", "allocations", "payments")}
    print(f"generated in {generate_s:.1f}s: {sizes}", flush=True)
    cutoff = AS_OF + dt.timedelta(days=1)  # `recoup train --as-of AS_OF`: facts up to AS_OF, predictions at the next day

    training: dict[str, Any] = {}
    models: dict[str, Any] = {}
    for mode in args.modes.split(","):
        models[mode], training[mode] = _train(ledger, cutoff, mode)
    scoring_model = models.get("open") or next(iter(models.values()))
    _, scoring = _score(ledger, scoring_model, cutoff, threads)
    peak_in_memory = _peak_gb()
    load_after = os.getloadavg()

    result: dict[str, Any] = {
        "benchmark": "prediction",
        "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": describe(),
        "load_average_1_5_15": {"before": [round(x, 2) for x in load_before], "after_scoring": [round(x, 2) for x in load_after]},
        "scale": args.scale,
        "rows": sizes,
        "cutoff": cutoff.isoformat(),
        "generate_seconds": round(generate_s, 2),
        "threads": threads,
        "training": training,
        "training_without_sample": _candidates(ledger, cutoff),
        "scoring": scoring,
        "peak_memory_gb": peak_in_memory,
        "peak_memory_budget_gb": MEMORY_BUDGET_GB,
        "peak_memory_within_budget": peak_in_memory <= MEMORY_BUDGET_GB,
        "peak_memory_note": "whole process so far: generated ledger + training + scoring (ru_maxrss)",
    }
    if not args.skip_baselines:
        n_examples = training.get("open", next(iter(training.values())))["n_examples"]
        result["baselines"] = {
            "customer_mean_scoring": _customer_mean_cost(ledger, cutoff),
            "naive_feature_loop": _naive_loop(ledger, cutoff, n_examples),
        }
    if args.database != "none":
        result["django_scoring"] = _run_django(args.database, args.scale, scoring_model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
