"""Question banks: an attempt draws N questions from a larger bank, samples every group, shuffles
the options, and is marked and reviewed on exactly what it showed."""

import random
import re
import uuid
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import draws, services
from courses.models import QuizAttempt
from tests.courses.factories import make_course, question

pytestmark = pytest.mark.django_db

GROUPS = ["states", "cues", "talking"]


def bank(groups=GROUPS, per_group=4) -> list[dict]:
    return [
        question(
            f"{group}-{n}",
            f"Question {n} about {group}?",
            [(f"Right {n}", True), (f"Wrong {n}", False), (f"Also wrong {n}", False)],
            group=group,
        )
        for group in groups
        for n in range(per_group)
    ]


@pytest.fixture
def banked_course(framework_tiers):
    # 12 questions, 3 groups of 4, 6 per attempt: a bank of twice the attempt.
    return make_course(
        title="States and cues", questions=bank(), questions_per_attempt=6, retry_cooldown_minutes=0
    )


@pytest.fixture
def enrolment(banked_course, learner):
    return services.enrol(user=learner, course=banked_course)[0]


def right_answers(course, presented) -> dict[str, list[str]]:
    blocks = {block.id: block for block in course.questions()}
    return {
        item["question"]: [
            o.id
            for o in blocks[item["question"]].value["options"].bound_blocks
            if o.value["correct"]
        ]
        for item in presented
    }


def group_of(question_id: str) -> str:
    return question_id.rsplit("-", 1)[0]


def test_an_attempt_draws_its_number_of_questions_from_every_group(banked_course, enrolment):
    rng = random.Random(7)
    for _ in range(20):
        drawn = draws.draw(course=banked_course, enrolment=enrolment, rng=rng)
        ids = [item["question"] for item in drawn]
        assert len(ids) == len(set(ids)) == 6
        assert Counter(group_of(i) for i in ids) == dict.fromkeys(GROUPS, 2)


def test_every_group_is_sampled_even_when_groups_differ_in_size(framework_tiers, learner):
    questions = bank(groups=["big"], per_group=8) + bank(groups=["small"], per_group=2)
    course = make_course(questions=questions, questions_per_attempt=4)
    enrolment = services.enrol(user=learner, course=course)[0]
    for seed in range(10):
        drawn = draws.draw(course=course, enrolment=enrolment, rng=random.Random(seed))
        assert {group_of(item["question"]) for item in drawn} == {"big", "small"}


def test_a_retry_draws_questions_the_learner_has_not_been_shown(banked_course, enrolment):
    first = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(1))
    answers = {item["question"]: [f"{item['question']}-b"] for item in first}  # all wrong
    attempt, _ = services.record_quiz_attempt(
        enrolment=enrolment, answers=answers, idempotency_key=uuid.uuid4(), presented=first
    )
    assert not attempt.passed

    second = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(1))

    assert not {i["question"] for i in first} & {i["question"] for i in second}


def test_options_are_shuffled_for_each_attempt(banked_course, enrolment):
    rng = random.Random(3)
    positions = Counter()
    for _ in range(30):
        for item in draws.draw(course=banked_course, enrolment=enrolment, rng=rng):
            assert sorted(item["options"]) == [f"{item['question']}-{c}" for c in "abc"]
            positions[item["options"].index(f"{item['question']}-a")] += 1
    # The correct option (written first in the bank) turns up in every position.
    assert set(positions) == {0, 1, 2}
    assert min(positions.values()) > 30


def test_the_attempt_is_marked_on_its_draw_and_keeps_it(banked_course, enrolment):
    drawn = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(5))
    attempt, created = services.record_quiz_attempt(
        enrolment=enrolment,
        answers=right_answers(banked_course, drawn),
        idempotency_key=uuid.uuid4(),
        presented=drawn,
    )
    assert created and attempt.passed
    assert attempt.presented == drawn
    assert (attempt.correct_count, attempt.question_count, attempt.score) == (6, 6, 100)
    assert {r.question_id for r in attempt.responses.all()} == {i["question"] for i in drawn}


def test_answers_to_questions_outside_the_draw_are_refused(banked_course, enrolment):
    drawn = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(5))
    shown = {item["question"] for item in drawn}
    other = next(block.id for block in banked_course.questions() if block.id not in shown)
    answers = right_answers(banked_course, drawn) | {other: [f"{other}-a"]}
    with pytest.raises(ValidationError):
        services.record_quiz_attempt(
            enrolment=enrolment, answers=answers, idempotency_key=uuid.uuid4(), presented=drawn
        )
    assert not QuizAttempt.objects.exists()


def test_a_course_with_a_bank_is_not_marked_without_the_draw(banked_course, enrolment):
    every = {
        block.id: [f"{block.id}-a"] for block in banked_course.questions()
    }  # the whole bank, answered right
    with pytest.raises(ValidationError) as error:
        services.record_quiz_attempt(
            enrolment=enrolment, answers=every, idempotency_key=uuid.uuid4(), presented=None
        )
    assert error.value.code == "bad_key"


def test_a_draw_that_no_longer_fits_the_course_is_refused(banked_course, enrolment):
    drawn = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(5))
    tampered = [dict(item) for item in drawn]
    tampered[0]["options"] = tampered[0]["options"][:2]  # an option missing
    with pytest.raises(ValidationError):
        draws.resolve(banked_course, tampered)
    with pytest.raises(ValidationError):
        draws.resolve(banked_course, drawn[:5])  # fewer questions than the course asks


# --- Through the browser's form ------------------------------------------------------------


