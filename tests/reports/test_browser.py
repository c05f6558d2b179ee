"""The demo path in Chromium with axe-core (WCAG 2.2 AA): a manager opens the dashboard, drills
into who is overdue, opens a person's record and downloads the list; a regional lead sees the
region without names. Also at phone width (reflow)."""

import re

import pytest

from tests.browser import PHONE, assert_accessible, layout_problems, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Chromium puts a space before the visually hidden part of the link text.
SEE_OVERDUE = re.compile(r"^See who\s*: overdue$")


def test_manager_drills_into_who_is_overdue_and_exports_it(browser, live_server, population):
    page = new_page(browser, live_server, population.trust_manager)
    page.goto("/reports/")
    assert page.locator("h1").inner_text().startswith("Training coverage")
    assert "As at" in page.content()
    assert_accessible(page)

    page.get_by_role("link", name=SEE_OVERDUE).click()
    page.wait_for_url("**/reports/people/**")
    assert page.locator("h1").inner_text() == "Overdue"
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV of this list").click()
    assert download.value.suggested_filename.endswith(".csv")

    page.get_by_role("link", name="Cat Overdue").click()
    assert page.locator("h1").inner_text() == "Training record: Cat Overdue"
    assert_accessible(page)


def test_regional_lead_and_phone_width(browser, live_server, population):
    page = new_page(browser, live_server, population.region_lead, viewport=PHONE)
    page.goto("/reports/")
    assert "Northshire Council" in page.content()
    assert page.get_by_role("link", name=SEE_OVERDUE).count() == 0
    assert_accessible(page)
    # Reflow: nothing but the tables' own scroll areas is wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1


def test_wide_tables_scroll_in_a_labelled_region_with_the_first_column_in_view(
    browser, live_server, population
):
    """At 1280 px the report tables fit, or scroll inside their own labelled region with the
    first column kept in view; the page itself never scrolls sideways."""
    page = new_page(browser, live_server, population.trust_manager)
    person = population.people[3]
    for url in ("/reports/", "/reports/people/", f"/reports/people/{person.pk}/"):
        page.goto(url)
        assert layout_problems(page) == [], url
    assert_accessible(page)
