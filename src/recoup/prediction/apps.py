from django.apps import AppConfig


class PredictionConfig(AppConfig):
    name = "recoup.prediction"
    label = "prediction"
    verbose_name = "Prediction"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.ledger.events import listen
        from recoup.prediction.receivers import follow_change

        listen(follow_change, name="prediction.follow_change")
