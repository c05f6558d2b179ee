"""SCORM run-time data: commits saved and validated, resumed, and completing the module, the
course and the certificate through the same path as every other module."""

import json

import pytest
from django.urls import reverse

from certificates.models import Certificate
from courses import scorm
from courses.models import Completion, Enrolment, ModuleProgress, ScoRecord
from courses.services import complete_module, enrol
from tests.scorm.factories import scorm_course, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def package12():
    return stored("1.2")


@pytest.fixture
def package2004():
    return stored("2004")


@pytest.fixture
def setup12(package12, framework_tiers, learner):
    course, module = scorm_course(package12, tier=framework_tiers["T1"])
    enrolment = enrol(user=learner, course=course)[0]
    return course, module, enrolment


def commit(client, module, body):
    return client.post(
        reverse("courses:scorm_commit", args=[module.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


MIDWAY_12 = {
    "cmi.core.lesson_location": "2",
    "cmi.core.lesson_status": "incomplete",
    "cmi.core.exit": "suspend",
    "cmi.suspend_data": "1,2",
    "cmi.core.session_time": "0000:03:10.00",
    "cmi.core.total_time": "0000:03:10.00",
    "cmi.core.student_id": "ignored: read-only",
    "cmi.core.score.raw": "",
}
PASSED_12 = {
    "cmi.core.lesson_location": "3",
    "cmi.core.lesson_status": "passed",
    "cmi.core.exit": "",
    "cmi.core.score.raw": "100",
    "cmi.core.score.min": "0",
    "cmi.core.score.max": "100",
    "cmi.interactions.0.id": "subtle-cue",
    "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.student_response": "yawning",
    "cmi.interactions.0.result": "correct",
    "cmi.core.total_time": "0000:05:00.00",
}


def test_a_commit_is_saved_and_the_launch_resumes_from_it(client, setup12, learner):
    _course, module, enrolment = setup12
    client.force_login(learner)
    response = commit(
        client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": MIDWAY_12}
    )
    assert response.status_code == 200
    assert response.json() == {
        "result": True, "errorCode": 0, "sequence": 1, "applied": True,
        "moduleComplete": False, "courseComplete": False,
    }  # fmt: skip
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert (record.location, record.suspend_data, record.exit) == ("2", "1,2", "suspend")
    assert record.completion_status == "incomplete" and record.total_seconds == 190
    assert "cmi.core.student_id" not in record.cmi

    state = scorm.launch_state(
        enrolment=enrolment, module=module, sco=module.scorm_package.sco("item-cues"), user=learner
    )
    assert state["sequence"] == 1
    assert state["data"]["cmi.core.entry"] == "resume"
    assert state["data"]["cmi.core.lesson_location"] == "2"
    assert state["data"]["cmi.suspend_data"] == "1,2"
    assert state["data"]["cmi.core.total_time"] == "0000:03:10.00"
    assert state["data"]["cmi.core.student_id"] == str(learner.pk)
    assert state["data"]["cmi.student_data.mastery_score"] == "80"


def test_the_module_page_plays_the_package_with_the_saved_state(client, setup12, learner):
    _course, module, _enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 4, "session": "a", "cmi": MIDWAY_12})
    page = client.get(module.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="scorm-frame"' in html and "scorm12.min.js" in html
    config = json.loads(
        html.split('id="scorm-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["sequence"] == 4
    assert config["launchUrl"] == f"/scorm/{module.scorm_package_id}/index.html"
    assert config["data"]["cmi.core.lesson_location"] == "2"
    assert config["commitUrl"] == reverse("courses:scorm_commit", args=[module.pk])


def test_a_repeated_or_older_commit_changes_nothing(client, setup12, learner):
    _course, module, enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 5, "session": "a", "cmi": MIDWAY_12})
    older = {**MIDWAY_12, "cmi.core.lesson_location": "1"}
    for sequence in (5, 3):
        response = commit(
            client, module, {"sco": "item-cues", "sequence": sequence, "session": "a", "cmi": older}
        )
        assert response.status_code == 200 and response.json()["applied"] is False
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert record.location == "2" and record.sequence == 5 and record.sessions == 1


@pytest.mark.parametrize(
    ("element", "value", "code"),
    [
        ("cmi.core.lesson_location", "x" * 256, 405),
        ("cmi.suspend_data", "x" * 4097, 405),
        ("cmi.core.lesson_status", "finished", 405),
        ("cmi.core.score.raw", "ninety", 405),
        ("cmi.core.score.raw", "101", 405),
        ("cmi.core.session_time", "3 minutes", 405),
        ("cmi.core.exit", "later", 405),
        ("cmi.interactions.0.result", "maybe", 405),
        ("cmi.core.lesson_location", {"nested": "object"}, 405),
        ("cmi.core.made_up", "1", 401),
    ],
)
def test_scorm12_values_outside_the_standard_are_refused_with_its_error_code(
    client, setup12, learner, element, value, code
):
    _course, module, enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": MIDWAY_12})
    response = commit(
        client,
        module,
        {"sco": "item-cues", "sequence": 2, "session": "a", "cmi": {**PASSED_12, element: value}},
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == code and response.json()["element"] == element
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert record.sequence == 1 and record.location == "2"  # nothing of the refused commit kept
    assert not ModuleProgress.objects.filter(
        enrolment=enrolment, completed_at__isnull=False
    ).exists()


@pytest.mark.parametrize(
    ("element", "value", "code"),
    [
        ("cmi.location", "x" * 1001, 406),
        ("cmi.suspend_data", "x" * 64001, 406),
        ("cmi.completion_status", "done", 406),
        ("cmi.score.scaled", "1.5", 407),
        ("cmi.score.scaled", "high", 406),
        ("cmi.progress_measure", "-0.1", 407),
        ("cmi.session_time", "00:03:00", 406),
        ("cmi.interactions.0.type", "essay", 406),
        ("cmi.core.lesson_location", "1", 401),
    ],
)
def test_scorm2004_values_outside_the_standard_are_refused_with_its_error_code(
    client, package2004, framework_tiers, learner, element, value, code
):
    course, module = scorm_course(package2004, tier=framework_tiers["T1"])
    enrol(user=learner, course=course)
    client.force_login(learner)
    response = commit(
        client,
        module,
        {"sco": "item-check", "sequence": 1, "session": "a", "cmi": {element: value}},
    )
    assert response.status_code == 400 and response.json()["errorCode"] == code
    assert not ScoRecord.objects.filter(sequence__gt=0).exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"sco": "nope", "sequence": 1, "cmi": {}}).encode(),
     json.dumps({"sco": "item-cues", "sequence": "one", "cmi": {}}).encode(),
     json.dumps({"sco": "item-cues", "sequence": 1, "cmi": ["list"]}).encode()],
)  # fmt: skip
def test_a_malformed_commit_gets_a_scorm_error_never_a_500(client, setup12, learner, body):
    _course, module, _enrolment = setup12
    client.force_login(learner)
    response = client.post(
        reverse("courses:scorm_commit", args=[module.pk]),
        data=body,
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errorCode"] in (101, 401)


def test_someone_not_enrolled_gets_404(client, setup12, user_factory):
    _course, module, _enrolment = setup12
    client.force_login(user_factory())
    response = commit(
        client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": MIDWAY_12}
    )
    assert response.status_code == 404
    assert not ScoRecord.objects.exists()


def test_passing_completes_the_module_the_course_and_issues_the_certificate(
    client, setup12, learner, django_capture_on_commit_callbacks
):
    _course, module, enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": MIDWAY_12})
    with django_capture_on_commit_callbacks(execute=True):
        response = commit(
            client, module, {"sco": "item-cues", "sequence": 2, "session": "b", "cmi": PASSED_12}
        )
    assert response.json()["moduleComplete"] is True and response.json()["courseComplete"] is True
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert record.success_status == "passed" and record.score_percent == 100.0
    assert record.sessions == 2 and record.cmi["cmi.interactions.0.student_response"] == "yawning"
    completion = Completion.objects.get(enrolment=enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.COMPLETED
    assert Certificate.objects.filter(completion=completion).exists()


def test_failing_does_not_complete_the_module_and_the_button_refuses_too(client, setup12, learner):
    _course, module, enrolment = setup12
    client.force_login(learner)
    failed = {**PASSED_12, "cmi.core.lesson_status": "failed", "cmi.core.score.raw": "0"}
    response = commit(
        client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": failed}
    )
    assert response.json()["moduleComplete"] is False
    assert not Completion.objects.exists()
    with pytest.raises(Exception, match="Finish the e-learning"):
        complete_module(enrolment=enrolment, module=module)
    response = client.post(reverse("courses:module_complete", args=[module.pk]))
    assert response.status_code == 302
    assert not ModuleProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_multi_sco_package_completes_when_every_sco_is_done(
    client, package2004, framework_tiers, learner
):
    course, module = scorm_course(package2004, tier=framework_tiers["T1"])
    enrolment = enrol(user=learner, course=course)[0]
    client.force_login(learner)
    intro_done = {"cmi.completion_status": "completed", "cmi.exit": "normal", "cmi.location": "2"}
    response = commit(
        client, module, {"sco": "item-intro", "sequence": 1, "session": "a", "cmi": intro_done}
    )
    assert response.json()["moduleComplete"] is False
    check_passed = {
        "cmi.completion_status": "completed", "cmi.success_status": "passed",
        "cmi.score.scaled": "0.9", "cmi.score.raw": "90", "cmi.session_time": "PT2M30S",
        "cmi.total_time": "PT2M30S", "cmi.interactions.0.id": "subtle-cue",
        "cmi.interactions.0.type": "choice", "cmi.interactions.0.learner_response": "yawning",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.0.timestamp": "2026-01-05T10:00:00",
        "adl.nav.request": "_none_",
    }  # fmt: skip
    response = commit(
        client, module, {"sco": "item-check", "sequence": 1, "session": "a", "cmi": check_passed}
    )
    assert response.json()["moduleComplete"] is True
    records = {r.sco: r for r in ScoRecord.objects.filter(enrolment=enrolment)}
    assert set(records) == {"item-intro", "item-check"}
    assert (
        records["item-check"].score_percent == 90.0 and records["item-check"].total_seconds == 150
    )
    assert Completion.objects.filter(enrolment=enrolment).exists()


def test_a_module_with_reflections_waits_for_them(client, package12, framework_tiers, learner):
    course, module = scorm_course(package12, tier=framework_tiers["T1"], reflections={0: 1})
    enrolment = enrol(user=learner, course=course)[0]
    client.force_login(learner)
    response = commit(
        client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": PASSED_12}
    )
    assert response.json()["moduleComplete"] is False
    answers = dict.fromkeys([b.id for b in module.reflection_blocks()], "I will watch for cues.")
    outcome = complete_module(enrolment=enrolment, module=module, answers=answers)
    assert outcome.completion is not None


def test_trainers_see_results_per_package(
    client, setup12, learner, user_factory, django_assert_max_num_queries
):
    from django.contrib.auth.models import Group

    from lms.workforce.selectors import forget_account_flags

    course, module, _enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": PASSED_12})
    other = user_factory()
    enrol(user=other, course=course)
    client.force_login(other)
    failed = {**PASSED_12, "cmi.core.lesson_status": "failed", "cmi.core.score.raw": "40"}
    commit(client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": failed})

    with django_assert_max_num_queries(5):
        results = scorm.package_results()
    [result] = results
    [sco] = result.scos
    assert (result.learners, result.completed_modules) == (2, 1)
    assert (sco.learners, sco.launches, sco.completed, sco.passed, sco.failed) == (2, 2, 1, 1, 1)
    assert sco.mean_score == 70.0

    trainer = user_factory()
    trainer.groups.add(Group.objects.get(name="Trainers"))
    forget_account_flags()
    client.force_login(trainer)
    page = client.get(reverse("courses:scorm_results"))
    assert page.status_code == 200
    assert "Package 1.2" in page.content.decode() and "70.0%" in page.content.decode()
    client.force_login(learner)
    assert client.get(reverse("courses:scorm_results")).status_code == 404


def test_a_new_version_of_the_package_starts_afresh(client, setup12, learner):
    _course, module, enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 7, "session": "a", "cmi": MIDWAY_12})
    module.scorm_package = stored("1.2", title="Version 2")
    module.save_revision().publish()
    module.refresh_from_db()
    sco = module.scorm_package.sco("item-cues")
    state = scorm.launch_state(enrolment=enrolment, module=module, sco=sco, user=learner)
    assert state["sequence"] == 0 and "cmi.core.lesson_location" not in state["data"]
    response = commit(
        client, module, {"sco": "item-cues", "sequence": 1, "session": "b", "cmi": PASSED_12}
    )
    assert response.json()["applied"] is True and response.json()["moduleComplete"] is True
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert record.package == module.scorm_package and record.sequence == 1


def test_my_data_export_holds_the_records_and_erasure_removes_what_packages_recorded(
    client, setup12, learner
):
    from courses import privacy

    _course, module, enrolment = setup12
    client.force_login(learner)
    commit(client, module, {"sco": "item-cues", "sequence": 1, "session": "a", "cmi": PASSED_12})
    [row] = privacy.export(learner)["elearning_records"]
    assert row["success_status"] == "passed" and row["score_percent"] == 100.0
    assert row["data_recorded_by_the_package"]["cmi.interactions.0.student_response"] == "yawning"
    assert privacy.erase(learner)["elearning_data_removed"] == 1
    record = ScoRecord.objects.get(enrolment=enrolment)
    assert record.cmi == {} and record.location == "" and record.success_status == "passed"
