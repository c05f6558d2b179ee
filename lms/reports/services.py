"""Writes of the reports: the audit entry of every export, and the reminder emails.

Reminders: each occurrence has a key (``SentReminder``, unique per user, kind and key). A task
finds the candidates in a few set-based queries, leaves out the keys already sent (one query),
and for each remaining one inserts the row first and sends only if it created it, in one
transaction: a second beat run, a retried task or two workers at once send nothing twice, and
an email that fails to send leaves no row (the next run tries again).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Enrolment
from lms.emails import send_templated_email
from lms.site_url import site_url
from lms.workforce.models import Membership

from .models import SentReminder

logger = logging.getLogger(__name__)
User = get_user_model()

AUDIT_EXPORT = "reports.export"
AUDIT_VIEW_PERSON = "reports.view_person"
EXPIRY_THRESHOLDS = (7, 30, 90)


# --- Audit ---------------------------------------------------------------------------------


def audit_export(*, user, instance, report: str, fmt: str, filters: dict):
    """Write an export to the audit log (who, what, when, with which filters). Returns the log
    entry; ``audit_export_rows`` adds the row count once the streamed file is complete."""
    from wagtail.log_actions import log

    return log(
        instance,
        AUDIT_EXPORT,
        user=user,
        data={"report": report, "format": fmt, "filters": filters, "rows": None},
    )


def audit_export_rows(entry, rows: int) -> None:
    if entry is None:
        return
    data = dict(entry.data or {})
    data["rows"] = rows
    type(entry).objects.filter(pk=entry.pk).update(data=data)


def audit_view_person(*, user, person) -> None:
    """Managers reading someone's training record is written to the audit log."""
    from wagtail.log_actions import log

    log(person, AUDIT_VIEW_PERSON, user=user)


# --- Sending once --------------------------------------------------------------------------


@dataclass
class Reminder:
    user: object
    kind: str
    key: str
    template: str
    context: dict


def _site_url(name: str, *args) -> str:
    return site_url() + reverse(name, args=args)


def _subject(template: str, context: dict) -> str:
    full = {"site_name": settings.SITE_NAME, "site_url": site_url(), **context}
    return " ".join(render_to_string(f"{template}_subject.txt", full).split())


def send_once(reminder: Reminder) -> bool:
    """Record and send one reminder, unless it was sent before. Returns whether it was sent."""
    context = {"recipient": reminder.user, "emails_url": _site_url("reports:my_emails"),
               **reminder.context}  # fmt: skip
    try:
        with transaction.atomic():
            _row, created = SentReminder.objects.get_or_create(
                user=reminder.user,
                kind=reminder.kind,
                key=reminder.key,
                defaults={"subject": _subject(reminder.template, context)},
            )
            if not created:
                return False
            send_templated_email(
                to=[reminder.user.email], template_prefix=reminder.template, context=context
            )
    except IntegrityError:  # a concurrent run inserted it first
        return False
    return True


def send_all(reminders: list[Reminder]) -> int:
    """Send the reminders whose keys were not sent before (one query to leave those out)."""
    if not reminders:
        return 0
    users = {r.user.pk for r in reminders}
    keys = {r.key for r in reminders}
    sent = set(
        SentReminder.objects.filter(user_id__in=users, key__in=keys).values_list(
            "user_id", "kind", "key"
        )
    )
    count = 0
    for reminder in reminders:
        if (reminder.user.pk, reminder.kind, reminder.key) in sent:
            continue
        count += send_once(reminder)
    return count


def _iso_week(on: date) -> str:
    year, week, _ = on.isocalendar()
    return f"{year}-W{week:02d}"


def _staff(on: date):
    """People working in a job role on ``on`` (reminders go to them only)."""
    return Membership.objects.active(on).filter(job_role__isnull=False, user=OuterRef("user_id"))


# --- Learners: expiring and overdue training -----------------------------------------------


def expiry_reminders(on: date | None = None) -> list[Reminder]:
    """Completions that are the latest of their course for the person, still current, and lapse
    within 90, 30 or 7 days: one reminder at each threshold (only the nearest one the first
    time a completion is seen inside a threshold, so nobody gets three emails at once)."""
    on = on or timezone.localdate()
    newer = Completion.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        valid_until__gt=OuterRef("valid_until"),
    )
    completions = (
        Completion.objects.filter(
            valid_until__gte=on,
            valid_until__lte=on + timedelta(days=max(EXPIRY_THRESHOLDS)),
            user__is_active=True,
            course__live=True,
        )
        .filter(Exists(_staff(on)))
        .exclude(Exists(newer))
        .select_related("user", "course")
        .order_by("user_id", "valid_until")
    )
    reminders = []
    for completion in completions:
        days = (completion.valid_until - on).days
        threshold = min(t for t in EXPIRY_THRESHOLDS if t >= days)
        reminders.append(
            Reminder(
                user=completion.user,
                kind=SentReminder.Kind.EXPIRY,
                key=f"expiry:{threshold}:{completion.pk}",
                template="reports/email/expiry",
                context={
                    "completion": completion,
                    "days": days,
                    "course_url": site_url() + completion.course.url,
                },
            )
        )
    return reminders


