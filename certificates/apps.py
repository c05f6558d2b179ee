from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        from django.db.models.signals import post_delete

        from courses.signals import completion_recorded

        from . import receivers
        from .models import Certificate, TrainingRecord

        completion_recorded.connect(
            receivers.on_completion_recorded, dispatch_uid="certificates_completion_recorded"
        )
        for model in (Certificate, TrainingRecord):
            post_delete.connect(
                receivers.delete_file_on_commit,
                sender=model,
                dispatch_uid=f"certificates_delete_file_{model.__name__}",
            )
