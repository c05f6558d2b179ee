"""Writes for workshops: booking and the waiting list, cancelling, changes to a session sent
to the people on it (with calendar invitations), reminders, the register, and evaluations.

Capacity holds under concurrency: every booking change locks the session row
(``select_for_update``) before counting places, and one booking per person and session is a
unique constraint, so a double click books once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import Completion, Enrolment
from lms.celery import enqueue_on_commit

from . import selectors
from .models import Booking, Evaluation, WorkshopSession
from .permissions import is_session_trainer, may_book_for

# Email kinds (templates ``workshops/email/<kind>``).
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
PROMOTED = "promoted"
CHANGED = "changed"
CANCELLED = "cancelled"
REQUESTED = "requested"
DECLINED = "declined"
SESSION_CANCELLED = "session_cancelled"
REMINDER = "reminder"

# What, when changed on a session with people on it, is sent to them as an updated invitation.
NOTIFIED_FIELDS = {
    "starts_at",
    "ends_at",
    "time_zone",
    "venue_name",
    "venue_address",
    "online_link",
    "accessibility_notes",
}


class BookingRefused(ValidationError):
    pass


@dataclass
class BookingOutcome:
    booking: Booking
    created: bool


def _when(session) -> str:
    return date_format(session.local_start(), "j F Y, H:i")


def _email(booking: Booking, kind: str) -> None:
    from . import tasks

    enqueue_on_commit(tasks.send_booking_email, booking.pk, kind)


def _lock(session) -> WorkshopSession:
    return WorkshopSession.objects.select_for_update().select_related("course").get(pk=session.pk)


@transaction.atomic
def book(*, session, user, by=None, now=None) -> BookingOutcome:
    """Give ``user`` a place on ``session``, or a place on its waiting list when it is full.

    Safe to repeat: an existing place (or waiting-list place) is returned. Refused, with the
    reason, for a cancelled session, after the booking deadline, while the person has a place on
    another session of the course, before prerequisites are done, and (blended courses that say
    so) before the modules are done. ``by`` is a manager booking for their staff.
    """
    by = by or user
    if not may_book_for(by, user):
        raise PermissionDenied("You can book places only for yourself and your staff.")
    # First what concerns only this person (their enrolment, prerequisites, other bookings),
    # without the session's lock: refusing rolls it all back. The lock is then held only to
    # count the places and write the booking, so simultaneous requests queue briefly.
    session = WorkshopSession.objects.select_related("course").get(pk=session.pk)
    _check_open(session, timezone.now())
    course = session.course
    existing = Booking.objects.filter(session=session, user=user).first()
    if existing is not None and existing.status in selectors.ACTIVE:
        return BookingOutcome(existing, created=False)
    other = (
        selectors.active_bookings(user).filter(session__course=course).exclude(session=session)
    ).first()
    if other is not None:
        raise BookingRefused(
            f"{'You have' if by == user else 'They have'} a place on this course on "
            f"{_when(other.session)}. Cancel that place first to change the date."
        )
    if by == user:
        missing = course_selectors.missing_prerequisites(user, course)
        if missing:
            names = ", ".join(c.title for c in missing)
            raise BookingRefused(f"Complete {names} before you book this workshop.")
    # An enrolment the person already has is linked now; a new one is made in the background
    # (the register makes it at the latest), which keeps a rush of bookings quick.
    enrolment = Enrolment.objects.filter(user=user, course=course, is_current=True).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.ACTIVE:
        enrolment = _enrolment_for(user=user, course=course, by=by)  # a refresher cycle
    if (
        course.delivery == course.Delivery.BLENDED
        and course.workshop_order == course.WorkshopOrder.AFTER_MODULES
        and (enrolment is None or not _modules_done(enrolment, course))
    ):
        raise BookingRefused("Finish the course's modules before you book the workshop.")

    session = _lock(session)
    # Read once the lock is held, so the waiting list's order is the order places were given.
    now = now or timezone.now()
    _check_open(session, now)
    existing = Booking.objects.filter(session=session, user=user).first()
    if existing is not None and existing.status in selectors.ACTIVE:  # a double click
        return BookingOutcome(existing, created=False)
    if course.workshop_needs_approval and by == user:
        # Waits for a manager (``decide_request``); no place is taken until then.
        status = Booking.Status.REQUESTED
    else:
        status = _place_or_waiting_list(session)
    values = {
        "status": status,
        "enrolment": enrolment,
        "booked_by": by if by != user else None,
        "queued_at": now,
        "booked_at": now if status == Booking.Status.BOOKED else None,
        "cancelled_at": None,
        "attendance": "",
        "attendance_marked_at": None,
        "week_reminder_sent_at": None,
        "day_reminder_sent_at": None,
    }
    if existing is not None:  # booking again after cancelling
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        booking = existing
    else:
        booking = Booking.objects.create(session=session, user=user, **values)
    _email(
        booking,
        {Booking.Status.BOOKED: CONFIRMED, Booking.Status.REQUESTED: REQUESTED}.get(
            status, WAITLISTED
        ),
    )
    if enrolment is None:
        from . import tasks

        enqueue_on_commit(tasks.enrol_for_booking, booking.pk)
    return BookingOutcome(booking, created=True)


def _place_or_waiting_list(session: WorkshopSession) -> str:
    """A place while there is one, else the waiting list. The caller holds the session's lock."""
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    return Booking.Status.BOOKED if booked < session.capacity else Booking.Status.WAITLISTED


