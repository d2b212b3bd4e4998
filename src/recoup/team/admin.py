from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recoup.team.models import CallReview


@admin.register(CallReview)
class CallReviewAdmin(admin.ModelAdmin):
    """Read here; written on the review page, so the audit records every change."""

    list_display = ("activity", "collector", "reviewer", "reviewed_at")
    list_select_related = ("activity", "collector", "reviewer")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
