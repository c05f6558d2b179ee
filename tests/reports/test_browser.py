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


def test_outcomes_page_with_a_past_date_is_accessible(browser, live_server, population):
    """The manager follows the dashboard's link to coverage over time, picks a past date and
    reads the quarterly table and charts; also at phone width (reflow)."""
    page = new_page(browser, live_server, population.trust_manager)
    page.goto("/reports/")
    page.get_by_role(
        "link", name="Coverage over time: on a past date and quarter by quarter"
    ).click()
    page.wait_for_url("**/reports/outcomes/**")
    assert page.locator("h1").inner_text().startswith("Coverage over time")
    page.get_by_role("textbox", name="Coverage on (optional)").fill("2026-03-31")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**on=2026-03-31**")
    assert "Coverage on 31 March 2026" in page.content()
    assert page.locator("svg.trend-chart title").count() >= 2
    assert_accessible(page)
    assert layout_problems(page) == []
    phone = new_page(browser, live_server, population.region_lead, viewport=PHONE)
    phone.goto("/reports/outcomes/")
    assert_accessible(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
