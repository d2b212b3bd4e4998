"""Recording each job's attempts. Called by recoup.jobs.durable around every task.

A record is bookkeeping: when it cannot be written (the database that made the job fail is
still unavailable), the worker's log says so and the job's own outcome stands.
"""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from recoup.jobs.models import JobRun, JobStatus

log = logging.getLogger(__name__)

_WRITE_ATTEMPTS = 3


def _write(task_id: str, **fields: object) -> None:
    for attempt in range(1, _WRITE_ATTEMPTS + 1):
        try:
            now = timezone.now()
            updated = JobRun.objects.filter(task_id=task_id).update(updated_at=now, **fields)
            if not updated:
                JobRun.objects.create(task_id=task_id, started_at=now, updated_at=now, **fields)
            return
        except DatabaseError as exc:
            close_old_connections()
            if attempt == _WRITE_ATTEMPTS:
                log.error("could not record job %s (%s): %s", task_id, fields.get("status"), exc)
                return
            time.sleep(0.5 * attempt)


def record_attempt(*, task_id: str, task: str, attempt: int, arguments: str) -> None:
    _write(task_id, task=task, status=JobStatus.RUNNING, attempts=attempt, arguments=arguments, finished_at=None)


def record_success(*, task_id: str) -> None:
    _write(task_id, status=JobStatus.DONE, error="", finished_at=timezone.now())


def record_failure(*, task_id: str, error: str, will_retry: bool) -> None:
    if will_retry:
        _write(task_id, status=JobStatus.RETRYING, error=error[:2000])
    else:
        _write(task_id, status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now())
