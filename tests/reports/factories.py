"""Builders for report tests: learning facts set directly (tier standings, learner summaries,
completions), so that every status in a hand-built population is known exactly.

Creating these rows fires the same receivers the services do (``post_save``), so building a
population this way also exercises how the read models are kept current."""

from datetime import date, timedelta
from itertools import count

from django.utils import timezone

from courses.dates import start_of_day
from courses.models import Completion, Enrolment, LearnerSummary, TierStanding

_cycle = count(1)


def today() -> date:
    return timezone.localdate()


def days(n: int) -> date:
    return today() + timedelta(days=n)


def standing(user, tier, valid_until: date) -> TierStanding:
    return TierStanding.objects.create(user=user, tier=tier, valid_until=valid_until)


def summary(user, *, started: bool = True, next_due_on=None, last_completed_days=None):
    """A learner summary: ``started`` sets ``first_started_at``; ``last_completed_days`` (a
    number of days ago) sets ``last_completed_at``."""
    now = timezone.now()
    return LearnerSummary.objects.create(
        user=user,
        first_started_at=now - timedelta(days=100) if started else None,
        last_activity_at=now - timedelta(days=1) if started else None,
        next_due_on=next_due_on,
        last_completed_at=(
            now - timedelta(days=last_completed_days) if last_completed_days is not None else None
        ),
    )


def complete(user, course, *, valid_until: date, score: int = 90) -> Completion:
    """A completed enrolment and its completion, valid until ``valid_until``."""
    completed_at = start_of_day(valid_until - timedelta(days=300)) + timedelta(hours=10)
    enrolment = Enrolment.objects.create(
        user=user,
        course=course,
        status=Enrolment.Status.COMPLETED,
        is_current=False,
        cycle=next(_cycle),
        started_at=completed_at - timedelta(days=3),
        completed_at=completed_at,
    )
    return Completion.objects.create(
        user=user,
        course=course,
        enrolment=enrolment,
        course_title=course.title,
        tier_code=course.tier.code,
        score=score,
        completed_at=completed_at,
        expires_at=start_of_day(valid_until + timedelta(days=1)),
        valid_until=valid_until,
    )
