"""Celery tasks: thin wrappers around the workshop services and emails. Safe to run twice."""

from lms.celery import idempotent_task

from . import emails, services


@idempotent_task(name="workshops.send_booking_email")
def send_booking_email(booking_id: int, kind: str) -> None:
    emails.send_booking_email(booking_id=booking_id, kind=kind)


@idempotent_task(name="workshops.send_reminders")
def send_reminders() -> int:
    """Hourly: reminders a week and a day before each session (each sent once)."""
    return services.send_reminders()


@idempotent_task(name="workshops.enrol_for_booking")
def enrol_for_booking(booking_id: int) -> None:
    """Enrol a person who booked a workshop on its course (if they were not already)."""
    from .models import Booking

    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is not None:
        services.enrol_for_booking(booking=booking)
