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
