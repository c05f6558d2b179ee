"""A practitioner's journey in a real browser (Debian's Chromium through Playwright): sign in,
see what their role requires, enrol, work through every module (answering the reflection),
fail the knowledge check once, pass it, and see their tier change. axe-core checks the
dashboard, a course page, a module page and the knowledge check against WCAG 2.2 AA."""

import re

import pytest
from django.urls import reverse

from tests.browser import assert_accessible, new_page
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory, UserFactory, tiers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page(browser, live_server):
    """A signed-out tab: the journey signs in through the real login form."""
    tab = new_page(browser, live_server)
    tab.context.set_default_timeout(15_000)
    yield tab
    # The live server shared this process's cache; leave none of its entries (keyed by ids the
    # flush after this test will reuse) to the tests that follow.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def practitioner(password):
    framework = tiers()
    region = UnitFactory.region(name="North", code="e2e-north")
    trust = UnitFactory.organisation(region, name="Riverside", code="e2e-riverside")
    team = UnitFactory.team(trust, name="Family Support", code="e2e-family")
    role = JobRoleFactory(
        code="e2e-family-worker", name="Family support worker", required_tier=framework["T1"]
    )
    person = UserFactory(email="pat@example.org", display_name="Pat Practitioner")
    MembershipFactory(user=person, unit=team, job_role=role)
    # The course is published after Pat joined: as a new core course of Pat's tier it is
    # assigned to Pat straight away, with a due date.
    course = make_course(
        title="Understanding Babies",
        tier=framework["T1"],
        modules=2,
        reflections={0: 1},
        retry_cooldown_minutes=0,
    )
    return person, course


def test_a_practitioner_completes_a_course_in_the_browser(page, practitioner, password):
    person, course = practitioner
    from playwright.sync_api import expect

    # Sign in.
    page.goto("/accounts/login/?next=/learn/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(password)
    # (exactly: the page also has "Sign in with a passkey")
    page.get_by_role("button", name=re.compile("^sign in$", re.IGNORECASE)).click()
    page.wait_for_url("**/learn/")

    # The dashboard: what the role requires, the tier against it.
    expect(page.get_by_role("heading", name="My learning", level=1)).to_be_visible()
    required = page.get_by_role("table", name="Required for my role")
    expect(required).to_contain_text("Understanding Babies")
    expect(required).to_contain_text("Not started")
    expect(required).to_contain_text("Due ")
    expect(page.locator("[data-tier-status]")).to_have_attribute("data-tier-status", "below")
    assert_accessible(page, "the dashboard")

    # The course page: start.
    required.get_by_role("link", name="Understanding Babies", exact=True).click()
    expect(page.get_by_role("heading", name="Understanding Babies", level=1)).to_be_visible()
    assert_accessible(page, "a course page")
    page.get_by_role("link", name="Start the course").click()

    # Module 1 has a reflection: completing without it is refused, and says why.
    expect(page.get_by_role("heading", name="Module 1 of Understanding Babies")).to_be_visible()
    assert_accessible(page, "a module page")
    page.get_by_role("button", name="Mark as complete and continue").click()
    expect(page.get_by_text("Answer the reflection prompt before")).to_be_visible()
    reflection = page.get_by_label("Your reflection")
    expect(reflection).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "a module page with an error")
    reflection.fill("I will pause and watch before I pick a baby up.")
    page.get_by_role("button", name="Mark as complete and continue").click()

    # Module 2, then on to the knowledge check.
    expect(page.get_by_role("heading", name="Module 2 of Understanding Babies")).to_be_visible()
    page.get_by_role("button", name="Mark as complete and continue").click()
    page.wait_for_url(f"**{reverse('courses:knowledge_check', args=[course.pk])}")
    expect(
        page.get_by_role("heading", name="Knowledge check: Understanding Babies")
    ).to_be_visible()
    assert_accessible(page, "the knowledge check")

    # Fail once...
    page.get_by_role("radio", name="Deep sleep").check()
    page.get_by_role("radio", name="Smiling").check()
    page.get_by_role("checkbox", name="Arching away").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("[data-attempt-result]")).to_have_attribute(
        "data-attempt-result", "not-passed"
    )
    expect(page.get_by_text("Not quite: Deep sleep.")).to_be_visible()
    assert_accessible(page, "the result page")

    # ...then pass.
    page.get_by_role("link", name="Try again").click()
    page.get_by_role("radio", name="Quiet alert").check()
    page.get_by_role("radio", name="Yawning").check()
    page.get_by_role("checkbox", name="Looking at the face").check()
    page.get_by_role("checkbox", name="Reaching").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("[data-attempt-result]")).to_have_attribute("data-attempt-result", "passed")
    expect(page.get_by_text("You have completed Understanding Babies")).to_be_visible()

    # The tier changed.
    page.get_by_role("link", name="Go to my learning").click()
    expect(page.locator("[data-tier-status]")).to_have_attribute("data-tier-status", "meets")
    expect(page.get_by_role("table", name="Completed")).to_contain_text("Understanding Babies")
    assert_accessible(page, "the dashboard after completing")

    # The reflection is on "My reflections".
    page.get_by_role("link", name="My reflections").click()
    expect(page.get_by_text("I will pause and watch before I pick a baby up.")).to_be_visible()
    assert_accessible(page, "my reflections")
