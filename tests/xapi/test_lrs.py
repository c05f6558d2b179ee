"""xAPI statements reach a real learning record store (Ralph, on loopback): the right verbs,
ids, actor, activities and results; once per event whatever is sent again; and nothing lost
while the store is down."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Completion
from courses.xapi import services as xapi
from courses.xapi import statements, tasks
from courses.xapi.models import Actor, Statement
from tests.courses.factories import answers_for, finish_course, make_course, modules_of

pytestmark = pytest.mark.django_db

ADL = "http://adlnet.gov/expapi/verbs/"


def lrs_site():
    return statements.base_url()


@pytest.fixture
def course(framework_tiers):
    return make_course(
        title="Attachment Essentials", tier=framework_tiers["T1"], retry_cooldown_minutes=0
    )


@pytest.fixture
def learner(user_factory):
    return user_factory(display_name="Lee Learner")


def complete_with_one_failed_attempt(enrolment, course):
    """Both modules, a failed knowledge check, then a passed one: 7 events."""
    finish_course(enrolment, course, answers=answers_for(course, correct=False))
    services.record_quiz_attempt(
        enrolment=enrolment, answers=answers_for(course), idempotency_key=uuid.uuid4()
    )
    assert Completion.objects.filter(enrolment=enrolment).exists()


def verbs(found):
    return sorted(s["verb"]["id"].removeprefix(ADL) for s in found)


def test_a_completed_course_is_in_the_lrs_as_statements(lrs, course, learner):
    enrolment = services.enrol(user=learner, course=course)[0]
    complete_with_one_failed_attempt(enrolment, course)

    from certificates.services import issue_certificate

    issue_certificate(completion_id=enrolment.completion.pk)

    assert tasks.send_statements() == 8

    found = lrs.statements(registration=statements.registration(enrolment.pk))
    assert verbs(found) == [
        "completed", "completed", "completed", "failed", "http://id.tincanapi.com/verb/earned",
        "launched", "launched", "passed",
    ]  # fmt: skip
    assert {s["id"] for s in found} == {
        str(i) for i in Statement.objects.values_list("statement_id", flat=True)
    }
    assert set(Statement.objects.values_list("status", flat=True)) == {"sent"}

    # The learner is an opaque account on the site, never their email or name.
    name = str(Actor.objects.get(user=learner).name)
    assert {json.dumps(s["actor"], sort_keys=True) for s in found} == {
        json.dumps(
            {"objectType": "Agent", "account": {"homePage": lrs_site(), "name": name}},
            sort_keys=True,
        )
    }
    assert learner.email not in json.dumps(found)

    course_iri = f"{lrs_site()}/xapi/activities/course/{course.pk}"
    by_verb = {}
    for s in found:
        by_verb.setdefault(s["verb"]["id"].removeprefix(ADL), []).append(s)
    (course_done,) = [s for s in by_verb["completed"] if s["object"]["id"] == course_iri]
    assert course_done["result"]["success"] is True
    assert course_done["result"]["score"]["scaled"] == 1.0
    assert course_done["object"]["definition"]["name"]["en-GB"] == "Attachment Essentials"
    (failed,) = by_verb["failed"]
    assert failed["result"]["success"] is False and failed["result"]["score"]["raw"] == 0
    assert failed["object"]["id"] == f"{lrs_site()}/xapi/activities/assessment/{course.pk}"
    module_iris = {f"{lrs_site()}/xapi/activities/module/{m.pk}" for m in modules_of(course)}
    (earned,) = by_verb["http://id.tincanapi.com/verb/earned"]
    assert earned["object"]["id"] == f"{lrs_site()}/xapi/activities/certificate/{course.pk}"
    for s in by_verb["launched"] + by_verb["failed"] + by_verb["passed"] + [earned]:
        assert s["context"]["contextActivities"]["parent"][0]["id"] == course_iri
    assert {s["object"]["id"] for s in by_verb["launched"]} == module_iris


def test_events_and_sends_repeated_make_one_statement_each(lrs, course, learner):
    enrolment = services.enrol(user=learner, course=course)[0]
    key = uuid.uuid4()
    finish_course(enrolment, course, key=key)
    # The same submit again, and a module completed again: no new event.
    services.record_quiz_attempt(
        enrolment=enrolment, answers=answers_for(course), idempotency_key=key
    )
    services.complete_course_if_ready(enrolment=enrolment)
    assert Statement.objects.count() == 6

    assert tasks.send_statements() == 6
    assert tasks.send_statements() == 0
    # The acknowledgement was lost (a worker died after the LRS took the batch): sent again.
    Statement.objects.update(status=Statement.Status.PENDING, next_attempt_at=timezone.now())
    assert tasks.send_statements() == 6

    found = lrs.statements(registration=statements.registration(enrolment.pk))
    assert len(found) == 6 and len({s["id"] for s in found}) == 6


def test_with_the_lrs_down_nothing_is_lost_or_sent_twice(lrs, course, learner, admin_client):
    enrolment = services.enrol(user=learner, course=course)[0]
    lrs.stop()
    try:
        complete_with_one_failed_attempt(enrolment, course)
        outcome = xapi.send_pending()
        assert outcome.sent == 0 and outcome.failed == 7
        assert Statement.objects.filter(status="pending", attempts=1).count() == 7
        page = admin_client.get(reverse("xapi_outbox"))
        assert b'data-count="pending">7<' in page.content
        assert b"could not be reached" in page.content
        # Still down an hour later: still pending, waiting longer.
        later = timezone.now() + timedelta(hours=1)
        assert xapi.send_pending(now=later).failed == 7
        assert Statement.objects.filter(status="pending", attempts=2).count() == 7
    finally:
        lrs.start()

    # Back up: nothing is sent before the backoff is over, then everything, once.
    assert xapi.send_pending().sent == 0
    assert xapi.send_pending(now=timezone.now() + timedelta(hours=2)).sent == 7
    found = lrs.statements(registration=statements.registration(enrolment.pk))
    assert len(found) == 7 and len({s["id"] for s in found}) == 7
    assert b'data-count="sent">7<' in admin_client.get(reverse("xapi_outbox")).content


def test_nothing_is_recorded_without_an_lrs(settings, course, learner):
    settings.XAPI_LRS_ENDPOINT = ""
    enrolment = services.enrol(user=learner, course=course)[0]
    finish_course(enrolment, course)
    assert not Statement.objects.exists()


def test_only_superusers_see_the_outbox(client, user_factory, framework_tiers):
    from django.contrib.auth.models import Permission

    staff = user_factory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    response = client.get(reverse("xapi_outbox"))
    assert response.status_code == 404


def test_a_scorm_package_completed_in_the_browser_reaches_the_lrs(
    lrs, client, framework_tiers, learner
):
    from tests.courses.test_scorm_runtime import PASSED_12
    from tests.scorm.factories import scorm_course, stored

    course, module = scorm_course(stored("1.2"), tier=framework_tiers["T1"])
    enrolment = services.enrol(user=learner, course=course)[0]
    client.force_login(learner)
    response = client.post(
        reverse("courses:scorm_commit", args=[module.pk]),
        data=json.dumps({"sco": "item-cues", "sequence": 1, "session": "a", "cmi": PASSED_12}),
        content_type="application/json",
    )
    assert response.json()["courseComplete"] is True

    assert tasks.send_statements() == 3
    found = lrs.statements(registration=statements.registration(enrolment.pk))
    by_object = {s["object"]["id"]: s for s in found}
    sco = by_object[f"{lrs_site()}/xapi/activities/sco/{module.pk}/item-cues"]
    assert sco["verb"]["id"] == ADL + "completed"
    assert sco["result"]["success"] is True and sco["result"]["score"]["scaled"] == 1.0
    assert sco["object"]["definition"]["type"] == statements.ACTIVITY_TYPES["sco"]
    assert by_object[f"{lrs_site()}/xapi/activities/module/{module.pk}"]["verb"]["id"] == (
        ADL + "completed"
    )
    assert by_object[f"{lrs_site()}/xapi/activities/course/{course.pk}"]["verb"]["id"] == (
        ADL + "completed"
    )


def test_a_statement_the_lrs_holds_already_does_not_hold_back_the_batch(lrs, course, learner):
    import requests

    from tests.xapi.conftest import KEY, SECRET

    enrolment = services.enrol(user=learner, course=course)[0]
    finish_course(enrolment, course)
    taken = Statement.objects.order_by("id").first()
    # The LRS already holds a (different) statement under one of the ids: it refuses the whole
    # batch with 409, and the outbox then sends each statement on its own.
    other = {**taken.payload, "timestamp": "2020-01-01T00:00:00+00:00"}
    response = requests.post(
        f"{lrs.endpoint}/statements",
        json=[other],
        auth=(KEY, SECRET),
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=10,
    )
    assert response.status_code == 200

    assert tasks.send_statements() == 6
    assert set(Statement.objects.values_list("status", flat=True)) == {"sent"}
    found = lrs.statements(registration=statements.registration(enrolment.pk))
    assert len(found) == 6 and len({s["id"] for s in found}) == 6


def test_erasure_unlinks_the_person_from_their_lrs_account(lrs, course, learner, admin_user):
    from lms.privacy import erase_person, export_personal_data

    enrolment = services.enrol(user=learner, course=course)[0]
    finish_course(enrolment, course)
    tasks.send_statements()
    name = str(Actor.objects.get(user=learner).name)
    data = export_personal_data(user=learner)["learning_record_store"]
    assert data["account"]["name"] == name and len(data["statements"]) == 6

    erase_person(person=learner, by=admin_user, reason="Erasure request")

    assert not Actor.objects.filter(user=learner).exists()
    assert not Statement.objects.filter(user=learner).exists()
    assert export_personal_data(user=learner)["learning_record_store"]["account"] is None


def test_a_signed_off_supervision_session_is_attended_with_its_length_only(lrs, user_factory):
    """Each supervisee attended a session of its length; nothing of what was discussed, nor the
    supervisor, nor the other attendees, leaves the product; signing off again sends nothing."""
    from supervision import services as supervision
    from tests.supervision.factories import make_agreement, make_session

    supervisor = user_factory(display_name="Sam Supervisor")
    first, second = user_factory(display_name="Ada One"), user_factory(display_name="Bo Two")
    agreement = make_agreement(supervisor, [first, second])
    session = make_session(
        agreement, minutes=90, signed_off=False, discussion="Baby K: worries about feeding."
    )
    supervision.session_sign_off(session=session, user=supervisor)
    supervision.session_sign_off(session=session, user=supervisor)

    assert tasks.send_statements() == 2
    found = [s for s in lrs.statements() if s["verb"]["id"] == ADL + "attended"]
    assert len(found) == 2
    names = {str(Actor.objects.get(user=p).name) for p in (first, second)}
    assert {s["actor"]["account"]["name"] for s in found} == names
    for statement in found:
        assert statement["object"]["id"] == f"{lrs_site()}/xapi/activities/supervision/{session.pk}"
        assert statement["result"] == {"completion": True, "duration": "PT1H30M"}
        text = json.dumps(statement)
        for private in ("Baby K", "feeding", "Sam", "Ada", "Bo Two", supervisor.email):
            assert private not in text
