from django.apps import AppConfig


class CallsConfig(AppConfig):
    """The collector's workspace: call-prep sheet, outcome logging, follow-up tasks."""

    name = "recoup.calls"
    label = "calls"
    verbose_name = "Calls and follow-ups"
    default_auto_field = "django.db.models.BigAutoField"
