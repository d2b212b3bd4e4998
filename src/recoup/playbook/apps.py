from django.apps import AppConfig


class PlaybookConfig(AppConfig):
    name = "recoup.playbook"
    label = "playbook"
    verbose_name = "Call scripts and snippets"
    default_auto_field = "django.db.models.BigAutoField"
