from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "recoup.team"
    label = "team"
