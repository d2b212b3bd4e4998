from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "recoup.reports"
    label = "reports"
    verbose_name = "Reports"
