"""Benchmark: the 13-week cash forecast against the due-date baseline, on the demo company.

A fresh data directory (SQLite) gets the demo company (`recoup demo`, its default size and seed);
then `recoup report forecast-backtest` makes the forecast at ``--count`` weekly as-of dates, the
last one 13 weeks before the data end, each with only what was known at that date, and scores
it and the baseline (each open item on its due date; an overdue one at its due date plus the
customer's average days late) against the cash applied to the items open then: WAPE and bias
at horizons 1, 2, 4, 8 and 13 weeks (docs/forecast.md).

    .venv/bin/python bench/forecast/run.py [--count 10] [--output bench/results/forecast-backtest.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RECOUP = str(ROOT / ".venv" / "bin" / "recoup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="weekly as-of dates (at least 8)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "forecast-backtest.json")
    args = parser.parse_args()
    from bench.machine import describe

    with tempfile.TemporaryDirectory(prefix="recoup-forecast-bench-") as data:
        env = {**os.environ, "RECOUP_DATA_DIR": data}
        env.pop("RECOUP_DATABASE_URL", None)
        subprocess.run([RECOUP, "init"], env=env, check=True, capture_output=True)
        subprocess.run([RECOUP, "demo"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        out = subprocess.run(
            [RECOUP, "report", "forecast-backtest", "--count", str(args.count)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    result = json.loads(out.stdout)
    summary = {h: {name: result["horizons"][h][name]["wape"] for name in ("forecast", "baseline")} for h in result["horizons"]}
    document = {
        "benchmark": "forecast-backtest",
        "ledger": "demo company (recoup demo: default size and seed)",
        "command": f"recoup report forecast-backtest --count {args.count}",
        "machine": describe(),
        "seconds": round(seconds, 2),
        "wape_by_horizon": summary,
        **result,
    }
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    print(json.dumps({"wape_by_horizon": summary, "better_everywhere": result["forecast_better_everywhere"]}, indent=1))


if __name__ == "__main__":
    main()
