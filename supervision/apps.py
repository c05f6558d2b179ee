from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Supervision"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from content.models import Tier

        from .models import SupervisionTarget
        from .selectors import forget_targets

        for model in (SupervisionTarget, Tier):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_targets,
                    sender=model,
                    dispatch_uid=f"supervision_targets_{model.__name__}_{id(signal)}",
                )
