from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recoup.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail can be read here but never added to, edited or deleted."""

    list_display = ("at", "actor_label", "action", "object_type", "object_ref", "import_run")
    list_filter = ("action", "object_type")
    search_fields = ("^object_ref", "^actor_label")
    date_hierarchy = "at"
    list_select_related = ("import_run",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
