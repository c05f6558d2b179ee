"""Workshop sessions, bookings (with the waiting list and the register) and evaluations.

Rules live in ``services``; models keep the invariants the database can hold: one booking per
person and session, one evaluation per enrolment.
"""

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

TIME_ZONES = sorted(zoneinfo.available_timezones())


class WorkshopSession(models.Model):
    """One date of a workshop course: face to face at a venue, or live online."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.PROTECT, related_name="workshop_sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        help_text="The time zone the start and end are given in (and shown in).",
    )
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.TextField(blank=True)
    accessibility_notes = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, parking, quiet room…"
    )
    online_link = models.URLField(
        max_length=500,
        blank=True,
        help_text="For a live online session: shown only to people with a place.",
    )
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    booking_deadline = models.DateTimeField(
        help_text="No bookings after this; a place given up before it goes to the waiting list."
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="workshop_sessions_led"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    # iCalendar: one UID for the life of the session; SEQUENCE goes up with every change sent.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "workshop session"
        indexes = [models.Index(fields=["course", "starts_at"])]

    def __str__(self):
        return f"{self.course.title}, {timezone.localtime(self.starts_at, self.tz):%d %b %Y %H:%M}"

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_online(self) -> bool:
        return bool(self.online_link) and not self.venue_address

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def local_start(self):
        return timezone.localtime(self.starts_at, self.tz)

    def local_end(self):
        return timezone.localtime(self.ends_at, self.tz)

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The session must end after it starts."
        if self.booking_deadline and self.starts_at and self.booking_deadline > self.starts_at:
            errors["booking_deadline"] = "The booking deadline must be before the session starts."
        if self.time_zone not in TIME_ZONES:
            errors["time_zone"] = "Choose a time zone from the list, e.g. Europe/London."
        if not self.venue_address and not self.online_link:
            errors["venue_address"] = "Give a venue address, or an online meeting link."
        if errors:
            raise ValidationError(errors)


class Booking(models.Model):
    """A person's place on a session, or their place on its waiting list (in arrival order:
    ``queued_at`` then id). Cancelled bookings stay, so booking again reuses the row."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        WAITLISTED = "waitlisted", "On the waiting list"
        REQUESTED = "requested", "Awaiting a manager's approval"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        ATTENDED = "attended", "Attended"
        PARTLY = "partly", "Attended part"
        ABSENT = "absent", "Did not attend"

    session = models.ForeignKey(WorkshopSession, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_bookings"
    )
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A manager who booked the place for a member of staff.",
    )
    queued_at = models.DateTimeField(default=timezone.now)
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=20, choices=Attendance.choices, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Reminders already sent (set by a conditional update, so each goes once).
    week_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    day_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="workshops_booking_unique")
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self):
        return f"{self.user} on {self.session} ({self.get_status_display()})"


class Evaluation(models.Model):
    """A learner's evaluation of one course (one enrolment): confidence in the course's
    competency areas before starting, and after completing with how useful it was and what
    they will do differently. Optional: nothing waits for it. Results are shown for groups of
    five or more, never with names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations"
    )
    course = models.ForeignKey("content.CoursePage", on_delete=models.CASCADE, related_name="+")
    enrolment = models.OneToOneField(
        "courses.Enrolment", on_delete=models.CASCADE, related_name="evaluation"
    )
    session = models.ForeignKey(
        WorkshopSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        help_text="The workshop session attended, for workshop and blended courses.",
    )
    # Competency area key -> confidence 1-5.
    confidence_before = models.JSONField(default=dict, blank=True)
    confidence_after = models.JSONField(default=dict, blank=True)
    usefulness = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    will_do_differently = models.TextField(blank=True)
    before_at = models.DateTimeField(null=True, blank=True)
    after_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["course", "after_at"])]

    def __str__(self):
        return f"Evaluation of {self.course_id} by {self.user_id}"