@transaction.atomic
def decide_request(*, booking: Booking, by, approve: bool, now=None) -> Booking:
    """A manager of the person's records approves their request for a place (a place, or the
    waiting list when the session has filled meanwhile, in the order of approval) or declines
    it. Deciding twice changes nothing. Refused for anyone but the person's managers (not the
    person themself)."""
    if by.pk == booking.user_id or not may_book_for(by, booking.user):
        raise PermissionDenied("Only a manager of this person's training can decide.")
    now = now or timezone.now()
    session = _lock(booking.session)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.REQUESTED:
        return booking
    if approve:
        _check_open(session, now)
        booking.status = _place_or_waiting_list(session)
        booking.queued_at = now
        booking.booked_at = now if booking.status == Booking.Status.BOOKED else None
        booking.booked_by = by
        _email(booking, CONFIRMED if booking.status == Booking.Status.BOOKED else WAITLISTED)
    else:
        booking.status, booking.cancelled_at = Booking.Status.CANCELLED, now
        _email(booking, DECLINED)
    booking.save(update_fields=["status", "queued_at", "booked_at", "booked_by", "cancelled_at"])
    return booking


@transaction.atomic
def enrol_for_booking(*, booking: Booking) -> Enrolment | None:
    """Enrol the person on the course of their booking and link the enrolment (idempotent)."""
    booking = (
        Booking.objects.select_for_update().select_related("session__course").get(pk=booking.pk)
    )
    if booking.enrolment_id or booking.status == Booking.Status.CANCELLED:
        return booking.enrolment
    try:
        booking.enrolment = _enrolment_for(
            user=booking.user, course=booking.session.course, by=booking.booked_by or booking.user
        )
    except ValidationError:
        return None
    booking.save(update_fields=["enrolment"])
    return booking.enrolment


def _check_open(session: WorkshopSession, now) -> None:
    if session.is_cancelled:
        raise BookingRefused("This session has been cancelled. Choose another date.")
    if now >= session.booking_deadline:
        closed = timezone.localtime(session.booking_deadline, session.tz)
        raise BookingRefused(
            f"Booking for this session closed on {date_format(closed, 'j F Y, H:i')}."
        )


def _enrolment_for(*, user, course, by) -> Enrolment:
    source = Enrolment.Source.SELF if by == user else Enrolment.Source.ASSIGNED
    enrolment, _ = course_services.enrol(
        user=user,
        course=course,
        source=source,
        assigned_by=None if by == user else by,
    )
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise BookingRefused("This course is completed and current; there is nothing to book.")
    return enrolment


def _modules_done(enrolment: Enrolment, course) -> bool:
    module_ids = set(course.modules().values_list("pk", flat=True))
    done = set(
        enrolment.progress.filter(completed_at__isnull=False).values_list("module_id", flat=True)
    )
    return module_ids <= done


def _promote(session: WorkshopSession, now) -> list[Booking]:
    """Fill free places from the waiting list, first come first served. The caller holds the
    lock on the session."""
    if session.is_cancelled or now >= session.booking_deadline:
        return []
    free = (
        session.capacity
        - Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    )
    promoted = []
    if free <= 0:
        return promoted
    for booking in Booking.objects.filter(session=session, status=Booking.Status.WAITLISTED)[:free]:
        booking.status, booking.booked_at = Booking.Status.BOOKED, now
        booking.save(update_fields=["status", "booked_at"])
        _email(booking, PROMOTED)
        promoted.append(booking)
    return promoted


@transaction.atomic
def cancel_booking(*, booking: Booking, by, now=None) -> list[Booking]:
    """Give up a place (or a waiting-list place). Before the booking deadline the place goes to
    the next person waiting, who is booked and emailed. Returns the people promoted. Cancelling
    twice changes nothing."""
    now = now or timezone.now()
    if not may_book_for(by, booking.user):
        raise PermissionDenied("You cannot cancel this booking.")
    session = _lock(booking.session)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == Booking.Status.CANCELLED:
        return []
    if now >= session.starts_at:
        raise BookingRefused("This session has started; the place can no longer be cancelled.")
    was_booked = booking.status == Booking.Status.BOOKED
    booking.status, booking.cancelled_at = Booking.Status.CANCELLED, now
    booking.save(update_fields=["status", "cancelled_at"])
    if was_booked:
        _email(booking, CANCELLED)
        return _promote(session, now)
    return []


