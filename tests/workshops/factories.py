"""Workshop courses and sessions for tests."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from content import directory
from content.groups import TRAINERS
from content.models import CoursePage
from courses.workshops.models import WorkshopSession
from tests.courses.factories import make_course
from tests.factories import UserFactory


def make_workshop_course(
    *, delivery="workshop", tier=None, workshop_order="any", **kwargs
) -> CoursePage:
    """A workshop course (no modules, no knowledge check) or a blended one (modules too)."""
    if delivery == "workshop":
        kwargs.setdefault("modules", 0)
        kwargs.setdefault("questions", [])
    course = make_course(tier=tier, **kwargs)
    CoursePage.objects.filter(pk=course.pk).update(delivery=delivery, workshop_order=workshop_order)
    directory.forget()  # as a publication of the change would
    course.refresh_from_db()
    return course


def make_trainer(**kwargs):
    trainer = UserFactory(**kwargs)
    trainer.groups.add(Group.objects.get(name=TRAINERS))
    return trainer


def make_session(course, *, capacity=10, days=14, trainers=(), online=False, **kwargs):
    starts = timezone.now() + timedelta(days=days)
    values = {
        "course": course,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=3),
        "capacity": capacity,
        "booking_deadline": starts - timedelta(days=2),
        "venue_name": "" if online else "Riverside Family Hub",
        "venue_address": "" if online else "1 River Lane\nLeeds LS1 1AA",
        "accessibility_notes": "" if online else "Step-free access; hearing loop",
        "online_link": "https://meet.example.org/imh-session" if online else "",
        **kwargs,
    }
    session = WorkshopSession.objects.create(**values)
    session.trainers.set(trainers)
    return session


def start_session(session, *, hours_ago=1):
    """Move a booked session into the past (its register opens when it starts)."""
    starts = timezone.now() - timedelta(hours=hours_ago)
    WorkshopSession.objects.filter(pk=session.pk).update(
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        booking_deadline=starts - timedelta(days=1),
    )
    session.refresh_from_db()
    return session
