"""Celery tasks: thin wrappers that call a service. Safe to run twice."""

from lms.celery import idempotent_task

from . import services


@idempotent_task(name="courses.open_refresher_cycles")
def open_refresher_cycles() -> int:
    """Daily: open a new cycle for required courses whose completion lapses soon or has lapsed."""
    return services.open_refresher_cycles()


@idempotent_task(name="courses.refresh_standings")
def refresh_standings(user_ids: list[int] | None = None) -> int:
    """Recompute tiers held, for the given people or everyone with a standing or completion."""
    return services.refresh_standings(user_ids=user_ids)


@idempotent_task(name="courses.enrol_role_members")
def enrol_role_members(job_role_id: int) -> int:
    """Enrol everyone in a job role on what it requires (after an enrolment rule changed)."""
    from lms.workforce.models import JobRole

    job_role = JobRole.objects.filter(pk=job_role_id).first()
    return services.enrol_role_members(job_role=job_role) if job_role else 0


@idempotent_task(name="courses.send_prior_learning_decision")
def send_prior_learning_decision(claim_id: int) -> None:
    """Tell a practitioner what a verifier decided about their prior learning."""
    from django.urls import reverse

    from lms.emails import send_templated_email

    from .models import PriorLearning

    claim = PriorLearning.objects.select_related("user", "course").filter(pk=claim_id).first()
    if claim is None or claim.status not in {
        PriorLearning.Status.APPROVED,
        PriorLearning.Status.REJECTED,
    }:
        return
    from lms.site_url import site_url

    send_templated_email(
        to=[claim.user.email],
        template_prefix="courses/email/prior_learning_decision",
        context={"claim": claim, "url": site_url() + reverse("courses:prior_learning")},
    )
