"""Course analytics for trainers: the funnel through the modules, scores, and the questions
most often answered wrongly."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from content.groups import TRAINERS
from courses.models import Enrolment, ModuleProgress, QuestionResponse, QuizAttempt
from lms.reports.selectors import course_analytics
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

    data = course_analytics(course)
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
