"""Single sign-on in a real browser (Chromium) against the real identity providers: from the
sign-in page's "Sign in with ..." button, through the provider's own sign-in page, back to
/learn/ signed in; the sign-in page and the refusal page pass the accessibility check."""

import pytest

from tests.browser import assert_accessible, new_page
from tests.sso.conftest import running_oidc_idp, running_saml_idp
from tests.sso.test_oidc import configure_riverside
from tests.sso.test_saml import configure_northshire

# Transactional, as every test served by a live server; the data migrations' rows are restored
# after it (serialized_rollback), as later transactional tests expect them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_sign_in_through_openid_connect(browser, live_server, org_tree):
    with running_oidc_idp(live_server.url) as issuer:
        configure_riverside(org_tree, issuer)
        page = new_page(browser, live_server)
        page.goto("/accounts/login/")
        assert_accessible(page, "sign-in page with single sign-on")
        page.get_by_role("button", name="Sign in with Riverside NHS Trust").click()
        # The provider's own sign-in and consent pages.
        page.locator("input[name=login]").fill("amara.okafor@riverside.nhs.uk")
        page.locator("input[name=password]").fill("anything")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{live_server.url}/learn/")
        assert "Amara Okafor" in page.content()


def test_sign_in_through_saml_and_a_refusal(browser, live_server, org_tree):
    with running_saml_idp(live_server.url) as idp:
        configure_northshire(org_tree, idp)
        page = new_page(browser, live_server)
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with Northshire Council").click()
        page.locator("input[name=login]").fill("jo.bright@northshire.gov.uk")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{live_server.url}/learn/")
        assert "Jo Bright" in page.content()

        other = new_page(browser, live_server)
        other.goto("/accounts/login/")
        other.get_by_role("button", name="Sign in with Northshire Council").click()
        other.locator("input[name=login]").fill("someone@elsewhere.example.org")
        other.get_by_role("button", name="Sign in").click()
        other.get_by_role("button", name="Continue").click()
        other.get_by_role("heading", name="You could not be signed in").wait_for()
        assert_accessible(other, "single sign-on refusal page")
