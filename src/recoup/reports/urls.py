from django.urls import path

from recoup.reports import views

urlpatterns = [
    path("aging/", views.aging, name="reports-aging"),
]
