"""Single sign-on through SAML 2.0 against a real identity provider (samlify on loopback): the
SP-initiated flow with a signed assertion, just-in-time accounts placed in the organisation,
and refusals of a tampered, replayed or expired response and a wrong audience, each with a
clear page and an audit entry."""

import base64

import pytest
from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from wagtail.models import ModelLogEntry

from lms.accounts.models import OrganisationSignOn
from lms.workforce.models import Membership
from tests.sso.conftest import SAML_SLUG
from tests.sso.flow import round_trip

pytestmark = pytest.mark.django_db
LOGIN_PATH = f"/accounts/saml/{SAML_SLUG}/login/"
EMAIL = "jo.bright@northshire.gov.uk"


@pytest.fixture
def client(client):
    # As a browser does, name the host (python3-saml reads it from the request).
    client.defaults["HTTP_HOST"] = "testserver"
    return client


def configure_northshire(org_tree, saml_idp):
    app = SocialApp.objects.create(
        provider="saml",
        provider_id=f"saml-{SAML_SLUG}",
        name="Northshire Council",
        client_id=SAML_SLUG,
        settings={
            "idp": {
                "entity_id": saml_idp["entity_id"],
                "sso_url": saml_idp["sso_url"],
                "x509cert": saml_idp["x509cert"],
            },
            "attribute_mapping": {
                "uid": "email",
                "email": "email",
                "email_verified": "email_verified",
                "name": "name",
            },
            "advanced": {"want_assertion_signed": True, "allow_single_label_domains": True},
        },
    )
    return OrganisationSignOn.objects.create(
        app=app, organisation=org_tree["council"], email_domains="northshire.gov.uk"
    )


@pytest.fixture
def northshire_sso(org_tree, saml_idp):
    return configure_northshire(org_tree, saml_idp)


def response_from_idp(client, email=EMAIL, **fill):
    """Press "Sign in with Northshire Council" and sign in at the identity provider; returns
    the signed response it posts back."""
    response = client.post(LOGIN_PATH)
    assert response.status_code == 302
    back = round_trip(response["Location"], {"login": email, "password": "anything", **fill})
    assert back["method"] == "post" and back["url"].endswith(f"/saml/{SAML_SLUG}/acs/")
    return back["data"]


def post_to_acs(client, data):
    response = client.post(f"/accounts/saml/{SAML_SLUG}/acs/", data)
    assert response.status_code == 302
    return client.get(response["Location"])


def refusals(app):
    return ModelLogEntry.objects.filter(action="accounts.sso_refused", object_id=str(app.pk))


def test_first_sign_in_makes_the_account_in_the_organisation(client, northshire_sso):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Northshire Council" in page

    response = post_to_acs(client, response_from_idp(client))
    assert response.status_code == 302 and response["Location"] == "/learn/"
    user = get_user_model().objects.get(email=EMAIL)
    assert user.display_name == "Jo Bright"
    membership = Membership.objects.get(user=user)
    assert membership.unit == northshire_sso.organisation and membership.job_role is None
    assert client.get("/learn/").context["user"] == user


def test_a_replayed_response_is_refused(client, northshire_sso):
    data = response_from_idp(client)
    assert post_to_acs(client, data)["Location"] == "/learn/"
    client.logout()
    response = post_to_acs(client, data)
    assert response.status_code == 403
    assert "could not sign you in with your organisation" in response.content.decode()
    assert refusals(northshire_sso.app).exists()


def test_a_tampered_response_is_refused(client, northshire_sso):
    data = response_from_idp(client)
    xml = base64.b64decode(data["SAMLResponse"]).decode()
    assert EMAIL in xml
    xml = xml.replace(EMAIL, "chief.executive@northshire.gov.uk")
    data["SAMLResponse"] = base64.b64encode(xml.encode()).decode()
    response = post_to_acs(client, data)
    assert response.status_code == 403
    assert "could not sign you in with your organisation" in response.content.decode()
    assert not get_user_model().objects.filter(email__endswith="@northshire.gov.uk").exists()
    assert refusals(northshire_sso.app).exists()


def test_an_expired_assertion_is_refused(client, northshire_sso):
    response = post_to_acs(client, response_from_idp(client, lifetime="-10"))
    assert response.status_code == 403
    assert "could not sign you in with your organisation" in response.content.decode()
    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert "expired" in refusals(northshire_sso.app).get().data["detail"].lower()


def test_a_wrong_audience_is_refused(client, northshire_sso):
    data = response_from_idp(client)
    # The site now calls itself something else than the audience the assertion is for.
    app = northshire_sso.app
    app.settings["sp"] = {"entity_id": "https://another-service.example.org/saml/"}
    app.save()
    response = post_to_acs(client, data)
    assert response.status_code == 403
    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert "audience" in str(refusals(app).get().data).lower()


def test_an_unknown_domain_is_refused(client, northshire_sso):
    response = post_to_acs(client, response_from_idp(client, "someone@elsewhere.example.org"))
    assert response.status_code == 403
    assert "not at one of the domains" in response.content.decode()
    assert refusals(northshire_sso.app).get().data["reason"] == "unknown_domain"
