import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_signup_requires_email_verification(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Nia Example",
            "email": "nia@example.org",
            "password1": "a-Long-new-passw0rd",
            "password2": "a-Long-new-passw0rd",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nia@example.org")
    assert user.display_name == "Nia Example"
    assert not EmailAddress.objects.get(user=user).verified
    # Cannot sign in until the address is confirmed.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "nia@example.org", "password": "a-Long-new-passw0rd"}
    )
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    client.post(link.group(1))
    assert EmailAddress.objects.get(user=user).verified


def test_login_with_email_and_password(client):
    user = UserFactory(email="hv@example.org")
    response = client.post(
        reverse("account_login"), {"login": "HV@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_are_rate_limited(client):
    UserFactory(email="target@example.org")
    pages = [
        client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong-password"}
        ).content
        for _ in range(6)
    ]
    assert b"Too many failed login attempts" not in pages[0]
    assert b"Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_mfa_totp_enrolment_and_login_challenge(client):
    from allauth.mfa.totp.internal.auth import hotp_value

    user = UserFactory()
    client.force_login(user)
    # Setting up MFA asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    import time

    code = f"{hotp_value(secret, int(time.time()) // 30):06d}"
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_wagtail_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.url.startswith(reverse("account_login"))
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    # Posting credentials to the admin login never signs anyone in past allauth.
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_django_admin_login_goes_through_allauth(client):
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_admin_signed_in_through_allauth_reaches_wagtail(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": admin.email, "password": PASSWORD}
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_profile_updates_display_name_and_keeps_input_on_error(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("account_profile"), {"display_name": ""})
    assert response.status_code == 200 and b"There is a problem" in response.content
    client.post(reverse("account_profile"), {"display_name": "Dr Jo Bloggs"})
    user.refresh_from_db()
    assert user.display_name == "Dr Jo Bloggs"


PROXY = "10.0.0.1"


def _failed_login_through_proxy(client, forwarded_for: str, number: int) -> bytes:
    return client.post(
        reverse("account_login"),
        {"login": f"nobody{number}@example.org", "password": "wrong-password"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    ).content


def test_behind_a_trusted_proxy_sign_in_limits_count_each_client_not_the_proxy(client, settings):
    """With TRUSTED_PROXY_COUNT=1 every request comes from the proxy's address; the per-address
    limit (10 failed sign-ins a minute) must count the client the proxy names, so one client is
    stopped and another behind the same proxy is not. A client cannot dodge the limit by sending
    an X-Forwarded-For of its own: the proxy appends the real address, and that is the one used."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    limited = b"Too many failed login attempts"
    pages = [_failed_login_through_proxy(client, f"192.0.2.{n}, 203.0.113.5", n) for n in range(11)]
    assert limited not in pages[0]
    assert limited in pages[-1]
    assert limited not in _failed_login_through_proxy(client, "198.51.100.7", 99)
