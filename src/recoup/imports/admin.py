from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recoup.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Import runs are records of what happened; they are written by the import service only."""

    list_display = (
        "id",
        "started_at",
        "entity",
        "filename",
        "status",
        "rows",
        "created",
        "updated",
        "unchanged",
        "merged",
        "invalid",
        "warning_count",
        "actor_label",
    )
    list_filter = ("status", "entity")
    search_fields = ("filename", "checksum", "actor_label")
    date_hierarchy = "started_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
