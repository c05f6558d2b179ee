"""Real-browser checks of the reading experience: WCAG 2.2 AA rules with axe-core, and pages
that reflow on a 320 px wide screen without sideways scrolling (WCAG 1.4.10)."""

import pytest

from content.loader import load_curriculum
from tests.browser import axe_violations, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = [
    "/courses/",
    "/courses/?tier=T2&mine=on",
    "/courses/states-and-cues/",
    "/courses/states-and-cues/the-six-states/",
    "/courses/states-and-cues/engagement-and-disengagement-cues/",
    "/courses/states-and-cues/talking-with-parents/",
    "/search/?q=crying",
    "/accessibility-statement/",
    # The glossary, and lessons with linked terms and a "Local pathways" block.
    "/glossary/",
    "/courses/the-first-1001-days/policy-and-your-role/",
    "/courses/perinatal-parental-mental-health/pathways-and-urgent-concerns/",
]


@pytest.fixture
def curriculum(live_server):
    # Before Playwright starts: its event loop makes the ORM refuse to run in this thread.
    load_curriculum()


def test_content_pages_pass_axe_and_reflow_on_a_phone(live_server, curriculum, browser):
    desktop = new_page(browser, live_server)
    phone = new_page(browser, live_server, viewport={"width": 320, "height": 640})
    problems = []
    for path in PAGES:
        response = desktop.goto(path)
        assert response.status == 200, path
        # Open every disclosure so that revealed content is checked too.
        desktop.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        problems += [f"{path}: {violation}" for violation in axe_violations(desktop)]
        problems += [f"{path}: {error}" for error in desktop.csp_errors]
        desktop.csp_errors.clear()
        phone.goto(path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{path}: scrolls sideways by {overflow}px on a 320px screen")
    assert problems == []


def test_a_glossary_term_in_a_lesson_is_reached_and_followed_with_the_keyboard(
    live_server, curriculum, browser
):
    page = new_page(browser, live_server)
    page.goto("/courses/states-and-cues/the-six-states/")
    link = page.locator(".lesson__body a.glossary-term").first
    # Screen readers announce where the link goes, not just the word.
    assert link.evaluate("a => a.textContent").endswith(", in the glossary")
    fragment = link.get_attribute("href").split("#", 1)[1]
    for _ in range(200):  # Tab through the page until the link has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('glossary-term')"):
            break
    else:
        raise AssertionError("the glossary link cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/glossary/#{fragment}")
    target = page.locator(":target")
    assert target.get_attribute("id") == fragment
    assert "glossary__term" in target.get_attribute("class")
    assert target.is_visible()
