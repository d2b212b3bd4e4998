from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "recoup.worklist"
    label = "worklist"
    verbose_name = "Strategies and worklist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.ledger.events import listen
        from recoup.worklist.receivers import follow_change

        listen(follow_change, name="worklist.follow_change")
