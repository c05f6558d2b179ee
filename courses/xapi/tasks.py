"""Celery tasks: thin wrappers that call a service. Safe to run twice."""

from lms.celery import idempotent_task

from . import services


@idempotent_task(name="xapi.send_statements")
def send_statements() -> int:
    """Send the outbox's due statements to the LRS (after each event, and every minute)."""
    return services.send_pending().sent
