"""Concurrent requests on PostgreSQL: two submits of one knowledge check, two attempts racing for
the last allowed one, two requests completing the same course, two enrolments at once. Each
thread has its own database connection and transaction, as two web workers would."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses import services, signals
from courses.models import Completion, Enrolment, QuizAttempt
from tests.conftest import require_postgres
from tests.courses.factories import answers_for, make_course, modules_of, reflection_ids

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()


def run_together(*calls):
    """Run the calls in threads released at the same moment; returns results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def setup(framework_tiers, user_factory):
    course = make_course(tier=framework_tiers["T1"], max_attempts=1, retry_cooldown_minutes=0)
    learner = user_factory()
    enrolment = services.enrol(user=learner, course=course)[0]
    return course, enrolment


def test_two_concurrent_submits_of_the_same_form_record_one_attempt(setup):
    course, enrolment = setup
    key = uuid.uuid4()

    def submit():
        return services.record_quiz_attempt(
            enrolment=enrolment, answers=answers_for(course, correct=False), idempotency_key=key
        )

    results = run_together(submit, submit)

    assert QuizAttempt.objects.count() == 1
    attempts = [r[0] for r in results]
    assert attempts[0].pk == attempts[1].pk
    assert sorted(r[1] for r in results) == [False, True]


def test_two_different_submits_race_for_the_last_attempt_and_one_wins(setup):
    course, enrolment = setup

    def submit():
        return services.record_quiz_attempt(
            enrolment=enrolment,
            answers=answers_for(course, correct=False),
            idempotency_key=uuid.uuid4(),
        )

    results = run_together(submit, submit)

    assert QuizAttempt.objects.count() == 1
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "used all 1 attempts" in str(errors[0])


def test_concurrent_completion_creates_one_completion_and_one_signal(setup):
    course, enrolment = setup
    for module in modules_of(course):
        services.complete_module(
            enrolment=enrolment, module=module, answers=dict.fromkeys(reflection_ids(module), "x")
        )
    QuizAttempt.objects.create(
        enrolment=enrolment, number=1, score=100, pass_mark=80, passed=True, question_count=3
    )
    received = []
    receiver = lambda sender, completion, **kw: received.append(completion.pk)  # noqa: E731
    signals.completion_recorded.connect(receiver)
    try:
        results = run_together(
            *[lambda: services.complete_course_if_ready(enrolment=enrolment)] * 3
        )
    finally:
        signals.completion_recorded.disconnect(receiver)

    assert Completion.objects.count() == 1
    assert {r.pk for r in results} == {Completion.objects.get().pk}
    assert received == [Completion.objects.get().pk]


def test_concurrent_enrolments_create_one(framework_tiers, user_factory):
    course = make_course(tier=framework_tiers["T1"])
    learner = user_factory()

    results = run_together(*[lambda: services.enrol(user=learner, course=course)] * 3)

    assert Enrolment.objects.filter(user=learner, course=course).count() == 1
    assert sum(created for _, created in results) == 1
