"""Courses, completions and certificates for certificate tests.

Completions are written directly (as ``courses.services`` writes them) so that tests can choose
their dates; ``complete_via_service`` goes through the real learning flow instead."""

from datetime import datetime
from decimal import Decimal
from itertools import count

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Locale, Page

from content.models import CourseIndexPage, CoursePage, HomePage, ModulePage
from courses import signals
from courses.dates import validity_for
from courses.models import Completion, Enrolment
from tests.factories import TierFactory

_n = count(1)


def course_index() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is not None:
        return index
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="en-gb")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="Home", slug=f"home-{next(_n)}"))
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    index.save_revision().publish()
    return index


def make_course(
    *,
    title: str | None = None,
    tier=None,
    issues_certificate: bool = True,
    cpd_hours: str = "1.5",
    validity_months: int | None = 36,
    modules: int = 0,
) -> CoursePage:
    """A published course (with ``modules`` published modules and no knowledge check)."""
    n = next(_n)
    title = title or f"Course {n}"
    course = CoursePage(
        title=title,
        slug=f"{slugify(title)}-{n}",
        tier=tier or TierFactory(code="T1"),
        summary=f"About {title}.",
        cpd_hours=Decimal(cpd_hours),
        validity_months=validity_months,
        issues_certificate=issues_certificate,
        knowledge_check=[],
    )
    course_index().add_child(instance=course)
    course.save_revision().publish()
    for index in range(modules):
        module = ModulePage(
            title=f"Module {index + 1}",
            slug=f"module-{index + 1}",
            body=[{"type": "text", "id": f"{n}-m{index}", "value": "<p>Lesson.</p>"}],
        )
        course.add_child(instance=module)
        module.save_revision().publish()
    course.refresh_from_db()
    return course


def make_completion(
    user, course: CoursePage, *, completed_at: datetime | None = None, signal: bool = False
) -> Completion:
    """A completion of ``course`` by ``user`` at ``completed_at`` (now by default), with its
    enrolment. ``signal=True`` sends ``completion_recorded`` as the courses service does."""
    completed_at = completed_at or timezone.now()
    if timezone.is_naive(completed_at):
        completed_at = timezone.make_aware(completed_at)
    with transaction.atomic():
        Enrolment.objects.filter(user=user, course=course, is_current=True).update(is_current=False)
        cycle = (
            Enrolment.objects.filter(user=user, course=course).aggregate(n=Max("cycle"))["n"] or 0
        ) + 1
        enrolment = Enrolment.objects.create(
            user=user,
            course=course,
            cycle=cycle,
            status=Enrolment.Status.COMPLETED,
            started_at=completed_at,
            completed_at=completed_at,
        )
        valid_until, expires_at = validity_for(completed_at, course.effective_validity_months)
        completion = Completion.objects.create(
            user=user,
            course=course,
            enrolment=enrolment,
            course_title=course.title,
            tier_code=course.tier.code,
            completed_at=completed_at,
            expires_at=expires_at,
            valid_until=valid_until,
        )
        if signal:
            signals.completion_recorded.send(sender=Completion, completion=completion)
    return completion


def complete_via_service(user, course: CoursePage) -> Completion:
    """Complete ``course`` (modules only, no knowledge check) through the learning services."""
    from courses import services

    enrolment, _ = services.enrol(user=user, course=course)
    completion = None
    for module in course.modules():
        completion = services.complete_module(enrolment=enrolment, module=module).completion
    return completion
