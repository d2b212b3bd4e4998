from django.urls import path

from recoup.disputes import views

urlpatterns = [
    path("", views.case_list, name="disputes-list"),
    path("sla/", views.sla_settings, name="disputes-sla"),
    path("write-offs/<int:request_id>/", views.decide_write_off, name="disputes-write-off-decide"),
    path("<int:pk>/", views.case_detail, name="disputes-case"),
    path("<int:pk>/assign/", views.assign, name="disputes-assign"),
    path("<int:pk>/status/", views.status, name="disputes-status"),
    path("<int:pk>/amount/", views.amount, name="disputes-amount"),
    path("<int:pk>/comment/", views.comment, name="disputes-comment"),
    path("<int:pk>/invite/", views.invite, name="disputes-invite"),
    path("<int:pk>/links/<int:link_id>/revoke/", views.revoke, name="disputes-revoke"),
    path("<int:pk>/resolve/", views.resolve, name="disputes-resolve"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.download, name="disputes-download"),
]
