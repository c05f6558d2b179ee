"""Module progress, reflections and resume."""

import pytest
from django.core.exceptions import ValidationError

from courses import selectors, services
from courses.models import Enrolment, LearnerSummary, ModuleProgress, Reflection
from tests.courses.factories import make_course, modules_of, reflection_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(course, learner):
    return services.enrol(user=learner, course=course)[0]


def test_opening_a_module_marks_it_started_and_remembers_it_for_resume(enrolment, course):
    _first, second = modules_of(course)

    services.start_module(enrolment=enrolment, module=second)
    services.start_module(enrolment=enrolment, module=second)  # opening again changes nothing

    enrolment.refresh_from_db()
    progress = ModuleProgress.objects.get(enrolment=enrolment)
    assert progress.module_id == second.pk and progress.completed_at is None
    assert enrolment.started_at is not None
    assert enrolment.last_module_id == second.pk
    assert selectors.next_module_for(enrolment) == second
    assert LearnerSummary.objects.get(user=enrolment.user).first_started_at is not None


def test_resume_goes_to_the_first_unfinished_module_once_the_last_opened_is_done(enrolment, course):
    first, second = modules_of(course)
    services.complete_module(enrolment=enrolment, module=second)
    enrolment.refresh_from_db()

    assert selectors.next_module_for(enrolment) == first


def test_a_module_with_a_reflection_completes_only_once_it_is_answered(enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)

    with pytest.raises(services.ModuleIncomplete) as error:
        services.complete_module(enrolment=enrolment, module=first, answers={prompt: "   "})
    assert error.value.missing == [prompt]
    assert not ModuleProgress.objects.filter(completed_at__isnull=False).exists()

    services.complete_module(enrolment=enrolment, module=first, answers={prompt: "I'll pause."})
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=first)
    assert progress.completed_at is not None
    reflection = Reflection.objects.get(user=enrolment.user, block_id=prompt)
    assert reflection.text == "I'll pause."
    assert reflection.prompt.startswith("What will you do differently")
    assert reflection.course_title == course.title


def test_answers_typed_before_a_failed_completion_are_kept(framework_tiers, learner):
    course = make_course(tier=framework_tiers["T1"], modules=1, reflections={0: 2})
    enrolment = services.enrol(user=learner, course=course)[0]
    [module] = modules_of(course)
    one, two = reflection_ids(module)

    with pytest.raises(services.ModuleIncomplete) as error:
        services.complete_module(enrolment=enrolment, module=module, answers={one: "Kept."})

    assert error.value.missing == [two]
    assert Reflection.objects.get(block_id=one).text == "Kept."


def test_a_saved_reflection_counts_when_the_module_is_completed_later(enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    services.save_reflections(user=enrolment.user, module=first, answers={prompt: "Saved."})

    services.complete_module(enrolment=enrolment, module=first)

    assert ModuleProgress.objects.get(module=first).completed_at is not None


def test_saving_a_blank_answer_removes_the_saved_one(enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    services.save_reflections(user=enrolment.user, module=first, answers={prompt: "Draft"})
    services.save_reflections(user=enrolment.user, module=first, answers={prompt: ""})
    assert not Reflection.objects.exists()


def test_answers_for_prompts_the_module_does_not_have_are_refused(enrolment, course):
    first, second = modules_of(course)
    with pytest.raises(ValidationError, match="no longer has"):
        services.save_reflections(
            user=enrolment.user, module=second, answers=dict.fromkeys(reflection_ids(first), "x")
        )


def test_very_long_reflections_are_refused_with_the_limit(enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    with pytest.raises(ValidationError, match="10,000 characters"):
        services.save_reflections(user=enrolment.user, module=first, answers={prompt: "x" * 10001})


def test_a_module_of_another_course_is_refused(enrolment, framework_tiers):
    other = make_course(tier=framework_tiers["T1"])
    with pytest.raises(ValidationError, match="not part of the course"):
        services.complete_module(enrolment=enrolment, module=modules_of(other)[1])


def test_progress_needs_an_active_enrolment(enrolment, course, learner):
    services.withdraw(enrolment=enrolment, by=learner)
    _first, second = modules_of(course)
    assert services.start_module(enrolment=enrolment, module=second) is None
    with pytest.raises(ValidationError, match="not currently enrolled"):
        services.complete_module(enrolment=enrolment, module=second)


def test_course_percentage_counts_live_modules_only(framework_tiers, learner):
    course = make_course(tier=framework_tiers["T1"], modules=4, reflections={})
    enrolment = services.enrol(user=learner, course=course)[0]
    modules = modules_of(course)
    services.complete_module(enrolment=enrolment, module=modules[0])
    services.complete_module(enrolment=enrolment, module=modules[1])
    modules[1].unpublish()

    row = selectors.with_progress(Enrolment.objects.filter(pk=enrolment.pk)).get()

    assert (row.done_modules, row.total_modules) == (1, 3)
    assert selectors.percent(row.done_modules, row.total_modules) == 33
