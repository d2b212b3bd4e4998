from django.urls import path

from recoup.jobs import views

urlpatterns = [path("", views.job_list, name="job-list")]
