from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "recoup.web"
    label = "web"

    def ready(self) -> None:
        from recoup.web import checks  # noqa: F401 - registers recoup's deployment checks
