from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "recoup.imports"
    label = "imports"
