from django.urls import path

from recoup.team import audit_views, views

urlpatterns = [
    path("", views.overview, name="team-overview"),
    path("reassign/", views.reassign, name="team-reassign"),
    path("escalations/", views.escalations, name="team-escalations"),
    path("escalations/<int:pk>/take/", views.take, name="team-take"),
    path("reviews/", views.reviews, name="team-reviews"),
    path("reviews/<int:pk>/", views.review, name="team-review"),
    path("feedback/", views.feedback, name="team-feedback"),
    path("audit/", audit_views.audit_log, name="audit-log"),
]
