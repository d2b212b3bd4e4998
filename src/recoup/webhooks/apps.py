from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "recoup.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.ledger.events import listen
        from recoup.webhooks.receivers import follow_change

        listen(follow_change, name="webhooks.follow_change")
