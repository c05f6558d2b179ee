from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "lms.workforce"
    label = "workforce"
    verbose_name = "Workforce"
