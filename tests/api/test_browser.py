"""The tokens page and the API's documentation page in Chromium with axe-core (WCAG 2.2 AA):
an organisation administrator makes a token, copies it, sees it listed and revokes it; the
documentation page reads well at phone width too."""

import pytest
from django.test import Client

from lms.api.models import ApiToken
from tests.browser import PHONE, assert_accessible, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_administrator_makes_uses_and_revokes_a_token(
    browser, live_server, population, trust_admin
):
    page = new_page(browser, live_server, trust_admin)
    page.goto("/learn/")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/api/tokens/")
    assert_accessible(page, "tokens page, empty")

    # A mistake keeps what was typed and says what to fix.
    page.get_by_label("Name").fill("Power BI coverage refresh")
    page.get_by_role("button", name="Make the token").click()
    assert "Choose at least one" in page.content() or "This field is required" in page.content()
    assert page.get_by_label("Name").input_value() == "Power BI coverage refresh"
    assert_accessible(page, "tokens page with an error")

    page.get_by_label("Riverside NHS Trust (organisation)").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("imh_")
    assert_accessible(page, "tokens page showing a new token")

    answer = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/coverage/")
    assert answer.status_code == 200

    page.goto("/api/tokens/")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Power BI coverage refresh").click()
    assert "has been revoked" in page.content()
    assert ApiToken.objects.get().revoked_at is not None
    assert_accessible(page, "tokens page after revoking")


def test_documentation_page(browser, live_server, db):
    page = new_page(browser, live_server, viewport=PHONE)
    page.goto("/api/v1/docs/")
    assert page.locator("h1").inner_text() == "Reporting API"
    assert "GET /api/v1/completions/" in page.content()
    assert_accessible(page, "API documentation")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
