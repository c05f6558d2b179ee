"""Course structure for learning-record tests: HomePage > CourseIndexPage > CoursePage >
ModulePage, with knowledge-check questions and reflection prompts whose ids are stable (as the
curriculum loader makes them)."""

import uuid
from itertools import count

from django.utils.text import slugify

from content.models import CourseIndexPage, CoursePage, HomePage, ModulePage
from tests.factories import TierFactory

_n = count(1)


def course_index() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is not None:
        return index
    home = HomePage.objects.first()
    index = CourseIndexPage(title="Courses", slug="courses")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def question(
    key: str, text: str, options: list[tuple[str, bool]], kind: str = "single", group: str = ""
) -> dict:
    """A question block in StreamField's raw form; option ids are ``<key>-a``, ``<key>-b``…"""
    return {
        "type": "question",
        "id": key,
        "value": {
            "kind": kind,
            "question": text,
            "options": [
                {
                    "type": "item",
                    "id": f"{key}-{chr(97 + i)}",
                    "value": {
                        "text": option_text,
                        "correct": correct,
                        "feedback": f"{'Right' if correct else 'Not quite'}: {option_text}.",
                    },
                }
                for i, (option_text, correct) in enumerate(options)
            ],
            "group": group,
            "explanation": f"Why: {text}",
        },
    }


def default_questions(slug: str) -> list[dict]:
    return [
        question(
            f"{slug}-q1",
            "Which state is best for interaction?",
            [("Quiet alert", True), ("Deep sleep", False), ("Crying", False)],
        ),
        question(
            f"{slug}-q2",
            "Which of these is a subtle disengagement cue?",
            [("Yawning", True), ("Smiling", False)],
        ),
        question(
            f"{slug}-q3",
            "Which of these are engagement cues?",
            [("Looking at the face", True), ("Reaching", True), ("Arching away", False)],
            kind="multiple",
        ),
    ]


def make_course(
    *,
    title: str | None = None,
    tier=None,
    modules: int = 2,
    reflections: dict[int, int] | None = None,
    questions: list[dict] | None = None,
    required_for_tier: bool = True,
    pass_mark: int = 80,
    max_attempts: int | None = 3,
    questions_per_attempt: int | None = None,
    retry_cooldown_minutes: int = 10,
    validity_months: int | None = None,
    prerequisites=(),
    competency_areas=(),
    live: bool = True,
) -> CoursePage:
    """A published course with ``modules`` published modules. ``reflections`` maps a module
    index (0-based) to how many reflection prompts it has (default: one in the first module)."""
    n = next(_n)
    title = title or f"Course {n}"
    slug = f"{slugify(title)}-{n}"
    tier = tier or TierFactory(code="T1")
    course = CoursePage(
        title=title,
        slug=slug,
        tier=tier,
        summary=f"About {title}.",
        required_for_tier=required_for_tier,
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        questions_per_attempt=questions_per_attempt,
        retry_cooldown_minutes=retry_cooldown_minutes,
        validity_months=validity_months,
        estimated_minutes=30,
        knowledge_check=default_questions(slug) if questions is None else questions,
        live=live,
    )
    course_index().add_child(instance=course)
    course.prerequisites.set(prerequisites)
    course.competency_areas.set(competency_areas)
    revision = course.save_revision()
    if live:
        revision.publish()
    else:
        course.save()
    reflections = {0: 1} if reflections is None else reflections
    for index in range(modules):
        body = [{"type": "text", "id": f"{slug}-m{index}-t", "value": "<p>Lesson text.</p>"}]
        for r in range(reflections.get(index, 0)):
            body.append(
                {
                    "type": "reflection",
                    "id": f"{slug}-m{index}-r{r}",
                    "value": {"prompt": f"What will you do differently ({r})?", "guidance": ""},
                }
            )
        module = ModulePage(
            title=f"Module {index + 1} of {title}", slug=f"module-{index + 1}", body=body
        )
        course.add_child(instance=module)
        module.save_revision().publish()
    course.refresh_from_db()
    return course


def answers_for(course: CoursePage, *, correct: bool = True) -> dict[str, list[str]]:
    """Question id -> option ids: every answer right, or every answer wrong."""
    answers = {}
    for block in course.questions():
        options = list(block.value["options"].bound_blocks)
        right = [o.id for o in options if o.value["correct"]]
        wrong = [o.id for o in options if not o.value["correct"]][:1]
        answers[block.id] = right if correct else wrong
    return answers


def reflection_ids(module: ModulePage) -> list[str]:
    return [block.id for block in module.reflection_blocks()]


def modules_of(course: CoursePage) -> list[ModulePage]:
    return list(course.modules())


def finish_course(enrolment, course, *, key=None, answers=None):
    """Complete every module (answering reflections) and pass the knowledge check."""
    from courses import services

    for module in modules_of(course):
        services.start_module(enrolment=enrolment, module=module)
        services.complete_module(
            enrolment=enrolment,
            module=module,
            answers=dict.fromkeys(reflection_ids(module), "My reflection."),
        )
    if course.questions():
        services.record_quiz_attempt(
            enrolment=enrolment,
            answers=answers or answers_for(course),
            idempotency_key=key or uuid.uuid4(),
        )
    enrolment.refresh_from_db()
    return enrolment
