from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """The record of one import: which file (by checksum), by whom, when, and what it changed."""

    class Status(models.TextChoices):
        APPLIED = "applied"
        DRY_RUN = "dry_run"
        REJECTED = "rejected"

    entity = models.CharField(max_length=20)
    filename = models.CharField(max_length=500)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file as read.")
    mapping = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Rows that went into the record of an earlier row (one payment over several rows): with
    # these, created + updated + unchanged + merged + invalid = rows.
    merged = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    # Rows imported with something to look at (a phone number that cannot be dialled): how many,
    # and the first thousand as {line, column, value, reason}.
    warning_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    error_file = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.entity} {self.filename}"
