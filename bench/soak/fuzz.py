"""The JSON API fuzzed by schemathesis during the soak, bounded in time and examples.

The schema is django-ninja's OpenAPI document at /api/openapi.json; every endpoint needs a
logged-in session (ninja's django_auth), so the fuzzer sends a manager's session cookie. All of
schemathesis's checks run; the soak's own criterion is "no server error" (its
not_a_server_error check and every response's status), and the other findings (responses that
do not match the documented schema, invalid input accepted) are reported beside it.
"""

from __future__ import annotations

import contextlib
import glob
import json
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from bench.soak.deployment import BIN


def available() -> str | None:
    path = BIN / "schemathesis"
    return str(path) if path.exists() else shutil.which("schemathesis")


def run(url: str, cookie: str, *, seconds: int, max_examples: int, seed: int, out: Path, env: dict[str, str]) -> dict[str, Any]:
    exe = available()
    if exe is None:
        return {"ran": False, "why": "schemathesis is not installed in this environment (pip install schemathesis)"}
    if not cookie:
        return {"ran": False, "why": "could not log in to get a session for the API"}
    out.mkdir(parents=True, exist_ok=True)
    # The schema declares the session cookie (ninja's django_auth): handing schemathesis its
    # value as that parameter, rather than as a fixed Cookie header, lets its negative cases
    # leave it out and see the API refuse them.
    config = out / "schemathesis.toml"
    config.write_text('[parameters]\n"cookie.sessionid" = "${RECOUP_SOAK_SESSION}"\n')
    argv = [
        exe,
        "--config-file",
        str(config),
        "run",
        f"{url}/api/openapi.json",
        "--max-time",
        str(seconds),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--request-timeout",
        "120",
        "--report",
        "json,ndjson",
        "--report-dir",
        str(out),
        "--no-color",
    ]
    log = out / "schemathesis.log"
    with log.open("wb") as fh:
        # Run in the report directory: schemathesis keeps a cache (.schemathesis/) where it runs.
        env = {**env, "RECOUP_SOAK_SESSION": cookie}
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=out, start_new_session=True)
        try:
            code = proc.wait(timeout=seconds + 180)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGKILL)
            code = proc.wait()
    result: dict[str, Any] = {
        "ran": True,
        "exit_code": code,
        "max_time_seconds": seconds,
        "max_examples": max_examples,
        "seed": seed,
    }
    result.update(_read_reports(out))
    result["log_tail"] = log.read_text(errors="replace")[-1500:]
    return result


def _read_reports(out: Path) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for path in glob.glob(str(out / "json-*.json")):
        report = json.loads(Path(path).read_text())
        summary = {
            "stop_reason": report.get("stop_reason"),
            "running_seconds": round(report.get("running_time") or 0, 1),
            "operations_tested": report.get("operations", {}).get("tested"),
            "test_cases": report.get("test_cases"),
            "findings": [
                {"code": f.get("code"), "title": f.get("title"), "count": f.get("count"), "operations": f.get("operations")}
                for f in report.get("failures", [])
            ],
            "errors": report.get("errors", [])[:5],
        }
    statuses: Counter[int] = Counter()
    server_error_checks = 0
    examples: list[str] = []
    for path in glob.glob(str(out / "ndjson-*.ndjson")):
        with open(path) as fh:
            for line in fh:
                if '"ScenarioFinished"' not in line[:40]:
                    continue
                recorder = json.loads(line)["ScenarioFinished"]["recorder"]
                for interaction in (recorder.get("interactions") or {}).values():
                    status = (interaction.get("response") or {}).get("status_code")
                    if status is not None:
                        statuses[status] += 1
                    if status is not None and status >= 500 and len(examples) < 5:
                        examples.append(f"{status} {interaction['request']['method']} {interaction['request']['uri']}")
                for checks in (recorder.get("checks") or {}).values():
                    server_error_checks += sum(
                        1 for c in checks if c["name"] == "not_a_server_error" and c["status"] == "failure"
                    )
    summary.update(
        requests=sum(statuses.values()),
        statuses={str(k): v for k, v in sorted(statuses.items())},
        server_errors=sum(v for k, v in statuses.items() if k >= 500),
        not_a_server_error_failures=server_error_checks,
        server_error_examples=examples,
    )
    return summary
