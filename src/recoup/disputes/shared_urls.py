"""Stakeholders' pages, public (no login): see shared_views.py and recoup.web.middleware."""

from django.urls import path

from recoup.disputes import shared_views

urlpatterns = [
    path("open", shared_views.open_link, name="shared-open"),
    path("<int:link_id>/", shared_views.case, name="shared-case"),
    path("<int:link_id>/comment/", shared_views.comment, name="shared-comment"),
    path("<int:link_id>/attachments/<int:attachment_id>/", shared_views.download, name="shared-download"),
]
