"""The machine a benchmark ran on, recorded beside its figures."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any


def describe() -> dict[str, Any]:
    import polars
    import psutil

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "polars": polars.__version__,
    }
    try:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5, check=False)
        info["postgresql_client"] = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info
