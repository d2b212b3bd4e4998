from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "recoup.activities"
    label = "activities"
    verbose_name = "Activities"
    default_auto_field = "django.db.models.BigAutoField"
