from django.urls import path

from recoup.calls import views

urlpatterns = [
    path("start/", views.start, name="calls-start"),
    path("next/", views.next_call, name="calls-next"),
    path("tasks/", views.tasks, name="calls-tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="calls-task-done"),
    path("feed/<str:token>.ics", views.feed, name="calls-feed"),
    path("approvals/", views.approvals, name="calls-approvals"),
    path("approvals/<int:plan_id>/", views.decide, name="calls-decide"),
    path("flagged/", views.flagged, name="calls-flagged"),
    path("<int:pk>/", views.prep, name="calls-prep"),
    path("<int:pk>/outcome/", views.outcome, name="calls-outcome"),
    path("<int:pk>/plan/", views.plan, name="calls-plan"),
    path("<int:pk>/reassign/", views.reassign, name="calls-reassign"),
]
