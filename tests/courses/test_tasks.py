"""Tasks, receivers and the demo command: thin wrappers, tested through what they change."""

from datetime import date, datetime

import pytest
from django.core.management import call_command

from courses import services, tasks
from courses.models import Completion, Enrolment, TierStanding
from lms.workforce import services as workforce
from tests.courses.factories import finish_course, make_course

pytestmark = pytest.mark.django_db


def test_the_daily_task_opens_refresher_cycles(learner, team, t1_role, course, travel):
    workforce.membership_start(
        user=learner, unit=team, job_role=t1_role, start_date=date(2020, 1, 1)
    )
    travel(datetime(2021, 6, 1, 10))
    finish_course(Enrolment.objects.get(user=learner, course=course), course)
    travel(datetime(2024, 6, 1, 10))

    assert tasks.open_refresher_cycles.delay().get() == 1
    assert tasks.open_refresher_cycles.delay().get() == 0
    assert Enrolment.objects.filter(user=learner, course=course, is_current=True).get().cycle == 2


def test_the_refresh_task_recomputes_standings(learner, course, framework_tiers):
    finish_course(services.enrol(user=learner, course=course)[0], course)
    TierStanding.objects.all().delete()

    assert tasks.refresh_standings.delay([learner.pk]).get() == 1
    assert TierStanding.objects.filter(user=learner, tier=framework_tiers["T1"]).exists()


def test_demo_learning_leaves_one_core_course_and_is_safe_to_repeat(
    framework_tiers, user_factory, capsys
):
    person = user_factory(email="practitioner@example.org")
    courses = [make_course(tier=framework_tiers["T1"]) for _ in range(3)]

    call_command("demo_learning")
    call_command("demo_learning")

    assert Completion.objects.filter(user=person).count() == 2
    assert not Completion.objects.filter(user=person, course=courses[-1]).exists()
    assert "Completing it gives them T1 Informed" in capsys.readouterr().out
    finish_course(services.enrol(user=person, course=courses[-1])[0], courses[-1])
    assert TierStanding.objects.filter(user=person, tier=framework_tiers["T1"]).exists()
