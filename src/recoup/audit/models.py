from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One change to the books: who did what to which object, and the values before and after."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Kept apart from the foreign key so the trail still names a user who was later deleted,
    # and names non-human actors ("import #12", "demo").
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField(null=True)
    object_ref = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    import_run = models.ForeignKey(
        "imports.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["import_run"], condition=models.Q(import_run__isnull=False), name="audit_import_run_idx"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_ref}"
