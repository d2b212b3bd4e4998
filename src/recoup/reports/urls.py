from django.urls import path

from recoup.reports import dispute_views, views

urlpatterns = [
    path("aging/", views.aging, name="reports-aging"),
    path("disputes/", dispute_views.dispute_report, name="reports-disputes"),
]
