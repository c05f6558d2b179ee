from django.apps import AppConfig


class ScormConfig(AppConfig):
    name = "content.scorm"
    label = "scorm"
    verbose_name = "SCORM packages"
