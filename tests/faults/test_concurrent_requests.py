"""Double submits and simultaneous requests at the endpoints (the whole request: middleware,
view, form, service), on PostgreSQL: each thread is a browser tab with its own database
connection and transaction, as two gunicorn workers would be. One record each, and every
request gets a normal answer (no 500).

The services' own concurrency tests are in tests/courses/test_concurrency.py and
tests/supervision/test_concurrency.py; these add the views in front of them.
"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from courses import services
from courses.models import Completion, Enrolment, QuizAttempt
from supervision.models import SupervisionSession
from supervision.services import AUDIT_SIGN_OFF
from tests.conftest import require_postgres
from tests.courses.factories import answers_for, make_course, modules_of, reflection_ids
from tests.factories import UserFactory
from tests.supervision.factories import make_agreement, make_session

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABS = 4


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()


def tabs(user, n=TABS) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def at_once(clients, path, data_for) -> list:
    """POST from every client at the same moment; returns the responses (or exceptions)."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def send(index, client):
        try:
            barrier.wait()
            responses[index] = client.post(path, data_for(index))
        except Exception as exc:  # asserted on below
            responses[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors
    return responses


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def quiz_ready(framework_tiers):
    """A learner with every module done and the knowledge check left (one attempt allowed)."""
    course = make_course(tier=framework_tiers["T1"], max_attempts=1, retry_cooldown_minutes=0)
    learner = UserFactory()
    enrolment, _ = services.enrol(user=learner, course=course)
    for module in modules_of(course):
        services.complete_module(
            enrolment=enrolment, module=module, answers=dict.fromkeys(reflection_ids(module), "x")
        )
    return course, learner, enrolment


def quiz_form(course, key, *, correct=True) -> dict:
    return {
        "idempotency_key": str(key),
        **{f"q-{q}": a for q, a in answers_for(course, correct=correct).items()},
    }


def test_the_same_knowledge_check_submitted_from_four_tabs_records_one_attempt(quiz_ready):
    course, learner, enrolment = quiz_ready
    key = uuid.uuid4()
    path = reverse("courses:knowledge_check", args=[course.pk])

    responses = at_once(tabs(learner), path, lambda i: quiz_form(course, key))

    attempt = QuizAttempt.objects.get(enrolment=enrolment)
    assert [r.status_code for r in responses] == [302] * TABS
    assert {r.url for r in responses} == {reverse("courses:attempt", args=[attempt.pk])}
    assert Completion.objects.filter(enrolment=enrolment).count() == 1
    assert Certificate.objects.filter(user=learner).count() == 1


def test_different_submits_racing_for_the_last_attempt_record_one(quiz_ready):
    course, learner, enrolment = quiz_ready
    path = reverse("courses:knowledge_check", args=[course.pk])

    responses = at_once(
        tabs(learner), path, lambda i: quiz_form(course, uuid.uuid4(), correct=False)
    )

    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 1
    assert sorted(r.status_code for r in responses) == [200] * (TABS - 1) + [302]
    for refused in (r for r in responses if r.status_code == 200):
        assert "used all 1 attempts" in refused.content.decode()


def test_completing_the_last_module_from_four_tabs_completes_the_course_once(framework_tiers):
    course = make_course(tier=framework_tiers["T1"], modules=2, questions=[])
    learner = UserFactory()
    enrolment, _ = services.enrol(user=learner, course=course)
    first, last = modules_of(course)
    services.complete_module(
        enrolment=enrolment, module=first, answers=dict.fromkeys(reflection_ids(first), "x")
    )
    path = reverse("courses:module_complete", args=[last.pk])

    responses = at_once(
        tabs(learner), path, lambda i: {f"reflection-{b}": f"tab {i}" for b in reflection_ids(last)}
    )

    assert all(r.status_code == 302 for r in responses)
    assert Completion.objects.filter(enrolment=enrolment).count() == 1
    assert Certificate.objects.filter(user=learner).count() == 1
    # The first tab completed the course; the others found it completed and said so.
    said = [" ".join(messages_of(r)) for r in responses]
    assert sum("you have completed" in s for s in said) == 1


def test_enrolling_from_four_tabs_at_once_creates_one_enrolment(framework_tiers):
    course = make_course(tier=framework_tiers["T1"])
    learner = UserFactory()
    path = reverse("courses:enrol", args=[course.pk])

    responses = at_once(tabs(learner), path, lambda i: {})

    assert all(r.status_code == 302 for r in responses)
    assert Enrolment.objects.filter(user=learner, course=course).count() == 1
    said = [" ".join(messages_of(r)) for r in responses]
    assert sum("You are enrolled" in s for s in said) == 1
    assert sum("already enrolled" in s for s in said) == TABS - 1


def test_signing_off_from_four_tabs_at_once_signs_off_once(framework_tiers):
    supervisor, supervisee = UserFactory(), UserFactory()
    session = make_session(make_agreement(supervisor, [supervisee]), signed_off=False)
    path = reverse("supervision:sign_off", args=[session.pk])

    responses = at_once(tabs(supervisor), path, lambda i: {})

    assert all(r.status_code == 302 for r in responses)
    session.refresh_from_db()
    assert session.status == SupervisionSession.Status.SIGNED_OFF
    assert session.version == 2  # one sign-off, not four
    assert (
        ModelLogEntry.objects.filter(action=AUDIT_SIGN_OFF, object_id=str(session.pk)).count() == 1
    )
    said = [" ".join(messages_of(r)) for r in responses]
    assert sum("Session signed off" in s for s in said) == 1
