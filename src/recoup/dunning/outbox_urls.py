"""The outbox under /followups/ (included by recoup.dunning.urls)."""

from __future__ import annotations

from django.urls import path

from recoup.dunning import outbox_views

urlpatterns = [
    path("outbox/", outbox_views.outbox_list, name="followups-outbox"),
    path("outbox/<int:pk>/", outbox_views.message_detail, name="followups-message"),
    path("outbox/<int:pk>/resend/", outbox_views.message_resend, name="followups-resend"),
]
