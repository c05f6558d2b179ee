"""Celery tasks of the reports: thin wrappers around services and facts. Safe to run twice."""

from lms.celery import idempotent_task


@idempotent_task(name="reports.refresh_people")
def refresh_people(user_ids: list[int]) -> None:
    from . import facts

    facts.refresh_people(user_ids)


@idempotent_task(name="reports.rebuild_coverage")
def rebuild_coverage() -> dict:
    from . import facts

    return facts.rebuild()


@idempotent_task(name="reports.refresh_course_analytics")
def refresh_course_analytics(course_id: int) -> None:
    from . import services

    services.refresh_course_analytics(course_id)


@idempotent_task(name="reports.refresh_stale_facts")
def refresh_stale_facts() -> dict:
    """Daily, shortly after midnight: renew read-model rows that time has overtaken (reads stay
    exact without it, only slower)."""
    from . import facts

    return facts.refresh_stale()


@idempotent_task(name="reports.send_expiry_reminders")
def send_expiry_reminders() -> int:
    """Daily: learners whose training lapses within 90, 30 or 7 days."""
    from . import services

    return services.send_expiry_reminders()


@idempotent_task(name="reports.send_overdue_reminders")
def send_overdue_reminders() -> int:
    """Daily (one email per person and week): learners with overdue required courses."""
    from . import services

    return services.send_overdue_reminders()


@idempotent_task(name="reports.send_supervision_reminders")
def send_supervision_reminders() -> int:
    """Weekly (one email per person and month): supervisees behind their supervision target."""
    from . import services

    return services.send_supervision_reminders()


@idempotent_task(name="reports.send_manager_digests")
def send_manager_digests() -> int:
    """Weekly, Monday morning: managers' and regional leads' digest of their units."""
    from . import services

    return services.send_manager_digests()
