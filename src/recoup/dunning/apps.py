from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "recoup.dunning"
    label = "dunning"
    verbose_name = "Follow-ups: sequences, templates, outbox, letters"
    default_auto_field = "django.db.models.BigAutoField"
