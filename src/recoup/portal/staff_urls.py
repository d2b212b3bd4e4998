"""The collector's link actions (login required like every page of the team)."""

from django.urls import path

from recoup.portal import staff_views

urlpatterns = [
    path("<int:pk>/copy", staff_views.copy_link, name="portal-link-copy"),
    path("<int:pk>/revoke", staff_views.revoke_links, name="portal-link-revoke"),
]
