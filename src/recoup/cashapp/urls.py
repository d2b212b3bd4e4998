from django.urls import path

from recoup.cashapp import views

urlpatterns = [
    path("", views.upload, name="cashapp-upload"),
    path("queue/", views.queue, name="cashapp-queue"),
    path("lines/<int:pk>/apply/", views.apply, name="cashapp-apply"),
    path("lines/<int:pk>/ignore/", views.ignore, name="cashapp-ignore"),
    path("lines/<int:pk>/split/", views.split, name="cashapp-split"),
]
