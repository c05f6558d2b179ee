from django.apps import AppConfig


class LmsConfig(AppConfig):
    """The project itself as an app: site-wide templates, static files, the navigation and the
    commands that span every app (``seed_demo``)."""

    name = "lms"
    verbose_name = "IMH training"

    def ready(self):
        from . import lookups

        lookups.register()
