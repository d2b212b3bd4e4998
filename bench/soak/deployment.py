"""The two deployments of docs/deploy.md, started the way an operator starts them.

- sqlite: the embedded default, one `recoup serve` (gunicorn with 2 web workers and, beside
  it, one huey worker on `huey.sqlite3`), SQLite in the data directory.
- postgres: the team deployment, a dedicated PostgreSQL database, huey on a dedicated Redis
  database (flushed first), two web servers (`recoup serve --no-worker`, as on two machines
  behind a load balancer: the soak's clients alternate between them) and two workers
  (`recoup worker`, and `recoup worker --no-periodic`, as docs/deploy.md says to run the
  others).

Every process runs in its own session with stdout and stderr in files of the run's log
directory; `stop()` sends SIGTERM to each process group, then SIGKILL after 30 s.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.argv = argv
        self.stdout_path = logs / f"{name}.out"
        self.stderr_path = logs / f"{name}.err"
        self._out = self.stdout_path.open("ab")
        self._err = self.stderr_path.open("ab")
        self.proc = subprocess.Popen(argv, env=env, stdout=self._out, stderr=self._err, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._out.close()
        self._err.close()
        return self.proc.returncode


class Deployment:
    """What both deployments share: env, setup commands, processes, the web servers' URLs."""

    target = ""

    def __init__(self, data_dir: Path, logs: Path, args: Any) -> None:
        self.data_dir = data_dir
        self.logs = logs
        self.args = args
        self.processes: list[Process] = []
        self.urls: list[str] = []
        self.secret = secrets.token_urlsafe(50)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("RECOUP_DATABASE_URL", "RECOUP_REDIS_URL", "RECOUP_HUEY_IMMEDIATE", "RECOUP_DEBUG"):
            env.pop(name, None)
        env.update(
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p),
            DJANGO_SETTINGS_MODULE="recoup.settings",
            RECOUP_DATA_DIR=str(self.data_dir),
            RECOUP_SECRET_KEY=self.secret,
            RECOUP_ALLOWED_HOSTS="127.0.0.1,localhost",
            RECOUP_LOG_LEVEL="INFO",
        )
        env.update(self.extra_env())
        env.update(extra)
        return env

    def extra_env(self) -> dict[str, str]:
        return {}

    def run(self, *argv: str, what: str, timeout: float = 1800) -> tuple[float, str]:
        """A command to completion; its output goes to the logs; a failure stops the soak's setup."""
        start = time.perf_counter()
        proc = subprocess.run(list(argv), env=self.env(), capture_output=True, text=True, timeout=timeout, check=False)
        with (self.logs / "setup.log").open("a") as log:
            log.write(f"$ {' '.join(argv)}\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}\n")
        if proc.returncode != 0:
            raise SystemExit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        return time.perf_counter() - start, proc.stdout

    def recoup(self, *argv: str, what: str = "", timeout: float = 1800) -> tuple[float, str]:
        return self.run(str(BIN / "recoup"), *argv, what=what or f"recoup {' '.join(argv[:2])}", timeout=timeout)

    def probe(self, *argv: str) -> tuple[float, str]:
        return self.run(PYTHON, str(ROOT / "bench" / "soak" / "probe.py"), *argv, what=f"probe {argv[0]}")

    def prepare_storage(self) -> None:
        """A fresh, empty database (and queue) for this run."""

    def spawn(self, name: str, *argv: str) -> Process:
        process = Process(name, list(argv), self.env(), self.logs)
        self.processes.append(process)
        return process

    def start(self) -> None:
        raise NotImplementedError

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        for url in self.urls:
            while True:
                dead = [p.name for p in self.processes if not p.alive()]
                if dead:
                    raise SystemExit(f"{', '.join(dead)} exited during start-up: see {self.logs}")
                with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{url} did not answer /healthz within {timeout:.0f} s")
                time.sleep(1)

    def stop(self) -> dict[str, int | None]:
        return {p.name: p.stop() for p in reversed(self.processes)}

    def describe(self) -> dict[str, Any]:
        return {
            "processes": {p.name: " ".join(Path(a).name if i == 0 else a for i, a in enumerate(p.argv)) for p in self.processes}
        }


class SqliteDeployment(Deployment):
    target = "sqlite"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "recoup.sqlite3"

    def start(self) -> None:
        port = free_port()
        self.urls = [f"http://127.0.0.1:{port}"]
        self.spawn("serve", str(BIN / "recoup"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(self.args.web_workers))


class PostgresDeployment(Deployment):
    target = "postgres"

    @property
    def database_url(self) -> str:
        return f"{PG_SERVER}/{self.args.pg_database}"

    @property
    def redis_url(self) -> str:
        return f"{REDIS}/{self.args.redis_db}"

    def extra_env(self) -> dict[str, str]:
        return {"RECOUP_DATABASE_URL": self.database_url, "RECOUP_REDIS_URL": self.redis_url}

    def prepare_storage(self) -> None:
        import psycopg
        import redis

        name = self.args.pg_database
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
        redis.Redis.from_url(self.redis_url).flushdb()

    def start(self) -> None:
        for n in (1, 2):
            port = free_port()
            self.urls.append(f"http://127.0.0.1:{port}")
            argv = ["serve", "--no-worker", "--bind", f"127.0.0.1:{port}", "--workers", str(self.args.web_workers)]
            self.spawn(f"web{n}", str(BIN / "recoup"), *argv)
        self.spawn("worker1", str(BIN / "recoup"), "worker")
        self.spawn("worker2", str(BIN / "recoup"), "worker", "--no-periodic")


def deployment_for(target: str, data_dir: Path, logs: Path, args: Any) -> Deployment:
    kind = {"sqlite": SqliteDeployment, "postgres": PostgresDeployment}[target]
    return kind(data_dir, logs, args)
