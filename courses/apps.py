from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Learning records"

    def ready(self):
        from django.db.models.signals import post_save
        from wagtail.signals import page_published, page_unpublished

        from lms.workforce.signals import (
            default_job_roles_loaded,
            membership_started,
            memberships_started_in_bulk,
        )
        from supervision.signals import session_signed_off

        from . import receivers
        from .models import EnrolmentRule

        membership_started.connect(
            receivers.on_membership_started, dispatch_uid="courses_membership_started"
        )
        memberships_started_in_bulk.connect(
            receivers.on_memberships_started_in_bulk, dispatch_uid="courses_memberships_bulk"
        )
        default_job_roles_loaded.connect(
            receivers.on_default_job_roles_loaded, dispatch_uid="courses_default_job_roles"
        )
        page_published.connect(receivers.on_course_published, dispatch_uid="courses_published")
        page_unpublished.connect(receivers.on_course_published, dispatch_uid="courses_unpublished")
        post_save.connect(
            receivers.on_enrolment_rule_saved,
            sender=EnrolmentRule,
            dispatch_uid="courses_enrolment_rule_saved",
        )
        session_signed_off.connect(
            receivers.on_session_signed_off, dispatch_uid="courses_session_signed_off"
        )
