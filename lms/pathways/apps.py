from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "lms.pathways"
    label = "pathways"
    verbose_name = "Local pathways"
