"""Single sign-on through OpenID Connect against a real provider (node-oidc-provider on
loopback): the authorisation-code flow with PKCE, just-in-time accounts placed in the
organisation, linking to an existing account, and refusals with a clear page and an audit
entry."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from wagtail.models import ModelLogEntry

from lms.accounts.models import OrganisationSignOn
from lms.workforce.models import Membership
from tests.sso.conftest import OIDC_CLIENT, OIDC_PROVIDER_ID
from tests.sso.flow import round_trip

pytestmark = pytest.mark.django_db
LOGIN_PATH = f"/accounts/oidc/{OIDC_PROVIDER_ID}/login/"


def configure_riverside(org_tree, issuer):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=OIDC_PROVIDER_ID,
        name="Riverside NHS Trust",
        client_id=OIDC_CLIENT["client_id"],
        secret=OIDC_CLIENT["client_secret"],
        settings={"server_url": issuer, "oauth_pkce_enabled": True},
    )
    return OrganisationSignOn.objects.create(
        app=app, organisation=org_tree["trust"], email_domains="riverside.nhs.uk"
    )


@pytest.fixture
def riverside_sso(org_tree, oidc_idp):
    return configure_riverside(org_tree, oidc_idp)


def sign_in_at_idp(client, email):
    """Press "Sign in with Riverside NHS Trust", sign in at the provider and consent; returns
    the callback address the provider sends the browser back to."""
    response = client.post(LOGIN_PATH)
    assert response.status_code == 302
    authorise = response["Location"]
    query = dict(parse_qsl(urlsplit(authorise).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    back = round_trip(authorise, {"login": email, "password": "anything"})
    assert back["method"] == "get"
    return back["url"].removeprefix("http://testserver")


def refusals(app):
    return ModelLogEntry.objects.filter(action="accounts.sso_refused", object_id=str(app.pk))


def test_login_page_offers_the_organisations_account(client, riverside_sso, oidc_idp):
    response = client.get("/accounts/login/")
    page = response.content.decode()
    # Browsers apply form-action to the redirect on to the provider.
    assert f"form-action 'self' {oidc_idp};" in response["Content-Security-Policy"]
    assert "Sign in with your organisation's account" in page
    assert "Sign in with Riverside NHS Trust" in page
    assert f'action="{LOGIN_PATH}' in page
    # Opened as a link, the provider's address asks before leaving the site.
    confirm = client.get(LOGIN_PATH).content.decode()
    assert "Sign in with Riverside NHS Trust</h1>" in confirm and "Continue" in confirm


def test_first_sign_in_makes_the_account_in_the_organisation(client, riverside_sso, user_factory):
    response = client.get(sign_in_at_idp(client, "amara.okafor@riverside.nhs.uk"))
    assert response.status_code == 302 and response["Location"] == "/learn/"
    user = get_user_model().objects.get(email="amara.okafor@riverside.nhs.uk")
    assert user.display_name == "Amara Okafor"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert membership.unit == riverside_sso.organisation and membership.job_role is None
    assert client.get("/learn/").context["user"] == user
    assert ModelLogEntry.objects.filter(action="accounts.sso_joined", object_id=str(user.pk))

    # Signing in again uses the same account and adds nothing.
    client.logout()
    response = client.get(sign_in_at_idp(client, "amara.okafor@riverside.nhs.uk"))
    assert response["Location"] == "/learn/"
    assert get_user_model().objects.filter(email__iexact=user.email).count() == 1
    assert Membership.objects.filter(user=user).count() == 1

    # The organisation's administrators see them as needing a team and role.
    from lms.workforce import services as workforce_services

    admin = user_factory(display_name="Tia Trustadmin")
    site_admin = user_factory(is_staff=True, is_superuser=True)
    workforce_services.administrator_grant(
        user=admin, unit=riverside_sso.organisation, by=site_admin
    )
    client.force_login(admin)
    page = client.get(f"/workforce/units/{riverside_sso.organisation.pk}/").content.decode()
    assert "Amara Okafor <span" in page and "Needs a team and role" in page

    # Erasing the person's data removes the link to the provider too.
    from lms.accounts import privacy

    assert privacy.erase(user)["single_sign_on_links_deleted"] == 1
    assert not SocialAccount.objects.filter(user=user).exists()


def test_an_existing_account_with_the_same_email_is_linked(
    client, riverside_sso, user_factory, make_member
):
    existing = user_factory(email="amara.okafor@riverside.nhs.uk", display_name="Amara O.")
    make_member(riverside_sso.organisation, user=existing)
    response = client.get(sign_in_at_idp(client, "Amara.Okafor@riverside.nhs.uk".lower()))
    assert response["Location"] == "/learn/"
    assert get_user_model().objects.filter(email="amara.okafor@riverside.nhs.uk").count() == 1
    assert SocialAccount.objects.get(provider=OIDC_PROVIDER_ID).user == existing
    assert existing.has_usable_password()  # the local password stays available
    assert client.get("/learn/").context["user"] == existing


def test_an_unknown_domain_is_refused(client, riverside_sso):
    response = client.get(sign_in_at_idp(client, "someone@elsewhere.example.org"))
    assert response.status_code == 403
    assert "not at one of the domains" in response.content.decode()
    assert not get_user_model().objects.filter(email="someone@elsewhere.example.org").exists()
    assert refusals(riverside_sso.app).get().data["reason"] == "unknown_domain"


@pytest.mark.parametrize("tamper", ["state", "code"])
def test_a_tampered_callback_is_refused(client, riverside_sso, tamper):
    callback = sign_in_at_idp(client, "amara.okafor@riverside.nhs.uk")
    path, _, query = callback.partition("?")
    params = dict(parse_qsl(query))
    params[tamper] = params[tamper][:-4] + "AAAA"
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 403
    assert "could not sign you in with your organisation" in response.content.decode()
    assert not get_user_model().objects.filter(email="amara.okafor@riverside.nhs.uk").exists()
    assert refusals(riverside_sso.app).exists()


def test_an_expired_id_token_is_refused(client, riverside_sso, monkeypatch):
    """The provider's ID token has expired by the time it is checked (here the site's clock is
    two hours ahead of the provider's, longer than the token lives): refused with the page and an
    audit entry, and no account is made."""
    from datetime import UTC, datetime, timedelta

    import jwt.api_jwt

    callback = sign_in_at_idp(client, "amara.okafor@riverside.nhs.uk")

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz or UTC) + timedelta(hours=2)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    response = client.get(callback)
    assert response.status_code == 403
    assert "could not sign you in with your organisation" in response.content.decode()
    assert not get_user_model().objects.filter(email="amara.okafor@riverside.nhs.uk").exists()
    assert "id_token" in refusals(riverside_sso.app).get().data["detail"]


def test_an_organisation_can_require_single_sign_on(client, riverside_sso, user_factory, password):
    user_factory(email="amara.okafor@riverside.nhs.uk")
    riverside_sso.required = True
    riverside_sso.save()
    response = client.post(
        "/accounts/login/", {"login": "amara.okafor@riverside.nhs.uk", "password": password}
    )
    assert response.status_code == 200
    assert "“Sign in with Riverside NHS Trust”" in response.content.decode()
    assert "_auth_user_id" not in client.session
