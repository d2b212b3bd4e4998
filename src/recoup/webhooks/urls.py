from django.urls import path

from recoup.webhooks import views

urlpatterns = [
    path("", views.webhooks, name="webhooks"),
    path("<int:pk>/disable/", views.disable, name="webhook-disable"),
]
