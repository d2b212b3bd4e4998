"""Writing the audit trail. Every service that changes the books calls one of these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    import polars as pl

from recoup.audit.models import AuditEvent
from recoup.database.bulk import insert_frame


def actor_label_for(user: Any) -> str:
    if user is None:
        return "system"
    return getattr(user, "email", None) or str(user)


def record_event(
    *,
    actor: Any,
    action: str,
    obj: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: dt.datetime,
    actor_label: str | None = None,
) -> AuditEvent:
    """Record one change made through the ORM (a single-object use case)."""
    return AuditEvent.objects.create(
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or actor_label_for(actor),
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=getattr(obj, "pk", None),
        object_ref=str(obj)[:200],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )


def bulk_insert_frame(frame: pl.DataFrame) -> int:
    """Insert audit rows built as a frame (columns of AuditEvent's table).

    Bulk paths (imports, the demo) build their audit rows from frames; going through the
    ORM would cost more than the change it records.
    """
    return insert_frame(connection, AuditEvent._meta.db_table, frame)
