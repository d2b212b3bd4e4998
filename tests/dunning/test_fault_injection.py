"""The run and the sending worker killed with SIGKILL at 50 moments: nothing due is lost, and a
message reaches the server twice only when the kill fell between the server's acceptance and the
status write, with the same Message-ID (tests/dunning/fault_driver.py does the killing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _fresh_postgres(url: str) -> str:
    """An empty database beside the test one (the driver's processes need a real, shared one)."""
    import psycopg

    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "recoup") + "_faults"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def run_driver() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RECOUP_FAULT"))}
    env["RECOUP_DATA_DIR"] = tempfile.mkdtemp(prefix="recoup-faults-")
    env["DJANGO_SETTINGS_MODULE"] = "recoup.settings"
    if os.environ.get("RECOUP_DATABASE_URL"):
        env["RECOUP_DATABASE_URL"] = _fresh_postgres(os.environ["RECOUP_DATABASE_URL"])
    out = Path(env["RECOUP_DATA_DIR"]) / "faults.json"
    subprocess.run([sys.executable, "-m", "tests.dunning.fault_driver", str(out)], cwd=ROOT, env=env, check=True, timeout=600)
    return dict(json.loads(out.read_text()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the driver forks its run and worker")
def test_fifty_kills_lose_nothing_and_repeat_only_what_the_server_had_accepted() -> None:
    result = run_driver()
    print(json.dumps(result, indent=2))  # the counts, for the log
    assert result["kills"] >= 50
    assert result["expected_emails"] > 20
    assert result["lost"] == []
    assert result["not_sent"] == 0
    # A repeat only for a message the server accepted before its status was written, and under
    # the same Message-ID (a decision is one message: one idempotency key, one id).
    assert result["duplicates_outside_windows"] == []
    assert result["unknown_message_ids"] == []
    assert result["same_decision_twice"] == 0
    assert set(result["duplicates"]) <= set(result["acceptance_windows"])
    points = result["kills_by_point"]
    assert points.get("send:accepted", 0) > 0 and points.get("run:compose", 0) > 0 and points.get("run:commit-after", 0) > 0
