from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "recoup.dunning"
    label = "dunning"
    verbose_name = "Follow-ups: sequences, templates, outbox, letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.dunning.receivers import lift_holds_when_paid
        from recoup.ledger.events import listen

        listen(lift_holds_when_paid, name="dunning.lift_holds_when_paid")
