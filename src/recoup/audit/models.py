from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised by any attempt to edit or delete a recorded event (docs/audit.md)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads and inserts only: a bulk update or delete through the ORM raises."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("audit events are never edited")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AuditTrailIsAppendOnly("audit events are never deleted")


class AuditEvent(models.Model):
    """One change to the books: who did what to which object, and the values before and after.

    Append-only: ``save()`` of a stored event, ``delete()`` and the queryset's ``update()`` and
    ``delete()`` raise; on PostgreSQL a trigger refuses UPDATE and DELETE as well (migration
    0002), except the database's own SET NULL when a user or an import run is deleted.
    """

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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["import_run"], condition=models.Q(import_run__isnull=False), name="audit_import_run_idx"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("audit events are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AuditTrailIsAppendOnly("audit events are never deleted")
