from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "recoup.worklist"
    label = "worklist"
    verbose_name = "Strategies and worklist"
    default_auto_field = "django.db.models.BigAutoField"
