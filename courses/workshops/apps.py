from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "courses.workshops"
    label = "workshops"
    verbose_name = "Workshops and evaluation"