def overdue_reminders(on: date | None = None) -> list[Reminder]:
    """People with current, unfinished enrolments past their due date: one email a week
    listing them (key ``overdue:<user>:<iso week>``)."""
    on = on or timezone.localdate()
    enrolments = (
        Enrolment.objects.filter(
            is_current=True,
            status=Enrolment.Status.ACTIVE,
            due_on__lt=on,
            user__is_active=True,
        )
        .filter(Exists(_staff(on)))
        .select_related("user", "course")
        .order_by("user_id", "due_on")
    )
    by_user: dict[int, list] = defaultdict(list)
    users = {}
    for enrolment in enrolments:
        by_user[enrolment.user_id].append(enrolment)
        users[enrolment.user_id] = enrolment.user
    week = _iso_week(on)
    return [
        Reminder(
            user=users[user_id],
            kind=SentReminder.Kind.OVERDUE,
            key=f"overdue:{user_id}:{week}",
            template="reports/email/overdue",
            context={"enrolments": items, "learn_url": _site_url("courses:dashboard")},
        )
        for user_id, items in by_user.items()
    ]


# --- Supervisees behind --------------------------------------------------------------------


def supervision_reminders(on: date | None = None) -> list[Reminder]:
    """People whose supervision is behind or overdue against their target (supervision's own
    status), once a month (key ``supervision-behind:<user>:<yyyy-mm>``). Candidates come from
    the coverage entries (below the full target), their status from supervision's selectors in
    a constant number of queries."""
    from supervision.selectors import Status, summaries_for_memberships

    from .models import CoverageEntry
    from .selectors import active_on, with_supervision

    on = on or timezone.localdate()
    below = (
        with_supervision(
            CoverageEntry.objects.filter(active_on(on), supervision_target__isnull=False), on
        )
        .filter(at_target=0, user__is_active=True)
        .values("user_id")
        .distinct()
    )
    memberships = (
        Membership.objects.active(on)
        .filter(user_id__in=below, job_role__isnull=False)
        .select_related("user", "job_role__required_tier")
    )
    month = on.strftime("%Y-%m")
    reminders = []
    for user_id, summary in summaries_for_memberships(memberships, on=on).items():
        if summary.status not in (Status.BEHIND, Status.OVERDUE):
            continue
        reminders.append(
            Reminder(
                user=summary.user,
                kind=SentReminder.Kind.SUPERVISION_BEHIND,
                key=f"supervision-behind:{user_id}:{month}",
                template="reports/email/supervision_behind",
                context={"summary": summary, "supervision_url": _site_url("supervision:home")},
            )
        )
    return reminders


# --- Managers' weekly digest ---------------------------------------------------------------


def digest_reminders(on: date | None = None) -> list[Reminder]:
    """Every manager and regional lead: a weekly summary of their units (key
    ``digest:<manager>:<iso week>``). One coverage aggregate per manager (a constant number of
    queries each, whatever the number of staff)."""
    from .permissions import coverage_scope
    from .selectors import Filters, coverage, people

    on = on or timezone.localdate()
    week = _iso_week(on)
    manager_ids = (
        Membership.objects.active(on)
        .filter(is_manager=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    reminders = []
    for manager in User.objects.filter(pk__in=list(manager_ids)).order_by("pk"):
        scope = coverage_scope(manager)
        if scope is None:
            continue
        figures = coverage(scope, Filters(), on)
        if not figures.total.total:
            continue
        overdue = None
        if scope.may_name_anyone:
            from .selectors import Drill

            overdue = people(scope, Filters(), Drill(status="overdue"), on).count()
        reminders.append(
            Reminder(
                user=manager,
                kind=SentReminder.Kind.DIGEST,
                key=f"digest:{manager.pk}:{week}",
                template="reports/email/digest",
                context={
                    "figures": figures,
                    "named_overdue": overdue,
                    "dashboard_url": _site_url("reports:dashboard"),
                    "week": week,
                },
            )
        )
    return reminders


def send_expiry_reminders(*, on: date | None = None) -> int:
    return send_all(expiry_reminders(on))


def send_overdue_reminders(*, on: date | None = None) -> int:
    return send_all(overdue_reminders(on))


def send_supervision_reminders(*, on: date | None = None) -> int:
    return send_all(supervision_reminders(on))


def send_manager_digests(*, on: date | None = None) -> int:
    return send_all(digest_reminders(on))


# --- Course analytics ------------------------------------------------------------------------


def refresh_course_analytics(course_id: int):
    """Work out a course's analytics from the live tables and store them (the read model the
    trainers' page reads). Safe to run twice or at once: the last one stored wins, and both are
    exact as at their own time."""
    import time

    from content.models import CoursePage

    from . import selectors
    from .models import CourseAnalyticsSnapshot

    course = CoursePage.objects.filter(pk=course_id).select_related("tier").first()
    if course is None:
        return None
    started = time.perf_counter()
    data = selectors.compute_course_analytics(course)
    took_ms = round((time.perf_counter() - started) * 1000)
    snapshot, _ = CourseAnalyticsSnapshot.objects.update_or_create(
        course_id=course_id,
        defaults={
            "figures": selectors.analytics_figures(data),
            "computed_at": data.as_at,
            "took_ms": took_ms,
        },
    )
    return snapshot


def course_analytics_for_trainers(course):
    """The analytics a trainer's page shows: the stored figures (one query). The first time a
    course is looked at they are worked out there and then; once they are older than
    ``ANALYTICS_MAX_AGE_SECONDS`` the page shows them with their time and newer ones are asked
    of the background worker, once, however many people are looking."""
    from django.core.cache import cache

    from lms.celery import enqueue_on_commit

    from . import selectors, tasks

    snapshot = selectors.analytics_snapshot(course)
    if snapshot is None:
        snapshot = refresh_course_analytics(course.pk)
    data = selectors.course_analytics(course, snapshot)
    if data.stale and cache.add(
        f"reports:analytics-refresh:{course.pk}", 1, timeout=settings.ANALYTICS_MAX_AGE_SECONDS
    ):
        enqueue_on_commit(tasks.refresh_course_analytics, course.pk)
    return data
