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
