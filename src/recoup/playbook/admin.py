"""Django admin for call scripts and snippets.

Bodies are read-only here: a template must pass the sandbox validation and leave an audit
event, which only the playbook pages (recoup.playbook.services) guarantee.
"""

from __future__ import annotations

from django.contrib import admin

from recoup.playbook.models import CallScript, Snippet


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ("objective", "language", "title", "updated_at", "updated_by")
    list_filter = ("objective", "language")
    search_fields = ("title", "body")
    readonly_fields = ("objective", "language", "title", "body", "updated_at", "updated_by")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "position", "updated_at", "updated_by")
    list_filter = ("language",)
    search_fields = ("title", "body")
    readonly_fields = ("title", "language", "body", "position", "updated_at", "updated_by")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
