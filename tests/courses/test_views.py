"""The learner's and the manager's pages: what they show, what they change, and that nobody
reaches records that are not theirs."""

import csv
import io
import re
import uuid

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from courses.models import (
    CompetencyAssessment,
    Enrolment,
    ModuleProgress,
    QuizAttempt,
    Reflection,
)
from courses.wagtail_hooks import record_module_opened
from lms.workforce import services as workforce
from tests.courses.factories import (
    answers_for,
    finish_course,
    make_course,
    modules_of,
    reflection_ids,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def enrolment(course, learner):
    return services.enrol(user=learner, course=course)[0]


def quiz_post(course, answers, key=None):
    data = {"idempotency_key": str(key or uuid.uuid4())}
    for question_id, options in answers.items():
        data[f"q-{question_id}"] = options
    return data


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_needs_sign_in(client):
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_shows_what_the_role_requires_and_what_to_do_next(
    signed_in, learner, team, t1_role, course, framework_tiers
):
    workforce.membership_start(user=learner, unit=team, job_role=t1_role)

    page = signed_in.get(reverse("courses:dashboard")).content.decode()

    assert "Required for my role" in page
    assert course.title in page
    assert "T1 Informed" in page  # required tier
    assert 'data-tier-status="below"' in page
    assert "What to do next" in page and "Start Attachment Essentials, required for" in page


def test_dashboard_shows_the_tier_change_after_completing(
    signed_in, learner, team, t1_role, course
):
    workforce.membership_start(user=learner, unit=team, job_role=t1_role)
    finish_course(Enrolment.objects.get(user=learner), course)

    page = signed_in.get(reverse("courses:dashboard")).content.decode()

    assert 'data-tier-status="meets"' in page
    assert "Meets your role&#x27;s requirement" in page


def test_dashboard_query_count_does_not_grow_with_enrolments(
    client, user_factory, framework_tiers, team, t2_role, django_assert_max_num_queries
):
    courses = [make_course(tier=framework_tiers["T1"], reflections={}) for _ in range(6)]

    def count_for(n):
        person = user_factory()
        MembershipFactory(user=person, unit=team, job_role=t2_role)
        for course in courses[:n]:
            enrolment = services.enrol(user=person, course=course)[0]
            services.complete_module(enrolment=enrolment, module=modules_of(course)[0])
        finish_course(services.enrol(user=person, course=courses[-1])[0], courses[-1])
        client.force_login(person)
        client.get(reverse("courses:dashboard"))  # warm caches (site root paths)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("courses:dashboard")).status_code == 200
        return len(queries)

    one, five = count_for(1), count_for(5)
    assert one == five
    with django_assert_max_num_queries(25):
        client.get(reverse("courses:dashboard"))


# --- Enrol, withdraw, resume ----------------------------------------------------------------


def test_enrol_from_the_course_page(signed_in, learner, course):
    response = signed_in.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 302 and response["Location"] == course.url
    assert Enrolment.objects.filter(user=learner, course=course, is_current=True).exists()


def test_enrol_refused_without_prerequisites_says_why(signed_in, learner, framework_tiers):
    basics = make_course(title="Basics", tier=framework_tiers["T1"])
    advanced = make_course(title="Advanced", tier=framework_tiers["T2"], prerequisites=[basics])
    response = signed_in.post(reverse("courses:enrol", args=[advanced.pk]), follow=True)
    assert "Complete Basics before you enrol" in response.content.decode()
    assert not Enrolment.objects.filter(user=learner).exists()


def test_enrol_ignores_an_offsite_next(signed_in, course):
    response = signed_in.post(
        reverse("courses:enrol", args=[course.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == course.url


def test_withdraw_and_resume_answer_404_for_other_peoples_enrolments(
    client, enrolment, user_factory
):
    client.force_login(user_factory())
    assert client.post(reverse("courses:withdraw", args=[enrolment.pk])).status_code == 404
    assert client.get(reverse("courses:resume", args=[enrolment.pk])).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.is_active


def test_withdraw_own_self_enrolment(signed_in, enrolment):
    signed_in.post(reverse("courses:withdraw", args=[enrolment.pk]))
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN


def test_resume_goes_to_the_module_to_work_on(signed_in, enrolment, course):
    _first, second = modules_of(course)
    services.start_module(enrolment=enrolment, module=second)
    response = signed_in.get(reverse("courses:resume", args=[enrolment.pk]))
    assert response["Location"] == second.url


# --- Modules and reflections ----------------------------------------------------------------


def test_opening_a_module_page_records_progress(rf, learner, enrolment, course):
    first, _ = modules_of(course)
    request = rf.get(first.url)
    request.user = learner

    record_module_opened(first, request, [], {})

    assert ModuleProgress.objects.filter(enrolment=enrolment, module=first).exists()


def test_a_module_page_reads_the_learners_enrolment_once(signed_in, learner):
    """The hook that records the module as opened, the module panel and each of the three
    reflection fields all need the enrolment; the page reads it once."""
    course = make_course(reflections={0: 3})
    services.enrol(user=learner, course=course)
    module = modules_of(course)[0]
    signed_in.get(module.url)  # the first visit records the module as started

    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get(module.url)

    assert response.status_code == 200
    assert response.content.decode().count('name="reflection-') == 3
    lookups = [
        q["sql"] for q in queries if "courses_enrolment" in q["sql"] and "is_current" in q["sql"]
    ]
    assert len(lookups) == 1


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_opening_a_started_module_again_writes_nothing(signed_in, learner, enrolment, course):
    _first, second = modules_of(course)
    with CaptureQueriesContext(connection) as first_visit:
        assert signed_in.get(second.url).status_code == 200
    assert _writes(first_visit)  # the first visit records the module as started
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=second)

    with CaptureQueriesContext(connection) as again:
        response = signed_in.get(second.url)

    assert response.status_code == 200
    assert _writes(again) == []
    assert not any("SAVEPOINT" in q["sql"] or "BEGIN" in q["sql"] for q in again)
    assert ModuleProgress.objects.get(enrolment=enrolment, module=second) == progress
    enrolment.refresh_from_db()
    assert enrolment.last_module_id == second.pk and enrolment.started_at is not None


def test_opening_another_started_module_moves_resume_there(signed_in, enrolment, course):
    first, second = modules_of(course)
    signed_in.get(first.url)
    signed_in.get(second.url)

    signed_in.get(first.url)

    enrolment.refresh_from_db()
    assert enrolment.last_module_id == first.pk
    assert ModuleProgress.objects.filter(enrolment=enrolment).count() == 2


def test_complete_module_with_a_missing_reflection_comes_back_to_it(signed_in, enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)

    response = signed_in.post(reverse("courses:module_complete", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{first.url}#reflection-{prompt}"
    assert signed_in.session["courses_missing_reflections"] == [prompt]
    assert not ModuleProgress.objects.filter(completed_at__isnull=False).exists()


def test_complete_module_saves_the_answer_and_moves_to_the_next_module(
    signed_in, enrolment, course
):
    first, second = modules_of(course)
    [prompt] = reflection_ids(first)

    response = signed_in.post(
        reverse("courses:module_complete", args=[first.pk]),
        {f"reflection-{prompt}": "I will slow down."},
    )

    assert response["Location"] == second.url
    assert Reflection.objects.get(block_id=prompt).text == "I will slow down."
    assert ModuleProgress.objects.get(module=first).completed_at is not None


def test_finishing_the_last_module_leads_to_the_knowledge_check(signed_in, enrolment, course):
    first, second = modules_of(course)
    services.complete_module(
        enrolment=enrolment, module=first, answers=dict.fromkeys(reflection_ids(first), "x")
    )
    response = signed_in.post(reverse("courses:module_complete", args=[second.pk]))
    assert response["Location"] == reverse("courses:knowledge_check", args=[course.pk])


def test_save_reflection_on_its_own(signed_in, enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    response = signed_in.post(
        reverse("courses:reflection_save", args=[first.pk]),
        {f"reflection-{prompt}": "Draft thought.", "save": prompt},
    )
    assert response["Location"] == f"{first.url}#reflection-{prompt}"
    assert Reflection.objects.get(block_id=prompt).text == "Draft thought."
    assert not ModuleProgress.objects.filter(completed_at__isnull=False).exists()


def test_reflections_need_an_enrolment(signed_in, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    signed_in.post(
        reverse("courses:reflection_save", args=[first.pk]), {f"reflection-{prompt}": "x"}
    )
    assert not Reflection.objects.exists()


def test_my_reflections_page_and_export_neutralise_formulas(signed_in, enrolment, course):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)
    services.save_reflections(
        user=enrolment.user, module=first, answers={prompt: '=HYPERLINK("http://x")'}
    )

    page = signed_in.get(reverse("courses:reflections")).content.decode()
    assert "HYPERLINK" in page and course.title in page

    response = signed_in.get(reverse("courses:reflections_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Course", "Module", "Prompt", "My reflection", "Last updated"]
    assert rows[1][3] == '\'=HYPERLINK("http://x")'


def test_reflections_are_private(client, enrolment, course, user_factory):
    first, _ = modules_of(course)
    services.save_reflections(
        user=enrolment.user, module=first, answers=dict.fromkeys(reflection_ids(first), "Mine")
    )
    client.force_login(user_factory())
    assert "Mine" not in client.get(reverse("courses:reflections")).content.decode()


# --- Knowledge check ------------------------------------------------------------------------


def test_knowledge_check_page_renders_the_questions_with_a_fresh_key(signed_in, enrolment, course):
    page = signed_in.get(reverse("courses:knowledge_check", args=[course.pk])).content.decode()
    assert "Question 1 of 3: Which state is best for interaction?" in page
    assert 'type="radio"' in page and 'type="checkbox"' in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert uuid.UUID(key)


def test_knowledge_check_sends_people_who_are_not_enrolled_to_the_course(signed_in, course):
    response = signed_in.get(reverse("courses:knowledge_check", args=[course.pk]))
    assert response["Location"] == course.url


def test_submitting_shows_the_result_with_feedback(signed_in, enrolment, course):
    response = signed_in.post(
        reverse("courses:knowledge_check", args=[course.pk]),
        quiz_post(course, answers_for(course, correct=False)),
    )
    attempt = QuizAttempt.objects.get()
    assert response["Location"] == reverse("courses:attempt", args=[attempt.pk])

    page = signed_in.get(response["Location"]).content.decode()
    assert "Not passed" in page and "You scored 0%" in page
    assert "Not quite: Deep sleep." in page
    assert "You can try again from" in page  # the cool-down


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda d, q: d.pop(f"q-{q[0]}"), "Answer this question."),
        (lambda d, q: d.__setitem__(f"q-{q[0]}", [f"{q[1]}-a"]), "Choose from the answers given"),
        (lambda d, q: d.__setitem__(f"q-{q[0]}", [f"{q[0]}-a", f"{q[0]}-b"]), "Choose one"),
        (lambda d, q: d.__setitem__("q-forged", ["x"]), "has changed since you opened it"),
        (lambda d, q: d.__setitem__("idempotency_key", "forged"), "This form has expired"),
        (lambda d, q: d.pop("idempotency_key"), "This form has expired"),
    ],
    ids=["missing", "foreign-option", "two-on-single", "unknown-question", "bad-key", "no-key"],
)
def test_tampered_submissions_get_a_clear_error_and_keep_the_choices(
    signed_in, enrolment, course, tamper, message
):
    questions = [block.id for block in course.questions()]
    data = quiz_post(course, answers_for(course))
    tamper(data, questions)

    response = signed_in.post(reverse("courses:knowledge_check", args=[course.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert re.search(rf'value="{questions[1]}-a"[^>]*checked', page)  # choice kept
    assert not QuizAttempt.objects.exists()


def test_a_double_submit_records_one_attempt(signed_in, enrolment, course):
    data = quiz_post(course, answers_for(course, correct=False))
    url = reverse("courses:knowledge_check", args=[course.pk])
    first = signed_in.post(url, data)
    second = signed_in.post(url, data)
    assert first["Location"] == second["Location"]
    assert QuizAttempt.objects.count() == 1


def test_passing_after_the_modules_completes_the_course(signed_in, enrolment, course):
    for module in modules_of(course):
        services.complete_module(
            enrolment=enrolment, module=module, answers=dict.fromkeys(reflection_ids(module), "x")
        )
    response = signed_in.post(
        reverse("courses:knowledge_check", args=[course.pk]), quiz_post(course, answers_for(course))
    )
    page = signed_in.get(response["Location"]).content.decode()
    assert "Passed" in page and f"You have completed {course.title}" in page
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_attempts_of_other_people_answer_404(client, enrolment, course, user_factory):
    attempt, _ = services.record_quiz_attempt(
        enrolment=enrolment, answers=answers_for(course), idempotency_key=uuid.uuid4()
    )
    client.force_login(user_factory())
    assert client.get(reverse("courses:attempt", args=[attempt.pk])).status_code == 404


# --- Panels on content pages ----------------------------------------------------------------


def render_panel(name, page, user, **extra):
    request = RequestFactory().get(page.url)
    request.user = user
    request.session = {}
    return render_to_string(
        f"courses/panels/{name}.html", {"page": page, "request": request, **extra}, request
    )


def test_course_panel_states(course, learner, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert "Sign in" in render_panel("course_panel", course, AnonymousUser())
    assert "Enrol on this course" in render_panel("course_panel", course, learner)

    enrolment = services.enrol(user=learner, course=course)[0]
    html = render_panel("course_panel", course, learner)
    assert "Start the course" in html and "0 of 2 modules complete" in html
    assert reverse("courses:knowledge_check", args=[course.pk]) in html
    assert "Withdraw from this course" in html

    finish_course(enrolment, course)
    html = render_panel("course_panel", course, learner)
    assert "You completed this course" in html and "score of 100%" in html


def test_module_panel_and_reflection_field_share_one_form(course, learner):
    first, _ = modules_of(course)
    enrolment = services.enrol(user=learner, course=course)[0]
    [prompt] = reflection_ids(first)
    services.save_reflections(user=learner, module=first, answers={prompt: "Saved <b>text</b>"})

    panel = render_panel("module_panel", first, learner)
    field = render_panel("reflection_field", first, learner, block_id=prompt, prompt="What next?")

    form_id = re.search(r'<form[^>]*id="([^"]+)"', panel).group(1)
    assert reverse("courses:module_complete", args=[first.pk]) in panel
    assert "Mark as complete and continue" in panel
    assert f'form="{form_id}"' in field
    assert f'name="reflection-{prompt}"' in field
    assert "Saved &lt;b&gt;text&lt;/b&gt;" in field  # escaped
    assert '<label class="label" for="reflection-input-' in field
    assert enrolment.is_active


def test_reflection_field_marks_a_missing_answer(course, learner):
    first, _ = modules_of(course)
    services.enrol(user=learner, course=course)
    [prompt] = reflection_ids(first)
    request = RequestFactory().get(first.url)
    request.user = learner
    request.session = {"courses_missing_reflections": [prompt]}
    html = render_to_string(
        "courses/panels/reflection_field.html",
        {"page": first, "request": request, "block_id": prompt, "prompt": "?"},
        request,
    )
    assert 'aria-invalid="true"' in html and "Write your reflection" in html
    assert "courses_missing_reflections" not in request.session


def test_reflection_field_asks_to_enrol_first(course, learner):
    first, _ = modules_of(course)
    html = render_panel("reflection_field", first, learner, block_id="x")
    assert "Enrol on the course" in html and "<textarea" not in html


# --- Managers -------------------------------------------------------------------------------


def test_assign_page_is_for_managers_only(client, learner, manager):
    dashboard = reverse("courses:dashboard")
    client.force_login(learner)
    assert client.get(reverse("courses:assign")).status_code == 404
    assert client.get(reverse("courses:assessment_new")).status_code == 404
    assert reverse("courses:assign") not in client.get(dashboard).content.decode()

    client.force_login(manager)
    assert reverse("courses:assign") in client.get(dashboard).content.decode()


def test_manager_assigns_a_course_to_a_job_role(
    client, manager, team, course, t1_role, user_factory
):
    people = [user_factory() for _ in range(2)]
    for person in people:
        MembershipFactory(user=person, unit=team, job_role=t1_role)
    other_role = user_factory()
    MembershipFactory(user=other_role, unit=team)
    client.force_login(manager)
    assert client.get(reverse("courses:assign")).status_code == 200

    response = client.post(
        reverse("courses:assign"),
        {"course": course.pk, "target": "role", "job_role": t1_role.pk, "due_on": "2099-01-31"},
        follow=True,
    )

    assert "assigned to 2" in response.content.decode()
    assert set(Enrolment.objects.filter(course=course).values_list("user_id", flat=True)) == {
        p.pk for p in people
    }


def test_assign_form_errors_keep_the_choices(client, manager, course):
    client.force_login(manager)
    response = client.post(
        reverse("courses:assign"), {"course": course.pk, "target": "person", "due_on": "2099-01-31"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Choose who to assign the course to" in page
    assert 'value="2099-01-31"' in page


def test_manager_records_an_assessment(client, manager, team, learner, framework_tiers):
    MembershipFactory(user=learner, unit=team)
    client.force_login(manager)
    response = client.post(
        reverse("courses:assessment_new"),
        {
            "person": learner.pk,
            "tier": framework_tiers["T3"].pk,
            "status": "achieved",
            "evidence": "Observed two home visits.",
            "assessed_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    assessment = CompetencyAssessment.objects.get()
    assert (assessment.user, assessment.assessor, assessment.status) == (
        learner,
        manager,
        "achieved",
    )


def test_history_lists_every_cycle(signed_in, learner, course):
    first = services.enrol(user=learner, course=course)[0]
    services.withdraw(enrolment=first, by=learner)
    services.enrol(user=learner, course=course)
    page = signed_in.get(reverse("courses:history")).content.decode()
    assert "Withdrawn" in page and "In progress" in page


# --- Wagtail admin --------------------------------------------------------------------------


def test_admin_lists_learning_records_read_only(client, user_factory, enrolment, course):
    admin = user_factory(is_superuser=True, is_staff=True)
    finish_course(enrolment, course)
    client.force_login(admin)
    assert client.get(reverse("enrolments:index")).status_code == 200
    listing = client.get(reverse("completions:index"))
    assert listing.status_code == 200 and course.title in listing.content.decode()
    assert client.get(reverse("completions:add")).status_code in (302, 403)
    completion = enrolment.completion
    assert client.get(reverse("completions:edit", args=[completion.pk])).status_code in (302, 403)
    assert client.get(reverse("completions:delete", args=[completion.pk])).status_code in (
        302,
        403,
    )
    assert client.get(reverse("enrolment_rules:add")).status_code == 200


def test_admin_records_assessments_through_the_service(
    client, user_factory, learner, framework_tiers
):
    admin = user_factory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("competency_assessments:add"),
        {
            "user": learner.pk,
            "tier": framework_tiers["T3"].pk,
            "status": "achieved",
            "evidence": "Portfolio reviewed.",
            "assessed_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    assessment = CompetencyAssessment.objects.get()
    assert assessment.assessor == admin
    edit = client.get(reverse("competency_assessments:edit", args=[assessment.pk]))
    assert edit.status_code in (302, 403)


# --- Served through Wagtail with the content templates --------------------------------------


def test_opening_a_served_module_page_records_progress_and_shows_the_panels(
    signed_in, enrolment, course
):
    first, _ = modules_of(course)
    [prompt] = reflection_ids(first)

    page = signed_in.get(first.url).content.decode()

    assert ModuleProgress.objects.filter(enrolment=enrolment, module=first).exists()
    enrolment.refresh_from_db()
    assert enrolment.last_module_id == first.pk
    assert f'name="reflection-{prompt}" form="module-form-{first.pk}"' in page
    assert f'id="module-form-{first.pk}"' in page


def test_served_course_page_shows_the_learner_panel(signed_in, enrolment, course):
    page = signed_in.get(course.url).content.decode()
    assert "Your learning" in page and "Start the course" in page


def test_anonymous_visitors_can_read_a_module_and_are_asked_to_sign_in(client, course):
    first, _ = modules_of(course)
    response = client.get(first.url)
    assert response.status_code == 200
    assert "Sign in</a> and enrol" in response.content.decode()
    assert not ModuleProgress.objects.exists()


def test_manager_assigns_a_course_to_a_team_with_the_teams_below_it(
    client, manager, team, course, user_factory
):
    from tests.factories import UnitFactory

    trust = team.get_parent()
    sub_team = UnitFactory.team(trust, name="Second team", code="courses-second")
    MembershipFactory(user=manager, unit=trust, job_role=None, is_manager=True)
    worker, other = user_factory(), user_factory()
    MembershipFactory(user=worker, unit=team)
    MembershipFactory(user=other, unit=sub_team)
    client.force_login(manager)

    client.post(
        reverse("courses:assign"),
        {"course": course.pk, "target": "team", "unit": trust.pk, "due_on": "2099-01-31"},
    )

    assigned = set(Enrolment.objects.filter(course=course).values_list("user_id", flat=True))
    assert assigned == {worker.pk, other.pk}  # not the manager, who has no job role


def test_dashboard_says_in_words_why_the_learner_is_below_their_tier(
    signed_in, learner, team, t2_role, course, framework_tiers
):
    """A health visitor (T2) who has done the T1 course: the T2 course and the supervision
    hours are what is missing, and no assessment is mentioned (T2 requires none)."""
    t2_course = make_course(title="Observing Interaction", tier=framework_tiers["T2"])
    workforce.membership_start(user=learner, unit=team, job_role=t2_role)
    finish_course(Enrolment.objects.get(user=learner, course=course), course)

    page = signed_in.get(reverse("courses:dashboard")).content.decode()

    assert "Why you are below T2" in page
    assert f"<li>{t2_course.title} (T2): not completed</li>" in page
    assert (
        "<li>Supervision for T2: 0 of 12 hours in the last 12 months, 12 hours short</li>" in page
    )
    assert "assessment" not in page.split('<h2 id="progress-heading"')[0].lower()


def test_module_page_keeps_a_draft_of_its_reflections_until_they_are_saved(
    signed_in, enrolment, course
):
    from lms.drafts.models import FormDraft
    from lms.drafts.services import save_draft

    first, second = modules_of(course)
    [prompt] = reflection_ids(first)
    page = signed_in.get(first.url).content.decode()
    assert f'data-draft-key="{first.url}"' in page
    save_draft(user=enrolment.user, key=first.url, fields={f"reflection-{prompt}": "Half"})
    signed_in.post(
        reverse("courses:reflection_save", args=[first.pk]),
        {f"reflection-{prompt}": "Whole thought.", "save": prompt},
    )
    assert not FormDraft.objects.exists()
    save_draft(user=enrolment.user, key=second.url, fields={"reflection-x": "Half"})
    signed_in.post(reverse("courses:module_complete", args=[second.pk]))
    assert not FormDraft.objects.exists()
