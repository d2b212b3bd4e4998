"""`recoup serve`: the production web server (gunicorn) on one machine."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve recoup with gunicorn (static files included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("RECOUP_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("RECOUP_WORKERS", "2")))

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
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
        os.execv(sys.executable, argv)  # noqa: S606 - replace this process: signals reach gunicorn directly
