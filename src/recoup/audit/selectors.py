"""Reading the audit trail: an object's history, newest first; the log with its filters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q, QuerySet

from recoup.audit.models import AuditEvent


def history(obj: Any, *, limit: int = 200) -> QuerySet[AuditEvent]:
    """Every recorded change to ``obj`` (a model instance): who, when, before and after."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk).order_by("-at", "-id")[:limit]


def history_of(objects: Mapping[str, Iterable[int] | QuerySet[Any]], *, limit: int = 100) -> list[AuditEvent]:
    """The changes to any of ``objects`` (object type → ids, or a queryset of ids), newest first:
    one page's history (a customer and its contacts, invoices, promises, disputes) in one statement."""
    wanted = Q(pk__in=[])
    for object_type, ids in objects.items():
        wanted |= Q(object_type=object_type, object_id__in=ids)
    return list(AuditEvent.objects.filter(wanted).select_related("actor").order_by("-at", "-id")[:limit])


def by_import_run(run_id: int, *, limit: int = 1000) -> QuerySet[AuditEvent]:
    """What one import run changed (its created rows are summed up in one event)."""
    return AuditEvent.objects.filter(import_run_id=run_id).order_by("id")[:limit]


@dataclass(frozen=True, slots=True)
class LogFilter:
    """The audit log's filters; empty fields do not filter. Dates are inclusive, in UTC."""

    actor: str = ""
    object_type: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def search(f: LogFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if f.actor:
        events = events.filter(actor_label__icontains=f.actor)
    if f.object_type:
        events = events.filter(object_type=f.object_type)
    if f.action:
        events = events.filter(action=f.action)
    if f.since:
        events = events.filter(at__gte=dt.datetime.combine(f.since, dt.time.min, tzinfo=dt.UTC))
    if f.until:
        events = events.filter(at__lt=dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
    return events.order_by("-at", "-id")


def object_types() -> list[str]:
    return sorted(AuditEvent.objects.values_list("object_type", flat=True).distinct().order_by())


def actions() -> list[str]:
    return sorted(AuditEvent.objects.values_list("action", flat=True).distinct().order_by())


EXPORT_SCHEMA = {
    "at": pl.String,
    "actor": pl.String,
    "action": pl.String,
    "object_type": pl.String,
    "object_id": pl.Int64,
    "object": pl.String,
    "before": pl.String,
    "after": pl.String,
}


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def export_frame(events: QuerySet[AuditEvent], *, limit: int) -> pl.DataFrame:
    """The filtered log as a frame for CSV/XLSX, at most ``limit`` rows, newest first."""
    rows = events.values_list("at", "actor_label", "action", "object_type", "object_id", "object_ref", "before", "after")[:limit]
    data = [
        {
            "at": at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object": ref,
            "before": _json(before),
            "after": _json(after),
        }
        for at, actor, action, object_type, object_id, ref, before, after in rows
    ]
    return pl.DataFrame(data, schema=EXPORT_SCHEMA) if data else pl.DataFrame(schema=EXPORT_SCHEMA)
