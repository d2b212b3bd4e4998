from django.urls import path

from recoup.reports import daily_views, dashboard_views, dispute_views, forecast_views, views

urlpatterns = [
    path("aging/", views.aging, name="reports-aging"),
    path("disputes/", dispute_views.dispute_report, name="reports-disputes"),
    path("dashboard/", dashboard_views.dashboard_page, name="reports-dashboard"),
    path("forecast/", forecast_views.forecast_page, name="reports-forecast"),
    path("daily/", daily_views.daily_list, name="reports-daily"),
    path("daily/<int:report_id>.<str:kind>", daily_views.daily_file, name="reports-daily-file"),
]
