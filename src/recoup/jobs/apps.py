from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "recoup.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
