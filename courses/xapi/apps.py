from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "courses.xapi"
    label = "xapi"
    verbose_name = "xAPI statements"

    def ready(self):
        from supervision.signals import session_signed_off

        from . import services

        session_signed_off.connect(
            services.record_supervision_signed_off, dispatch_uid="xapi_session_signed_off"
        )
