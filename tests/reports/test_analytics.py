"""Course analytics for trainers: the funnel through the modules, scores, and the questions
most often answered wrongly."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.groups import TRAINERS
from courses.models import Enrolment, ModuleProgress, QuestionResponse, QuizAttempt
from lms.reports import services
from lms.reports.models import CourseAnalyticsSnapshot
from lms.reports.selectors import compute_course_analytics, course_analytics
from tests.courses.factories import make_course
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(framework_tiers):
    return make_course(title="States and Cues", tier=framework_tiers["T1"], modules=3)


def attempt(enrolment, number, wrong: set[str], course):
    questions = [q.id for q in course.questions()]
    correct = len(questions) - len(wrong)
    score = correct * 100 // len(questions)
    attempt = QuizAttempt.objects.create(
        enrolment=enrolment,
        number=number,
        correct_count=correct,
        question_count=len(questions),
        score=score,
        pass_mark=80,
        passed=score >= 80,
    )
    for qid in questions:
        QuestionResponse.objects.create(attempt=attempt, question_id=qid, correct=qid not in wrong)
    return attempt


def test_funnel_scores_and_hardest_questions(course):
    modules = list(course.modules())
    _q1, q2, q3 = (q.id for q in course.questions())
    learners = [UserFactory() for _ in range(4)]
    # Learner 0 enrolled only; 1 finished module 1; 2 finished modules 1-2; 3 completed all.
    for i, learner in enumerate(learners):
        done = Enrolment.Status.COMPLETED if i == 3 else Enrolment.Status.ACTIVE
        enrolment = Enrolment.objects.create(user=learner, course=course, status=done)
        if i:
            Enrolment.objects.filter(pk=enrolment.pk).update(started_at=enrolment.created_at)
        for module in modules[: {0: 0, 1: 1, 2: 2, 3: 3}[i]]:
            ModuleProgress.objects.create(
                enrolment=enrolment, module=module, completed_at=enrolment.created_at
            )
        if i == 3:
            attempt(enrolment, 1, {q2, q3}, course)
            attempt(enrolment, 2, {q2}, course)
        if i == 2:
            attempt(enrolment, 1, {q2}, course)

    data = compute_course_analytics(course)
    stored = course_analytics(course, services.refresh_course_analytics(course.pk))
    # The snapshot the page reads holds exactly the live figures.
    assert replace(stored, as_at=data.as_at) == data
    assert [(step.count, str(step.share)) for step in data.funnel] == [
        (4, "100.0"),  # enrolled
        (3, "75.0"),  # started
        (3, "75.0"),  # module 1
        (2, "50.0"),  # module 2
        (1, "25.0"),  # module 3
        (1, "25.0"),  # completed
    ]
    assert data.attempts == 3
    assert data.average_score == 55  # (33 + 66 + 66) / 3
    assert data.pass_rate == 0
    assert [(q.question_id, q.wrong, q.answers) for q in data.questions][:2] == [
        (q2, 3, 3),
        (q3, 1, 3),
    ]
    assert data.questions[0].text == "Which of these is a subtle disengagement cue?"


def test_only_trainers_see_analytics(client, course, population):
    url = reverse("reports:course_analytics", args=[course.pk])
    client.force_login(population.trust_manager)
    assert client.get(url).status_code == 404
    trainer = UserFactory()
    trainer.groups.add(Group.objects.get_or_create(name=TRAINERS)[0])
    client.force_login(trainer)
    response = client.get(url)
    assert response.status_code == 200
    assert "Questions most often answered wrongly" in response.content.decode()
    overview = client.get(reverse("reports:analytics"))
    assert "States and Cues" in overview.content.decode()


@pytest.fixture
def trainer_client(client):
    trainer = UserFactory()
    trainer.groups.add(Group.objects.get_or_create(name=TRAINERS)[0])
    client.force_login(trainer)
    cache.clear()
    return client


def enrol(course, n):
    for _ in range(n):
        Enrolment.objects.create(user=UserFactory(), course=course)


def test_the_page_reads_the_snapshot_not_the_live_tables(trainer_client, course):
    enrol(course, 3)
    url = reverse("reports:course_analytics", args=[course.pk])
    first = trainer_client.get(url)  # the first look works the figures out
    assert "Of the 3 current enrolments" in first.content.decode()
    assert CourseAnalyticsSnapshot.objects.filter(course=course).exists()
    enrol(course, 2)
    with CaptureQueriesContext(connection) as queries:
        response = trainer_client.get(url)
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    for table in ("courses_enrolment", "courses_quizattempt", "courses_questionresponse"):
        assert table not in sql, f"the page scanned {table}"
    page = response.content.decode()
    assert "Of the 3 current enrolments" in page  # fresh enough: the stored figures
    assert "Newer ones are being worked out" not in page


def test_stale_figures_are_shown_with_their_time_and_refreshed_once(
    trainer_client, course, django_capture_on_commit_callbacks
):
    enrol(course, 3)
    services.refresh_course_analytics(course.pk)
    enrol(course, 2)
    CourseAnalyticsSnapshot.objects.filter(course=course).update(
        computed_at=CourseAnalyticsSnapshot.objects.get(course=course).computed_at
        - timedelta(hours=1)
    )
    url = reverse("reports:course_analytics", args=[course.pk])
    with django_capture_on_commit_callbacks(execute=True) as asked:
        stale = trainer_client.get(url).content.decode()
        trainer_client.get(url)  # a second look while the first refresh is on its way
    assert len(asked) == 1
    assert "Of the 3 current enrolments" in stale
    assert "Newer ones are being worked out" in stale
    # The refresh asked for (run at once on the embedded default; by a worker otherwise).
    snapshot = CourseAnalyticsSnapshot.objects.get(course=course)
    assert snapshot.figures["enrolled"] == 5
    fresh = trainer_client.get(url).content.decode()
    assert "Of the 5 current enrolments" in fresh
    assert "Newer ones are being worked out" not in fresh


def test_a_refresh_for_a_deleted_course_does_nothing(course):
    course_id = course.pk
    course.delete()
    assert services.refresh_course_analytics(course_id) is None
    assert not CourseAnalyticsSnapshot.objects.exists()
