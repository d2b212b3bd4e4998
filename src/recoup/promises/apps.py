from django.apps import AppConfig


class PromisesConfig(AppConfig):
    name = "recoup.promises"
    label = "promises"
    verbose_name = "Promises and payment plans"
    default_auto_field = "django.db.models.BigAutoField"
