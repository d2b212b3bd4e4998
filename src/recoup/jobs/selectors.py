"""Reading the record of background jobs (the jobs page, `recoup jobs`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from recoup.jobs.models import JobRun, JobStatus


def job_runs(*, status: str | None = None, limit: int = 200) -> QuerySet[JobRun]:
    runs = JobRun.objects.all()
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-updated_at", "-id")[:limit]


def problem_count() -> int:
    """Jobs a manager should look at: failed, or failing and waiting for a retry."""
    return JobRun.objects.filter(status__in=[JobStatus.FAILED, JobStatus.RETRYING]).count()


def as_json(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.task_id,
        "task": run.task,
        "status": run.status,
        "attempts": run.attempts,
        "error": run.error,
        "arguments": run.arguments,
        "started_at": run.started_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
