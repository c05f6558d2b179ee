"""Reads about workshops: the sessions open to book, a person's bookings, the register, what
the dashboard shows, no-shows for managers and evaluation results (five responses or more)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Booking, Evaluation, WorkshopSession

MIN_RESPONSES = 5
ACTIVE = (Booking.Status.BOOKED, Booking.Status.WAITLISTED, Booking.Status.REQUESTED)


def upcoming_sessions(course=None, *, now=None) -> QuerySet[WorkshopSession]:
    """Scheduled sessions that have not started, with how many places are taken."""
    now = now or timezone.now()
    sessions = WorkshopSession.objects.filter(
        status=WorkshopSession.Status.SCHEDULED, starts_at__gt=now, course__live=True
    )
    if course is not None:
        sessions = sessions.filter(course=course)
    return sessions.select_related("course").annotate(
        booked_count=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED))
    )


def booking_for(user, session) -> Booking | None:
    if not (user and user.is_authenticated):
        return None
    return Booking.objects.filter(user=user, session=session).first()


def active_bookings(user) -> QuerySet[Booking]:
    """A person's places and waiting-list places on sessions still to come."""
    return (
        Booking.objects.filter(user=user, status__in=ACTIVE, session__starts_at__gt=timezone.now())
        .exclude(session__status=WorkshopSession.Status.CANCELLED)
        .select_related("session", "session__course")
        .order_by("session__starts_at")
    )


def waiting_position(booking: Booking) -> int | None:
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        session_id=booking.session_id, status=Booking.Status.WAITLISTED
    ).filter(Q(queued_at__lt=booking.queued_at) | Q(queued_at=booking.queued_at, pk__lt=booking.pk))
    return ahead.count() + 1


def workshop_part_done(enrolment) -> bool:
    """Whether the learner attended a session of the course within this enrolment."""
    return Booking.objects.filter(
        enrolment=enrolment, attendance=Booking.Attendance.ATTENDED
    ).exists()


@dataclass
class DashboardWorkshop:
    course: object
    enrolment: object
    booking: Booking | None
    next_sessions: list = field(default_factory=list)


def dashboard_workshops(user, enrolments, *, limit: int = 3) -> list[DashboardWorkshop]:
    """Of the person's active enrolments (as the dashboard read them, with their courses), the
    workshop and blended courses, each with the person's booking or the next sessions to book.
    No query when there are none."""
    enrolments = [
        e
        for e in {e.pk: e for e in enrolments}.values()
        if e.is_active and e.course.delivery in ("workshop", "blended")
    ]
    if not enrolments:
        return []
    courses = [e.course_id for e in enrolments]
    # The courses are the enrolments' own: the sessions are read without theirs.
    bookings = active_bookings(user).filter(session__course__in=courses)
    bookings = {
        b.session.course_id: b for b in bookings.select_related(None).select_related("session")
    }
    sessions = defaultdict(list)
    upcoming = upcoming_sessions().filter(course__in=courses, booking_deadline__gt=timezone.now())
    for session in upcoming.select_related(None):
        if len(sessions[session.course_id]) < limit:
            sessions[session.course_id].append(session)
    return [
        DashboardWorkshop(
            course=e.course,
            enrolment=e,
            booking=bookings.get(e.course_id),
            next_sessions=sessions[e.course_id],
        )
        for e in enrolments
    ]