@transaction.atomic
def session_saved(*, session: WorkshopSession, changed: set[str], now=None) -> None:
    """After a trainer saved a session in the admin: a new date, time or place goes to everyone
    with a place as an updated invitation (a higher SEQUENCE); a cancelled session is sent as a
    cancellation to everyone booked or waiting; more places are offered to the waiting list."""
    now = now or timezone.now()
    session = _lock(session)
    active = list(Booking.objects.filter(session=session, status__in=selectors.ACTIVE))
    if "status" in changed and session.is_cancelled:
        session.sequence += 1
        session.save(update_fields=["sequence"])
        for booking in active:
            _email(booking, SESSION_CANCELLED)
        return
    if changed & NOTIFIED_FIELDS and active:
        session.sequence += 1
        session.save(update_fields=["sequence"])
        for booking in active:
            if booking.status == Booking.Status.BOOKED:
                _email(booking, CHANGED)
        if {"starts_at"} & changed:  # reminders follow the new date
            Booking.objects.filter(session=session).update(
                week_reminder_sent_at=None, day_reminder_sent_at=None
            )
    if "capacity" in changed or "booking_deadline" in changed:
        _promote(session, now)


def send_reminders(*, now=None) -> int:
    """Remind people with a place a week and a day before. Each reminder goes once: it is
    claimed with a conditional update before it is sent (a beat that runs twice, or two at once,
    send nothing more). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    base = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__status=WorkshopSession.Status.SCHEDULED,
        session__starts_at__gt=now,
    )
    # A day before first: it stands for the week's reminder too if that never went.
    for field, window, also in (
        ("day_reminder_sent_at", timedelta(days=1), "week_reminder_sent_at"),
        ("week_reminder_sent_at", timedelta(days=7), None),
    ):
        due = base.filter(
            **{f"{field}__isnull": True, "session__starts_at__lte": now + window}
        ).values_list("pk", flat=True)
        for pk in list(due):
            with transaction.atomic():
                updates = {field: now}
                if also:
                    updates[also] = now
                if Booking.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**updates):
                    _email(Booking(pk=pk), REMINDER)
                    sent += 1
    return sent


@transaction.atomic
def mark_register(*, session: WorkshopSession, by, marks: dict[int, str], now=None) -> int:
    """The trainer's register: ``marks`` maps bookings to attended / partly / absent. Marking
    again changes only what differs; attending completes the workshop part of the course (and
    the course, when everything else is done, with its certificate). Returns how many changed."""
    now = now or timezone.now()
    if not is_session_trainer(by, session):
        raise PermissionDenied("Only the session's trainers mark its register.")
    session = _lock(session)
    if session.is_cancelled:
        raise ValidationError("This session was cancelled; it has no register.")
    if now < session.starts_at:
        raise ValidationError("The register opens when the session starts.")
    changed = 0
    valid = set(Booking.Attendance.values)
    bookings = Booking.objects.select_for_update().filter(
        session=session, status=Booking.Status.BOOKED, pk__in=list(marks)
    )
    for booking in bookings:
        value = marks[booking.pk]
        if value not in valid:
            continue
        if booking.attendance != value:
            booking.attendance = value
            booking.attendance_marked_at, booking.attendance_marked_by = now, by
            booking.save(
                update_fields=["attendance", "attendance_marked_at", "attendance_marked_by"]
            )
            changed += 1
        if value == Booking.Attendance.ATTENDED:
            enrolment = booking.enrolment or enrol_for_booking(booking=booking)
            if enrolment is not None:
                course_services.complete_course_if_ready(enrolment=enrolment)
    return changed


# --- Evaluation -----------------------------------------------------------------------------


def _ratings(course, ratings: dict) -> dict:
    keys = set(course.competency_areas.values_list("key", flat=True))
    clean = {}
    for key, value in ratings.items():
        if key in keys and value not in (None, ""):
            number = int(value)
            if not 1 <= number <= 5:
                raise ValidationError("Confidence is a number from 1 to 5.")
            clean[key] = number
    return clean


@transaction.atomic
def record_evaluation(
    *,
    enrolment: Enrolment,
    user,
    confidence: dict,
    usefulness: int | None = None,
    will_do_differently: str = "",
    now=None,
) -> Evaluation:
    """Before the course is completed: the confidence ratings "before"; after: confidence
    "after", how useful it was and what the person will do differently. Answering again replaces
    the answers of the same stage. Optional: completion never waits for it."""
    now = now or timezone.now()
    if enrolment.user_id != user.pk:
        raise PermissionDenied
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    course = enrolment.course
    evaluation, _ = Evaluation.objects.get_or_create(
        enrolment=enrolment, defaults={"user": user, "course": course}
    )
    completed = Completion.objects.filter(enrolment=enrolment).exists()
    if not completed:
        evaluation.confidence_before = _ratings(course, confidence)
        evaluation.before_at = now
    else:
        if usefulness is not None and not 1 <= int(usefulness) <= 5:
            raise ValidationError("How useful is a number from 1 to 5.")
        evaluation.confidence_after = _ratings(course, confidence)
        evaluation.usefulness = usefulness
        evaluation.will_do_differently = will_do_differently.strip()[:2000]
        evaluation.after_at = now
        attended = (
            Booking.objects.filter(enrolment=enrolment, attendance=Booking.Attendance.ATTENDED)
            .order_by("-session__starts_at")
            .first()
        )
        evaluation.session_id = attended.session_id if attended else None
    evaluation.save()
    return evaluation
