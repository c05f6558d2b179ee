"""SCORM packages played in Chromium with the vendored runtime, against the real commit endpoint:
a learner starts a package, leaves part-way, comes back to the same place, loses the connection
without losing progress, completes it, and the course completion and certificate follow. The
module page passes axe (WCAG 2.2 AA) and the Content Security Policy with the player in it."""

import time

import pytest
from django.db import OperationalError

from certificates.models import Certificate
from courses.models import Completion, ScoRecord
from courses.services import enrol
from tests.browser import assert_accessible, new_page, shared_database
from tests.factories import TierFactory, UserFactory
from tests.scorm.factories import scorm_course, stored

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def read(query):
    """A read from the test while the player may be saving: on the embedded pass the live
    server and the test share one in-memory SQLite database, so the read waits for any request
    in progress (``shared_database``), and a table lock still held ("database table is locked",
    answered at once instead of waiting) makes it try again for a while."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with shared_database():
                return query()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def wait_for(condition, what: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read(condition)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def record(**filters):
    return read(lambda: ScoRecord.objects.filter(**filters).first())


def test_scorm12_play_leave_resume_fail_pass_and_certificate(browser, live_server):
    package = stored("1.2", title="States and cues")
    course, module = scorm_course(package, tier=TierFactory(code="T1"), title="Reading Babies")
    learner = UserFactory(display_name="Priya Patel")
    enrol(user=learner, course=course)
    page = new_page(browser, live_server, learner)

    page.goto(module.url)
    lesson = page.frame_locator("#scorm-frame")
    lesson.get_by_text("Page 1 of 3").wait_for()
    lesson.get_by_role("button", name="Next page").click()
    lesson.get_by_text("Page 2 of 3").wait_for()
    wait_for(lambda: record(sco="item-cues", location="2"), "page 2 to be saved")
    assert_accessible(page, "the module page with the SCORM 1.2 player")

    # Leave part-way: the package suspends as its page unloads, and that is saved too.
    page.goto("/learn/")
    saved = wait_for(lambda: record(sco="item-cues", exit="suspend"), "the suspend on leaving")
    assert saved.location == "2" and saved.suspend_data == "1,2"
    assert saved.completion_status == "incomplete" and saved.session_seconds >= 0

    # Come back: the package is told to resume and opens on page 2.
    page.goto(module.url)
    lesson.get_by_text("Welcome back: you are on page 2.").wait_for()
    lesson.get_by_text("Page 2 of 3").wait_for()
    lesson.get_by_role("button", name="Next page").click()

    # A wrong answer fails the package: the module stays open.
    lesson.get_by_label("Smiling").check()
    lesson.get_by_role("button", name="Submit answer").click()
    lesson.get_by_text("Not quite").wait_for()
    failed = wait_for(lambda: record(sco="item-cues", success_status="failed"), "the fail")
    assert failed.score_raw == 0 and not read(Completion.objects.exists)

    # The right answer passes it: module, course and certificate follow.
    lesson.get_by_label("Yawning").check()
    lesson.get_by_role("button", name="Submit answer").click()
    page.locator("#scorm-status", has_text="You have completed this course.").wait_for()
    passed = record(sco="item-cues")
    assert passed.success_status == "passed" and passed.score_percent == 100
    assert passed.cmi["cmi.interactions.1.student_response"] == "yawning"
    assert passed.sessions == 2
    completion = read(lambda: Completion.objects.get(user=learner))
    certificate = wait_for(
        lambda: Certificate.objects.filter(completion=completion).first(), "the certificate"
    )
    page.goto("/certificates/")
    assert certificate.number in page.locator("main").inner_text()


def test_scorm2004_two_scos_survive_a_closed_tab_and_a_dropped_connection(browser, live_server):
    package = stored("2004", title="The first 1001 days")
    course, module = scorm_course(package, tier=TierFactory(code="T1"), title="First Days")
    learner = UserFactory(display_name="Sam Singh")
    enrol(user=learner, course=course)
    page = new_page(browser, live_server, learner)

    page.goto(module.url)
    lesson = page.frame_locator("#scorm-frame")
    lesson.get_by_text("Page 1 of 2").wait_for()
    lesson.get_by_role("button", name="Next page").click()
    wait_for(lambda: record(sco="item-intro", location="2"), "page 2 to be saved")
    assert_accessible(page, "the module page with the SCORM 2004 player")

    # Close the tab; a new one resumes the first part on page 2.
    page.close(run_before_unload=True)
    wait_for(lambda: record(sco="item-intro", exit="suspend"), "the closed tab's last save")
    page = new_page(browser, live_server, learner)
    page.goto(module.url)
    lesson = page.frame_locator("#scorm-frame")
    lesson.get_by_text("Page 2 of 2").wait_for()

    # The connection drops as the learner finishes the first part: the commit is kept in the
    # browser and retried until the server has it.
    page.route("**/scorm/commit/", lambda route: route.abort("internetdisconnected"))
    lesson.get_by_role("button", name="Finish").click()
    page.locator("#scorm-status", has_text="offline").wait_for()
    assert record(sco="item-intro").completion_status != "completed"
    page.unroute("**/scorm/commit/")
    wait_for(lambda: record(sco="item-intro", completion_status="completed"), "the retried commit")
    assert not read(Completion.objects.exists)  # the second part is still to do

    # The second part, chosen from the list of parts.
    page.goto(module.url)
    page.get_by_role("navigation", name="Parts of this e-learning").get_by_role(
        "link", name="Check"
    ).click()
    lesson = page.frame_locator("#scorm-frame")
    lesson.get_by_label("Yawning").check()
    lesson.get_by_role("button", name="Submit answer").click()
    page.locator("#scorm-status", has_text="You have completed this course.").wait_for()
    check = record(sco="item-check")
    assert (check.completion_status, check.success_status, check.score_scaled) == (
        "completed",
        "passed",
        1.0,
    )
    completion = read(lambda: Completion.objects.get(user=learner))
    wait_for(lambda: Certificate.objects.filter(completion=completion).exists(), "the certificate")
    page.goto(module.url)
    parts = page.get_by_role("navigation", name="Parts of this e-learning").inner_text()
    assert parts.count("(completed)") == 2