def shown_form(client, course):
    page = client.get(reverse("courses:knowledge_check", args=[course.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    token = re.search(r'name="draw" value="([^"]+)"', page).group(1)
    shown_options = re.findall(r'name="q-([^"]+)" value="([^"]+)"', page)
    return page, key, token, shown_options


def test_the_page_shows_the_draw_and_the_attempt_records_what_was_shown(
    client, learner, banked_course, enrolment
):
    client.force_login(learner)
    page, key, token, shown_options = shown_form(client, banked_course)
    assert "Question 6 of 6:" in page and "Question 7 of" not in page
    questions = list(dict.fromkeys(q for q, _ in shown_options))
    data = {"idempotency_key": key, "draw": token}
    for q in questions:
        data[f"q-{q}"] = [f"{q}-a"]

    first = client.post(reverse("courses:knowledge_check", args=[banked_course.pk]), data)
    second = client.post(reverse("courses:knowledge_check", args=[banked_course.pk]), data)

    attempt = QuizAttempt.objects.get()  # the double submit counted once
    assert first["Location"] == second["Location"] == reverse("courses:attempt", args=[attempt.pk])
    assert [item["question"] for item in attempt.presented] == questions
    assert [
        (item["question"], option) for item in attempt.presented for option in item["options"]
    ] == shown_options
    assert attempt.score == 100


def test_an_altered_draw_is_not_marked(client, learner, banked_course, enrolment):
    client.force_login(learner)
    _, key, token, shown_options = shown_form(client, banked_course)
    data = {"idempotency_key": key, "draw": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")}
    for q, _ in shown_options:
        data[f"q-{q}"] = [f"{q}-a"]
    response = client.post(reverse("courses:knowledge_check", args=[banked_course.pk]), data)
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_a_draw_made_for_someone_else_is_not_accepted(
    client, learner, user_factory, banked_course, enrolment
):
    other = user_factory()
    services.enrol(user=other, course=banked_course)
    client.force_login(other)
    _, key, token, shown_options = shown_form(client, banked_course)
    client.force_login(learner)
    data = {"idempotency_key": key, "draw": token}
    for q, _ in shown_options:
        data[f"q-{q}"] = [f"{q}-a"]
    response = client.post(reverse("courses:knowledge_check", args=[banked_course.pk]), data)
    assert "This form has expired" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_the_review_lists_the_questions_in_the_order_shown(
    client, learner, banked_course, enrolment
):
    drawn = draws.draw(course=banked_course, enrolment=enrolment, rng=random.Random(9))
    drawn.reverse()  # an order different from the bank's
    attempt, _ = services.record_quiz_attempt(
        enrolment=enrolment,
        answers=right_answers(banked_course, drawn),
        idempotency_key=uuid.uuid4(),
        presented=drawn,
    )
    client.force_login(learner)
    page = client.get(reverse("courses:attempt", args=[attempt.pk])).content.decode()
    shown = re.findall(r"feedback-item__question\">Question (\d+) about (\w+)\?", page)
    assert [f"{group}-{n}" for n, group in shown] == [item["question"] for item in drawn]


def test_the_page_says_a_retry_draws_differently_only_when_there_is_a_bank(
    client, learner, banked_course, enrolment, framework_tiers
):
    client.force_login(learner)
    page = client.get(reverse("courses:knowledge_check", args=[banked_course.pk]))
    assert "drawn from a larger set" in page.content.decode()
    whole = make_course(title="Whole bank")
    services.enrol(user=learner, course=whole)
    page = client.get(reverse("courses:knowledge_check", args=[whole.pk]))
    assert "drawn from a larger set" not in page.content.decode()


def test_a_course_cannot_draw_more_questions_than_its_bank_holds(banked_course):
    banked_course.questions_per_attempt = 13
    with pytest.raises(ValidationError) as error:
        banked_course.full_clean()
    assert "cannot draw more than that" in str(error.value)


def test_after_a_failed_attempt_the_retry_page_shows_other_questions(
    client, learner, banked_course, enrolment
):
    client.force_login(learner)
    url = reverse("courses:knowledge_check", args=[banked_course.pk])
    _, key, token, shown_options = shown_form(client, banked_course)
    first = list(dict.fromkeys(q for q, _ in shown_options))
    data = {"idempotency_key": key, "draw": token}
    data.update({f"q-{q}": [f"{q}-b"] for q in first})  # every answer wrong
    client.post(url, data)
    assert not QuizAttempt.objects.get().passed

    _, _, _, retry_options = shown_form(client, banked_course)
    retry = {q for q, _ in retry_options}
    assert len(retry) == 6 and not retry & set(first)


def test_a_draw_the_course_has_since_changed_is_replaced_with_a_fresh_one(
    client, learner, banked_course, enrolment
):
    client.force_login(learner)
    _, key, token, shown_options = shown_form(client, banked_course)
    shown = list(dict.fromkeys(q for q, _ in shown_options))
    # A trainer removes one of the questions shown and publishes.
    banked_course.knowledge_check = [
        block for block in banked_course.knowledge_check.raw_data if block["id"] != shown[0]
    ]
    banked_course.save_revision().publish()

    data = {"idempotency_key": key, "draw": token}
    data.update({f"q-{q}": [f"{q}-a"] for q in shown})
    response = client.post(reverse("courses:knowledge_check", args=[banked_course.pk]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The knowledge check has changed since you opened it." in page
    assert "Question 6 of 6:" in page and f'name="q-{shown[0]}"' not in page
    assert not QuizAttempt.objects.exists()
