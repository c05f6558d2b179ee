"""Knowledge checks: marking, server-side validation of answers, idempotency, the attempt cap
and the cool-down."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import selectors, services
from courses.models import QuestionResponse, QuizAttempt
from tests.courses.factories import answers_for, make_course, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(course, learner):
    return services.enrol(user=learner, course=course)[0]


def submit(enrolment, answers, key=None):
    return services.record_quiz_attempt(
        enrolment=enrolment, answers=answers, idempotency_key=key or uuid.uuid4()
    )


def test_all_correct_answers_pass_and_record_the_course_revision(enrolment, course):
    attempt, created = submit(enrolment, answers_for(course))

    assert created and attempt.passed
    assert (attempt.score, attempt.correct_count, attempt.question_count) == (100, 3, 3)
    assert attempt.pass_mark == 80 and attempt.number == 1
    assert attempt.course_revision_id == course.live_revision_id is not None
    assert QuestionResponse.objects.filter(attempt=attempt, correct=True).count() == 3


def test_score_is_the_share_of_questions_fully_correct(enrolment, course):
    answers = answers_for(course)
    _q1, _q2, q3 = (block.id for block in course.questions())
    answers[q3] = answers[q3][:1]  # one of the two correct options: not fully correct

    attempt, _ = submit(enrolment, answers)

    assert (attempt.correct_count, attempt.score, attempt.passed) == (2, 66, False)
    wrong = QuestionResponse.objects.get(attempt=attempt, correct=False)
    assert wrong.question_id == q3 and wrong.selected == answers[q3]


def test_the_pass_mark_is_inclusive(framework_tiers, learner):
    course = make_course(
        tier=framework_tiers["T1"],
        pass_mark=50,
        questions=[
            question("pm-q1", "One?", [("Yes", True), ("No", False)]),
            question("pm-q2", "Two?", [("Yes", True), ("No", False)]),
        ],
    )
    enrolment = services.enrol(user=learner, course=course)[0]
    attempt, _ = submit(enrolment, {"pm-q1": ["pm-q1-a"], "pm-q2": ["pm-q2-b"]})
    assert attempt.score == 50 and attempt.passed


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda a, ids: a.pop(ids[0]), "Answer this question"),
        (lambda a, ids: a.__setitem__(ids[0], []), "Answer this question"),
        (lambda a, ids: a.__setitem__(ids[0], [f"{ids[1]}-a"]), "Choose from the answers given"),
        (lambda a, ids: a.__setitem__(ids[0], ["nonsense"]), "Choose from the answers given"),
        (lambda a, ids: a.__setitem__(ids[0], [f"{ids[0]}-a", f"{ids[0]}-b"]), "Choose one"),
        (lambda a, ids: a.__setitem__("not-a-question", ["x"]), "has changed since you opened"),
    ],
    ids=[
        "missing",
        "empty",
        "option-of-another-question",
        "unknown-option",
        "two-options-on-single-choice",
        "unknown-question",
    ],
)
def test_tampered_or_missing_answers_are_refused_and_record_nothing(
    enrolment, course, tamper, message
):
    answers = answers_for(course)
    tamper(answers, [block.id for block in course.questions()])

    with pytest.raises(ValidationError, match=message):
        submit(enrolment, answers)
    assert not QuizAttempt.objects.exists()


def test_a_malformed_idempotency_key_is_refused(enrolment, course):
    with pytest.raises(ValidationError, match="This form has expired"):
        submit(enrolment, answers_for(course), key="not-a-uuid")


def test_the_same_submission_twice_records_one_attempt(enrolment, course):
    key = uuid.uuid4()
    first, created = submit(enrolment, answers_for(course, correct=False), key)
    second, created_again = submit(enrolment, answers_for(course, correct=False), key)

    assert created and not created_again
    assert first.pk == second.pk
    assert QuizAttempt.objects.count() == 1


def test_a_key_used_by_someone_else_is_refused(enrolment, course, user_factory):
    key = uuid.uuid4()
    submit(enrolment, answers_for(course), key)
    other = services.enrol(user=user_factory(), course=course)[0]

    with pytest.raises(ValidationError, match="already been used"):
        submit(other, answers_for(course), key)
    assert QuizAttempt.objects.count() == 1


def test_retries_wait_for_the_cool_down(enrolment, course, travel):
    start = travel(timezone.now())
    submit(enrolment, answers_for(course, correct=False))

    travel(start + timedelta(minutes=9))
    with pytest.raises(ValidationError, match="You can try again from"):
        submit(enrolment, answers_for(course))

    travel(start + timedelta(minutes=10))
    attempt, _ = submit(enrolment, answers_for(course))
    assert attempt.passed and attempt.number == 2


def test_attempts_are_capped_per_cycle_and_a_new_cycle_starts_afresh(
    framework_tiers, learner, travel
):
    course = make_course(tier=framework_tiers["T1"], max_attempts=2, retry_cooldown_minutes=0)
    enrolment = services.enrol(user=learner, course=course)[0]
    submit(enrolment, answers_for(course, correct=False))
    submit(enrolment, answers_for(course, correct=False))

    with pytest.raises(ValidationError, match="used all 2 attempts"):
        submit(enrolment, answers_for(course))
    assert QuizAttempt.objects.count() == 2
    assert selectors.quiz_rules(enrolment).attempts_left == 0

    services.withdraw(enrolment=enrolment, by=learner)
    second_cycle = services.enrol(user=learner, course=course)[0]
    attempt, _ = submit(second_cycle, answers_for(course))
    assert attempt.passed and attempt.number == 1


def test_no_cap_when_the_course_sets_none(framework_tiers, learner):
    course = make_course(tier=framework_tiers["T1"], max_attempts=None, retry_cooldown_minutes=0)
    enrolment = services.enrol(user=learner, course=course)[0]
    for _ in range(5):
        submit(enrolment, answers_for(course, correct=False))
    assert selectors.quiz_rules(enrolment).attempts_left is None
    assert submit(enrolment, answers_for(course))[0].number == 6


def test_after_passing_no_more_attempts_are_taken(enrolment, course):
    submit(enrolment, answers_for(course))
    with pytest.raises(ValidationError, match="already passed"):
        submit(enrolment, answers_for(course))


def test_a_withdrawn_enrolment_takes_no_attempts(enrolment, course, learner):
    services.withdraw(enrolment=enrolment, by=learner)
    with pytest.raises(ValidationError, match="not enrolled"):
        submit(enrolment, answers_for(course))


def test_feedback_uses_the_chosen_options_of_the_revision_answered(enrolment, course):
    attempt, _ = submit(enrolment, answers_for(course, correct=False))
    # A trainer rewrites the first question after the attempt.
    course.knowledge_check[0].value["options"][1]["feedback"] = "Rewritten later."
    course.save_revision().publish()
    live = type(course).objects.get(pk=course.pk).questions()[0]
    assert live.value["options"][1]["feedback"] == "Rewritten later."

    feedback = selectors.attempt_feedback(QuizAttempt.objects.get(pk=attempt.pk))

    assert [f.correct for f in feedback] == [False, False, False]
    assert feedback[0].chosen[0]["feedback"] == "Not quite: Deep sleep."
    assert feedback[0].explanation.startswith("Why:")


def test_questions_most_often_answered_wrongly(course, user_factory):
    first_question = course.questions()[0].id
    for correct in (False, False, True):
        enrolment = services.enrol(user=user_factory(), course=course)[0]
        answers = answers_for(course)
        if not correct:
            answers[first_question] = answers_for(course, correct=False)[first_question]
        submit(enrolment, answers)

    rows = selectors.question_difficulty(course)

    assert rows[0] == (first_question, 2, 3)
    assert [wrong for _, wrong, _ in rows[1:]] == [0, 0]


def test_the_cool_down_shows_the_minute_from_which_a_retry_is_accepted(enrolment, course, travel):
    """Issue 15, item 13: "try again from 02:11" was refused at 02:11:04. The time shown is
    the first whole minute at which a retry is accepted."""
    failed_at = travel(timezone.localtime().replace(hour=2, minute=1, second=4, microsecond=0))
    submit(enrolment, answers_for(course, correct=False))  # cool-down: 10 minutes
    travel(failed_at + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="You can try again from 02:12 on"):
        submit(enrolment, answers_for(course))
    travel(failed_at.replace(minute=12, second=0))
    attempt, _ = submit(enrolment, answers_for(course))
    assert attempt.number == 2
