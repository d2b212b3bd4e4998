"""The message-template editor under /followups/ (included by recoup.dunning.urls)."""

from __future__ import annotations

from django.urls import path

from recoup.dunning import template_views

urlpatterns = [
    path("templates/", template_views.template_list, name="followups-templates"),
    path("templates/new/", template_views.template_edit, name="followups-template-new"),
    path("templates/<int:pk>/", template_views.template_edit, name="followups-template-edit"),
]
