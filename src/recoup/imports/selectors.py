"""Reading the record of imports: what ran, when, by whom, and how it ended."""

from __future__ import annotations

from django.db.models import QuerySet

from recoup.imports.models import ImportRun


def recent_runs(*, entity: str | None = None, limit: int = 50) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.all()
    if entity:
        runs = runs.filter(entity=entity)
    return runs.order_by("-started_at", "-id")[:limit]


def previous_run_of(checksum: str, entity: str) -> ImportRun | None:
    """The last applied run of the same file (same checksum): re-importing it changes nothing."""
    return (
        ImportRun.objects.filter(checksum=checksum, entity=entity, status=ImportRun.Status.APPLIED)
        .order_by("-started_at", "-id")
        .first()
    )
