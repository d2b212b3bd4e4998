from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    RETRYING = "retrying", "Failed, will be retried"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """One background job (a huey task) and how its attempts went.

    A row per task id: a retried task keeps its row and counts its attempts, so a manager sees
    one line per job, with the last error and whether it will be tried again.
    """

    task_id = models.CharField(max_length=64, unique=True)
    task = models.CharField(max_length=200, db_index=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A short, printable form of the arguments (ids, dates): enough to recognise the job.
    arguments = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.task} {self.task_id} {self.status}"
