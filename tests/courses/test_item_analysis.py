"""Item analysis for trainers: share correct, discrimination between passers and failers,
options chosen, and flags for questions that are too easy, too hard or misleading."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from content.groups import TRAINERS
from courses import services
from courses.item_analysis import ItemStat, OptionStat, item_analysis
from tests.courses.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(framework_tiers, user_factory):
    """Default questions (q1 single, q2 single, q3 multiple), pass mark 60: two of three right
    passes. Five people pass (q1, q2 right; q3 wrong); five fail (q1 right only). Everyone
    chooses the same wrong answer to q3."""
    course = make_course(title="Analysed", pass_mark=60, retry_cooldown_minutes=0)
    q1, q2, q3 = (block.id for block in course.questions())
    for n in range(10):
        passer = n < 5
        enrolment = services.enrol(user=user_factory(), course=course)[0]
        attempt, _ = services.record_quiz_attempt(
            enrolment=enrolment,
            answers={
                q1: [f"{q1}-a"],
                q2: [f"{q2}-a" if passer else f"{q2}-b"],
                q3: [f"{q3}-c"],
            },
            idempotency_key=uuid.uuid4(),
        )
        assert attempt.passed is passer
    return course


def test_share_correct_discrimination_and_options_chosen(analysed):
    q1, q2, q3 = item_analysis(analysed)

    assert (q1.answers, q1.share_correct, q1.discrimination) == (10, Decimal("1.00"), 0)
    assert (q2.share_correct, q2.discrimination) == (Decimal("0.50"), Decimal("1.00"))
    assert [(o.text, o.chosen) for o in q2.options] == [("Yawning", 5), ("Smiling", 5)]
    assert [(o.text, o.correct, o.chosen) for o in q3.options] == [
        ("Looking at the face", True, 0),
        ("Reaching", True, 0),
        ("Arching away", False, 10),
    ]


def test_flags_name_questions_that_are_too_easy_too_hard_or_misleading(analysed):
    q1, q2, q3 = item_analysis(analysed)
    assert q1.flags == ["too easy"]
    assert q2.flags == []
    assert q3.flags == ["too hard", "misleading"]


def test_a_question_people_who_fail_do_better_on_is_misleading():
    item = ItemStat(number=1, question_id="x", question="?", group="")
    item.answers, item.correct = 10, 5
    item.passed_answers, item.passed_correct = 5, 1
    item.failed_answers, item.failed_correct = 5, 4
    item.options = [OptionStat("Right", True, 5, None), OptionStat("Wrong", False, 5, None)]
    assert item.discrimination == Decimal("-0.60")
    assert item.flags == ["misleading"]


def test_no_figures_or_flags_below_five_answers(framework_tiers, user_factory):
    course = make_course(title="New", pass_mark=60)
    q1 = course.questions()[0].id
    enrolment = services.enrol(user=user_factory(), course=course)[0]
    services.record_quiz_attempt(
        enrolment=enrolment,
        answers={block.id: [f"{block.id}-b"] for block in course.questions()},
        idempotency_key=uuid.uuid4(),
    )
    item = next(i for i in item_analysis(course) if i.question_id == q1)
    assert item.answers == 1 and not item.enough_answers and item.flags == []


def test_trainers_see_the_analysis_and_learners_do_not(client, analysed, user_factory):
    url = reverse("courses:item_analysis", args=[analysed.pk])
    client.force_login(user_factory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("courses:item_analysis_index")).status_code == 404

    trainer = user_factory()
    trainer.groups.add(Group.objects.get_or_create(name=TRAINERS)[0])
    client.force_login(trainer)
    index = client.get(reverse("courses:item_analysis_index")).content.decode()
    assert url in index
    page = client.get(url).content.decode()
    assert "Too easy" in page and "Misleading" in page
    assert "Answers chosen for question 3" in page
