"""The emails about a booking, each with its calendar invitation (``invite.ics``): a
confirmation or change as METHOD:REQUEST, a cancellation as METHOD:CANCEL. Waiting-list emails
carry none (there is no place to put in a calendar yet)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from lms.site_url import site_url

from . import ics
from .models import Booking

SUBJECTS = {
    "confirmed": "Your place: {course}",
    "waitlisted": "On the waiting list: {course}",
    "promoted": "A place came up for you: {course}",
    "changed": "Changed: {course}",
    "cancelled": "Place cancelled: {course}",
    "requested": "Your request for a place: {course}",
    "declined": "Request for a place not approved: {course}",
    "session_cancelled": "Session cancelled: {course}",
    "reminder": "Reminder: {course} on {when}",
}
METHODS = {
    "confirmed": "REQUEST",
    "promoted": "REQUEST",
    "changed": "REQUEST",
    "reminder": "REQUEST",
    "cancelled": "CANCEL",
    "session_cancelled": "CANCEL",
}


def send_booking_email(*, booking_id: int, kind: str) -> bool:
    booking = (
        Booking.objects.select_related("user", "session", "session__course")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or kind not in SUBJECTS:
        return False
    session = booking.session
    when = session.local_start()
    context = {
        "site_name": settings.SITE_NAME,
        "booking": booking,
        "session": session,
        "kind": kind,
        "url": site_url() + reverse("workshops:session", args=[session.pk]),
    }
    subject = SUBJECTS[kind].format(course=session.course.title, when=f"{when:%d %b %Y}")
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string("workshops/email/booking.txt", context),
        to=[booking.user.email],
    )
    method = METHODS.get(kind)
    if method:
        calendar = ics.invitation(
            session,
            method=method,
            attendee=booking.user,
            organiser_email=settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">"),
        )
        message.attach("invite.ics", calendar, f"text/calendar; method={method}; charset=UTF-8")
    message.send()
    return True
