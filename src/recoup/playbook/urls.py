from django.urls import path

from recoup.playbook import views

urlpatterns = [
    path("", views.index, name="playbook"),
    path("scripts/new/", views.script_edit, name="playbook-script-new"),
    path("scripts/<int:pk>/", views.script_edit, name="playbook-script-edit"),
    path("snippets/new/", views.snippet_edit, name="playbook-snippet-new"),
    path("snippets/<int:pk>/", views.snippet_edit, name="playbook-snippet-edit"),
    path("snippets/<int:pk>/delete/", views.snippet_delete, name="playbook-snippet-delete"),
]
