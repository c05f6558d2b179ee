from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "lms.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished

        from content.models import CoursePage, Tier
        from courses.models import (
            Completion,
            EnrolmentRule,
            LearnerSummary,
            ModuleProgress,
            TierStanding,
        )
        from lms.workforce.models import JobRole, Membership
        from lms.workforce.signals import aggregates_due, people_changed
        from supervision.models import SupervisionTarget
        from supervision.signals import session_signed_off

        from . import receivers

        def connect(signal, receiver, sender, name):
            signal.connect(receiver, sender=sender, dispatch_uid=f"reports_{name}")

        connect(post_save, receivers.on_summary_saved, LearnerSummary, "summary_saved")
        people_changed.connect(receivers.on_people_changed, dispatch_uid="reports_people")
        aggregates_due.connect(receivers.on_aggregates_due, dispatch_uid="reports_aggregates")
        connect(post_save, receivers.on_standing_changed, TierStanding, "standing_saved")
        connect(post_save, receivers.on_standing_changed, Completion, "completion_saved")
        connect(post_delete, receivers.on_standing_changed, TierStanding, "standing_deleted")
        connect(post_save, receivers.on_progress_saved, ModuleProgress, "progress_saved")
        connect(post_save, receivers.on_membership_changed, Membership, "membership_saved")
        connect(post_delete, receivers.on_membership_changed, Membership, "membership_deleted")
        connect(post_save, receivers.on_job_role_saved, JobRole, "job_role_saved")
        session_signed_off.connect(
            receivers.on_session_signed_off, dispatch_uid="reports_session_signed_off"
        )
        for model in (EnrolmentRule, SupervisionTarget, Tier):
            connect(post_save, receivers.on_framework_changed, model, f"{model.__name__}_saved")
            connect(post_delete, receivers.on_framework_changed, model, f"{model.__name__}_deleted")
        for signal, name in ((page_published, "published"), (page_unpublished, "unpublished")):
            connect(signal, receivers.on_framework_changed, CoursePage, f"course_{name}")
