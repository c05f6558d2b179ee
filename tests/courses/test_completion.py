"""Completion: when it happens, what it records, that it never changes, the signal certificates
listen to, and expiry opening a new cycle."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import services, signals
from courses.dates import add_months, validity_for
from courses.models import Completion, Enrolment, LearnerSummary
from lms.workforce import services as workforce
from tests.courses.factories import answers_for, finish_course, make_course, modules_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(course, learner):
    return services.enrol(user=learner, course=course)[0]


def test_completion_needs_every_module_and_a_passed_knowledge_check(enrolment, course):
    first, second = modules_of(course)
    services.complete_module(
        enrolment=enrolment, module=first, answers={first.reflection_blocks()[0].id: "Done."}
    )
    services.record_quiz_attempt(
        enrolment=enrolment, answers=answers_for(course), idempotency_key=uuid.uuid4()
    )
    assert not Completion.objects.exists()  # one module still to do

    services.complete_module(enrolment=enrolment, module=second)

    completion = Completion.objects.get()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED and not enrolment.is_active
    assert completion.enrolment == enrolment and completion.user == enrolment.user
    assert completion.score == 100
    assert completion.course_title == course.title and completion.tier_code == "T1"


def test_a_failed_knowledge_check_does_not_complete_the_course(enrolment, course):
    finish_course(enrolment, course, answers=answers_for(course, correct=False))
    assert not Completion.objects.exists()
    assert enrolment.status == Enrolment.Status.ACTIVE


def test_completion_records_the_live_revision_and_the_validity(framework_tiers, learner, travel):
    course = make_course(tier=framework_tiers["T1"], validity_months=24)
    moment = travel(datetime(2026, 1, 31, 15, 30))
    enrolment = finish_course(services.enrol(user=learner, course=course)[0], course)

    completion = enrolment.completion
    assert completion.course_revision_id == course.live_revision_id
    assert completion.completed_at == moment
    assert completion.valid_until == date(2028, 1, 30)
    assert timezone.localtime(completion.expires_at) == timezone.make_aware(datetime(2028, 1, 31))
    assert LearnerSummary.objects.get(user=learner).last_completed_at == moment


def test_validity_falls_back_to_the_tier_refresher_period(framework_tiers, learner):
    tier = framework_tiers["T2"]
    tier.refresher_months = 12
    tier.save()
    course = make_course(tier=tier, validity_months=None)
    enrolment = finish_course(services.enrol(user=learner, course=course)[0], course)
    today = timezone.localdate()
    assert enrolment.completion.valid_until == add_months(today, 12) - timedelta(days=1)


def test_validity_clamps_to_the_end_of_short_months():
    valid_until, expires_at = validity_for(timezone.make_aware(datetime(2024, 2, 29, 9)), 12)
    assert valid_until == date(2025, 2, 27)
    assert timezone.localdate(expires_at) == date(2025, 2, 28)


def test_a_course_without_questions_completes_when_the_modules_are_done(framework_tiers, learner):
    course = make_course(tier=framework_tiers["T1"], questions=[], reflections={})
    enrolment = finish_course(services.enrol(user=learner, course=course)[0], course)
    assert enrolment.completion.score is None


def test_completions_are_immutable(enrolment, course):
    completion = finish_course(enrolment, course).completion
    completion.score = 10
    with pytest.raises(ValidationError, match="cannot be changed"):
        completion.save()
    assert Completion.objects.get().score == 100


def test_completing_twice_creates_one_completion(enrolment, course):
    finish_course(enrolment, course)
    again = services.complete_course_if_ready(enrolment=enrolment)
    assert again == Completion.objects.get()


def test_the_completion_signal_fires_once_inside_the_transaction(
    enrolment, course, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, completion, **kwargs):
        from django.db import connection

        received.append((completion.pk, connection.in_atomic_block))

    signals.completion_recorded.connect(receiver)
    try:
        finish_course(enrolment, course)
        services.complete_course_if_ready(enrolment=enrolment)
    finally:
        signals.completion_recorded.disconnect(receiver)

    assert received == [(Completion.objects.get().pk, True)]


# --- Expiry and refresher cycles ------------------------------------------------------------


@pytest.fixture
def practitioner(learner, team, t1_role, course):
    workforce.membership_start(
        user=learner, unit=team, job_role=t1_role, start_date=date(2020, 1, 1)
    )
    return learner


def test_a_lapsing_required_course_gets_a_new_cycle_once_and_keeps_the_old_completion(
    practitioner, course, travel
):
    travel(datetime(2023, 3, 1, 10))
    old = finish_course(Enrolment.objects.get(user=practitioner, course=course), course)
    completion = old.completion
    assert completion.valid_until == date(2026, 2, 28)  # T1: 36 months

    travel(datetime(2025, 11, 1, 10))  # 119 days before it lapses: not yet
    assert services.open_refresher_cycles() == 0

    travel(datetime(2025, 12, 15, 10))  # within the 90-day lead time
    assert services.open_refresher_cycles() == 1
    assert services.open_refresher_cycles() == 0  # idempotent

    old.refresh_from_db()
    new = Enrolment.objects.get(user=practitioner, course=course, is_current=True)
    assert not old.is_current and old.status == Enrolment.Status.COMPLETED
    assert (new.cycle, new.source, new.due_on) == (
        2,
        Enrolment.Source.REFRESHER,
        completion.valid_until,
    )
    assert Completion.objects.filter(user=practitioner).count() == 1
    assert LearnerSummary.objects.get(user=practitioner).next_due_on == completion.valid_until


def test_an_expired_course_that_is_no_longer_required_gets_no_new_cycle(learner, course, travel):
    travel(datetime(2020, 1, 1, 10))
    finish_course(services.enrol(user=learner, course=course)[0], course)
    travel(datetime(2024, 1, 1, 10))
    assert services.open_refresher_cycles() == 0


def test_enrolling_on_an_expired_course_starts_a_new_cycle(learner, course, travel):
    travel(datetime(2020, 1, 1, 10))
    first = finish_course(services.enrol(user=learner, course=course)[0], course)
    travel(datetime(2024, 1, 1, 10))

    second, created = services.enrol(user=learner, course=course)

    assert created and second.cycle == 2 and second.pk != first.pk
    assert finish_course(second, course).completion.valid_until == date(2026, 12, 31)
    assert Completion.objects.filter(user=learner, course=course).count() == 2


def test_enrolling_again_on_a_current_course_returns_the_completed_enrolment(
    enrolment, course, learner
):
    finish_course(enrolment, course)
    again, created = services.enrol(user=learner, course=course)
    assert not created and again.pk == enrolment.pk


def test_a_completed_enrolment_cannot_be_deleted_on_its_own_but_a_person_can_be_erased(
    enrolment, course, learner
):
    from django.db.models import RestrictedError

    finish_course(enrolment, course)
    with pytest.raises(RestrictedError):
        Enrolment.objects.filter(pk=enrolment.pk).delete()

    learner.delete()
    assert not Completion.objects.exists() and not Enrolment.objects.exists()
