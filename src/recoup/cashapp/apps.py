from django.apps import AppConfig


class CashappConfig(AppConfig):
    name = "recoup.cashapp"
    label = "cashapp"
    verbose_name = "Cash application"
    default_auto_field = "django.db.models.BigAutoField"
