"""The soak test, CI-sized: one minute of mixed load on a deployment, then every check.

`bench/soak/run.py` starts the deployment the way an operator does (`recoup serve` on SQLite;
on PostgreSQL two web servers and two workers with huey on Redis), and for one minute imports
20,000 invoice rows and a payments file while 20 collectors log outcomes through the pages,
the API is fuzzed and the worker retrains, scores and rebuilds. Afterwards: integrity_check ok,
no server error, no traceback in any log, every logged outcome in the database, every job done
or visibly retried, open amounts equal to a replay of the files (bench/soak/checks.py).

The database follows the suite's: PostgreSQL when RECOUP_DATABASE_URL names one (then Redis at
127.0.0.1:6379 is needed too), SQLite otherwise. It takes about two minutes, so it runs on CI
(`CI` set) or when asked (RECOUP_SOAK=1), and is skipped otherwise, saying so. `make bench-soak`
runs the full ten-minute soak.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.soak]


def _enabled() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("RECOUP_SOAK") == "1"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=3):
            return True
    except OSError:
        return False


def test_a_deployment_under_a_minute_of_mixed_load_loses_nothing(tmp_path: Path) -> None:
    if not _enabled():
        pytest.skip("soak test skipped: it runs on CI (CI set) or with RECOUP_SOAK=1 (about 2 minutes)")
    postgres = os.environ.get("RECOUP_DATABASE_URL", "").startswith("postgres")
    if postgres and not _redis_answers():
        pytest.skip("soak test on PostgreSQL skipped: the team deployment needs Redis at 127.0.0.1:6379")
    out = tmp_path / "soak.json"
    argv = [
        sys.executable,
        str(ROOT / "bench" / "soak" / "run.py"),
        "--target",
        "postgres" if postgres else "sqlite",
        "--minutes",
        "1",
        "--invoices",
        "20000",
        "--demo-customers",
        "150",
        "--demo-invoices",
        "4000",
        "--fuzz-seconds",
        "30",
        "--drain-seconds",
        "120",
        "--output",
        str(out),
    ]
    if postgres:
        argv += ["--pg-database", "recoup_soak_ci", "--redis-db", "14"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
    assert out.exists(), f"the soak wrote no result ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    report = json.loads(out.read_text())
    failed = {name: check for name, check in report["checks"].items() if not check.get("ok")}
    assert not failed, f"kept in {report.get('kept')}:\n" + json.dumps(failed, indent=1, default=str)[:20000]
    assert report["checks"]["outcomes"]["accepted"] > 0, "no collector logged an outcome: the soak did not exercise the pages"
    assert report["checks"]["imports"]["steps"] == ["import-customers", "import-invoices", "import-payments", "export-open-items"]
