from django.apps import AppConfig


class PredictionConfig(AppConfig):
    name = "recoup.prediction"
    label = "prediction"
    verbose_name = "Prediction"
    default_auto_field = "django.db.models.BigAutoField"
