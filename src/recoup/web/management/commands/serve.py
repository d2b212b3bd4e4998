"""`recoup serve`: the production web server (gunicorn) and, beside it, the background worker.

On one machine (the embedded default) `recoup serve` is all there is to run: it starts
gunicorn and a huey worker (`recoup worker`) as child processes, passes SIGTERM, SIGINT and
SIGHUP on to both, and when either one exits stops the other and exits with its status.
With `--no-worker` (workers run elsewhere, typically with huey on Redis: docs/deploy.md) this
process becomes gunicorn itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Command(BaseCommand):
    help = "Serve recoup with gunicorn (static files included) and a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("RECOUP_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("RECOUP_WORKERS", "2")))
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="web server only: background jobs are run by `recoup worker` processes elsewhere (huey on Redis)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "recoup.wsgi:application",
            "--bind",
            opts["bind"],
            "--workers",
            str(opts["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        self.stdout.write(f"serving on http://{opts['bind']}/")
        sys.stdout.flush()
        if opts["no_worker"]:
            os.execv(sys.executable, web)  # noqa: S606 - replace this process: signals reach gunicorn directly
        worker = [sys.executable, "-m", "recoup.cli", "worker"]
        # Jobs (a model training for a minute or more on both cores, scoring, rebuilds) yield the
        # CPU to page requests: a page waits on a person, a job does not.
        sys.exit(supervise({"web server": web, "worker": worker}, self.stderr.write, niceness={"worker": WORKER_NICENESS}))


WORKER_NICENESS = 10


def supervise(commands: dict[str, list[str]], say: Any, niceness: dict[str, int] | None = None) -> int:
    """Run the commands as children until one exits (or a signal asks), then stop the others.

    ``niceness`` lowers the CPU priority of the named children. Returns the exit status of the
    child that ended first (a signal is reported as 128 + its number).
    """
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "recoup.settings")}
    children: dict[str, subprocess.Popen[bytes]] = {}

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        for name, argv in commands.items():
            children[name] = subprocess.Popen(argv, env=env)
            if (niceness or {}).get(name):
                # Right after the start, long before the child imports anything that starts threads: on Linux
                # a priority is per thread and inherited by the threads it starts.
                base = os.getpriority(os.PRIO_PROCESS, 0)
                os.setpriority(os.PRIO_PROCESS, children[name].pid, min(19, base + (niceness or {})[name]))
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    say(f"{name} exited with status {code}; stopping the rest")
                    return code if code >= 0 else 128 - code
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
