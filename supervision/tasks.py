"""Thin Celery wrappers around supervision services."""

from lms.celery import idempotent_task


@idempotent_task
def send_session_notification(session_id: int, recipient_id: int, kind: str) -> None:
    from .services import send_notification

    send_notification(session_id=session_id, recipient_id=recipient_id, kind=kind)
