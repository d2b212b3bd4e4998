"""The customer's pages, public (no login): see views.py and recoup.web.middleware."""

from django.urls import path

from recoup.portal import views

urlpatterns = [
    path("open", views.open_link, name="portal-open"),
    path("", views.home, name="portal-home"),
    path("statement.pdf", views.statement, name="portal-statement"),
    path("items", views.items_view, name="portal-items"),
    path("callback", views.callback_view, name="portal-callback"),
    path("contact", views.contact_view, name="portal-contact"),
    path("feedback", views.feedback_view, name="portal-feedback"),
    path("language", views.language, name="portal-language"),
    path("leave", views.leave, name="portal-leave"),
]
