from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "recoup.portal"
    label = "portal"
    verbose_name = "Customer portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.portal import checks  # noqa: F401 - registers the check of the bank details