def register(session) -> list[Booking]:
    """The people with a place, by name."""
    return list(
        Booking.objects.filter(session=session, status=Booking.Status.BOOKED)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


def sessions_led(user) -> QuerySet[WorkshopSession]:
    return (
        WorkshopSession.objects.filter(trainers=user)
        .select_related("course")
        .order_by("-starts_at")
    )


def no_shows(manager) -> QuerySet[Booking]:
    """Staff (whose records the manager sees) who had a place and did not attend."""
    from lms.workforce.selectors import staff_in_scope

    people = staff_in_scope(manager, records=True).values("user_id")
    return (
        Booking.objects.filter(
            user__in=people, status=Booking.Status.BOOKED, attendance=Booking.Attendance.ABSENT
        )
        .select_related("user", "session", "session__course")
        .order_by("-session__starts_at")
    )


def approval_requests(manager) -> QuerySet[Booking]:
    """Requests for a place, awaiting approval, from staff whose records the manager sees."""
    from lms.workforce.selectors import staff_in_scope

    people = staff_in_scope(manager, records=True).values("user_id")
    return (
        Booking.objects.filter(user__in=people, status=Booking.Status.REQUESTED)
        .select_related("user", "session", "session__course")
        .order_by("queued_at", "id")
    )


# --- Evaluation results ---------------------------------------------------------------------


@dataclass
class AreaChange:
    name: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


@dataclass
class Results:
    label: str
    responses: int
    shown: bool
    usefulness: float | None = None
    areas: list[AreaChange] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _results(label: str, evaluations: list[Evaluation], areas) -> Results:
    answered = [e for e in evaluations if e.after_at]
    if len(answered) < MIN_RESPONSES:
        return Results(label=label, responses=len(answered), shown=False)
    useful = [e.usefulness for e in answered if e.usefulness]

    def average(values):
        return round(mean(values), 1) if values else None

    changes = [
        AreaChange(
            name=area.name,
            before=average(
                [e.confidence_before[area.key] for e in answered if area.key in e.confidence_before]
            ),
            after=average(
                [e.confidence_after[area.key] for e in answered if area.key in e.confidence_after]
            ),
        )
        for area in areas
    ]
    # Free text without names or dates, in a fixed order that says nothing about who wrote it.
    comments = sorted(
        e.will_do_differently.strip() for e in answered if e.will_do_differently.strip()
    )
    return Results(
        label=label,
        responses=len(answered),
        shown=True,
        usefulness=average(useful),
        areas=changes,
        comments=comments,
    )


def evaluations_seen_by(user) -> QuerySet[Evaluation]:
    """Trainers and site administrators see every course's evaluations; a regional lead those
    of people working in their region."""
    from lms.workforce.selectors import Role, roles_for, staff_in_scope

    evaluations = Evaluation.objects.filter(after_at__isnull=False)
    if roles_for(user) & {Role.TRAINER, Role.ADMIN}:
        return evaluations
    return evaluations.filter(user__in=staff_in_scope(user).values("user_id"))


def courses_with_evaluations(user) -> list[dict]:
    from content.models import CoursePage

    counts = evaluations_seen_by(user).values("course").annotate(n=Count("pk"))
    by_course = {row["course"]: row["n"] for row in counts}
    courses = CoursePage.objects.filter(pk__in=by_course).order_by("title")
    return [{"course": c, "responses": by_course[c.pk]} for c in courses]


def evaluation_results(course, user) -> tuple[Results, list[Results]]:
    """The course's results, and each session's (for workshop and blended courses), from the
    evaluations ``user`` may see."""
    areas = list(course.competency_areas.all())
    evaluations = list(evaluations_seen_by(user).filter(course=course).select_related("session"))
    overall = _results(course.title, evaluations, areas)
    per_session = defaultdict(list)
    for evaluation in evaluations:
        if evaluation.session_id:
            per_session[evaluation.session].append(evaluation)
    sessions = [
        _results(str(session), items, areas)
        for session, items in sorted(per_session.items(), key=lambda kv: kv[0].starts_at)
    ]
    return overall, sessions


@dataclass
class QuarterEvaluation:
    """Evaluations completed in one quarter, pooled over courses: how useful, and confidence in
    the courses' competency areas before and after (each response's average over its areas).
    Figures only for five responses or more."""

    end: date
    responses: int
    shown: bool
    usefulness: float | None = None
    before: float | None = None
    after: float | None = None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


def evaluations_by_quarter(user_ids, quarters: list[tuple[date, date]]) -> list[QuarterEvaluation]:
    """For each ``(start, end)`` quarter, the evaluations completed in it by the people
    ``user_ids`` (a list or a subquery). One query, whatever the number of quarters."""
    if not quarters:
        return []
    rows = Evaluation.objects.filter(
        user_id__in=user_ids,
        after_at__date__gte=quarters[0][0],
        after_at__date__lte=quarters[-1][1],
    ).values_list("after_at", "usefulness", "confidence_before", "confidence_after")
    by_quarter: dict[date, list] = defaultdict(list)
    for after_at, usefulness, before, after in rows:
        day = timezone.localdate(after_at)
        for start, end in quarters:
            if start <= day <= end:
                by_quarter[end].append((usefulness, before, after))
                break

    def average(values):
        values = [v for v in values if v is not None]
        return round(mean(values), 1) if values else None

    def area_mean(answers: dict):
        values = [v for v in answers.values() if isinstance(v, int | float)]
        return mean(values) if values else None

    results = []
    for _, end in quarters:
        answered = by_quarter.get(end, [])
        if len(answered) < MIN_RESPONSES:
            results.append(QuarterEvaluation(end=end, responses=len(answered), shown=False))
            continue
        results.append(
            QuarterEvaluation(
                end=end,
                responses=len(answered),
                shown=True,
                usefulness=average(u for u, _, _ in answered),
                before=average(area_mean(b) for _, b, _ in answered),
                after=average(area_mean(a) for _, _, a in answered),
            )
        )
    return results
