"""Reading the audit trail: an object's history, newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from recoup.audit.models import AuditEvent


def history(obj: Any, *, limit: int = 200) -> QuerySet[AuditEvent]:
    """Every recorded change to ``obj`` (a model instance): who, when, before and after."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk).order_by("-at", "-id")[:limit]


def by_import_run(run_id: int, *, limit: int = 1000) -> QuerySet[AuditEvent]:
    """What one import run changed (its created rows are summed up in one event)."""
    return AuditEvent.objects.filter(import_run_id=run_id).order_by("id")[:limit]
