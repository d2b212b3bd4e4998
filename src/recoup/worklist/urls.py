from django.urls import path

from recoup.worklist import views

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("rebuild/", views.rebuild, name="worklist-rebuild"),
    path("strategies/", views.strategy_list, name="strategy-list"),
    path("strategies/new/", views.strategy_edit, name="strategy-new"),
    path("strategies/<int:pk>/", views.strategy_edit, name="strategy-edit"),
]
