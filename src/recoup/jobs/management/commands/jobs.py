"""`recoup jobs`: the background jobs and how they went (failed ones first with --failed)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recoup.jobs import selectors
from recoup.jobs.models import JobStatus


class Command(BaseCommand):
    help = "List background jobs: task, status (running, done, retrying, failed), attempts and the last error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="only jobs that failed for good")
        parser.add_argument("--status", choices=JobStatus.values, help="only jobs in this state")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--json", action="store_true", help="print {'jobs': [...]} on stdout")

    def handle(self, *args: Any, **opts: Any) -> None:
        status = JobStatus.FAILED if opts["failed"] else opts["status"]
        runs = list(selectors.job_runs(status=status, limit=opts["limit"]))
        if opts["json"]:
            self.stdout.write(json.dumps({"jobs": [selectors.as_json(r) for r in runs]}))
            return
        if not runs:
            self.stdout.write("no jobs recorded" + (f" with status {status}" if status else ""))
            return
        for run in runs:
            line = f"{run.updated_at:%Y-%m-%d %H:%M:%S} {run.status:<9} x{run.attempts} {run.task} {run.task_id}"
            if run.arguments:
                line += f" ({run.arguments})"
            self.stdout.write(line)
            if run.error and run.status != JobStatus.DONE:
                self.stdout.write(f"    {run.error.splitlines()[0][:200]}")
