from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "courses.xapi"
    label = "xapi"
    verbose_name = "xAPI statements"
