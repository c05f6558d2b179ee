"""The idle-timeout warning in Chromium, with axe-core (WCAG 2.2 AA): it appears a few minutes
before the session would end, takes focus, answers the keyboard, keeps the session when asked
and, when nobody answers, leaves the page; what was being typed comes back after signing in.

The page's clock is Playwright's (fast-forwarded); the server's is moved by setting the
session's own timestamps back, as in test_sessions.py."""

import re
import time
from importlib import import_module

import pytest
from django.conf import settings

from lms.accounts import sessions
from lms.drafts.models import FormDraft
from supervision.models import SessionAttendance
from tests.browser import assert_accessible, new_page
from tests.factories import UserFactory
from tests.supervision.factories import make_agreement, make_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = "When the baby turned away I wanted to fill the silence."


def server_session(page):
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def idle_for(page, seconds):
    """The server's view: the last activity was ``seconds`` ago."""
    store = server_session(page)
    store[sessions.SEEN] = time.time() - seconds
    store.save()


SIGN_IN = re.compile("^sign in$", re.IGNORECASE)
DRAFTS = "/accounts/drafts/"
STATUS = "/accounts/session/"


def test_warning_stay_signed_in_and_a_draft_kept_across_the_timeout(
    browser, live_server, org_tree, password
):
    supervisor = UserFactory(display_name="Sam Supervisor")
    supervisee = UserFactory(display_name="Priya Practitioner", password=password)
    session = make_session(make_agreement(supervisor, [supervisee]), signed_off=False)
    url = f"/supervision/sessions/{session.pk}/reflection/"

    page = new_page(browser, live_server, supervisee)
    page.clock.install()
    page.goto(url)
    dialog = page.get_by_role("dialog", name="Are you still there?")
    assert not dialog.is_visible()
    assert_accessible(page)
    # Typing is saved as a draft within 30 seconds (and counts as activity).
    with page.expect_response(lambda r: r.url.endswith(DRAFTS) and r.request.method == "POST"):
        page.get_by_label("Your reflection").fill(TEXT)
        page.clock.run_for(31_000)
    assert FormDraft.objects.get(user=supervisee, key=url).fields["reflection"] == TEXT

    # 27.5 minutes without activity: the warning shows, with the focus on "Stay signed in".
    idle_for(page, 27.5 * 60)
    with page.expect_response(lambda r: r.url.endswith(STATUS)):
        page.clock.fast_forward("27:01")
    dialog.wait_for()
    stay = dialog.get_by_role("button", name="Stay signed in")
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    assert "signed out in" in dialog.inner_text()
    assert_accessible(page, "the timeout warning")
    # Neither the check nor the warning counted as activity.
    assert time.time() - server_session(page)[sessions.SEEN] > 27 * 60

    # The keyboard alone keeps the session: Enter on the focused button.
    with page.expect_response(lambda r: r.url.endswith(STATUS) and r.request.method == "POST"):
        page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert time.time() - server_session(page)[sessions.SEEN] < 60
    assert stay.is_hidden()

    # Escape also means "stay" (it would otherwise hide a countdown that keeps running).
    idle_for(page, 27.5 * 60)
    page.clock.fast_forward("27:01")
    dialog.wait_for()
    with page.expect_response(lambda r: r.url.endswith(STATUS) and r.request.method == "POST"):
        page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert time.time() - server_session(page)[sessions.SEEN] < 60

    # Nobody answers this time: the page leaves for the sign-in page, saying why, without
    # asking whether to leave the unsaved form (that would keep it on a shared screen).
    questions = []
    page.on("dialog", lambda d: (questions.append(d.type), d.dismiss()))
    idle_for(page, 31 * 60)
    page.clock.fast_forward("27:01")
    page.wait_for_url("**/accounts/login/?next=*")
    assert "you had not used the site for 30 minutes" in page.content()
    assert questions == []
    assert_accessible(page, "sign-in after a timeout")

    # Signing in again returns to the form with what was typed.
    page.get_by_label("Email").fill(supervisee.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(f"**{url}")
    field = page.get_by_label("Your reflection")
    page.get_by_text("We kept what you were typing").wait_for()
    assert field.input_value() == TEXT
    assert_accessible(page, "the form with its draft restored")

    # Saving the form discards the draft.
    page.get_by_role("button", name="Save reflection").click()
    page.wait_for_url(f"**/supervision/sessions/{session.pk}/")
    assert SessionAttendance.objects.get(supervisee=supervisee).reflection == TEXT
    assert not FormDraft.objects.exists()


def test_signed_in_devices_page_is_accessible(browser, live_server, org_tree):
    from allauth.usersessions.models import UserSession

    user = UserFactory()
    page, other = new_page(browser, live_server, user), new_page(browser, live_server, user)
    # Signing in through allauth records each session; these were signed in directly.
    for agent, signed_in in (("Clinic PC", other), ("Home laptop", page)):
        key = server_session(signed_in).session_key
        UserSession.objects.create(user=user, session_key=key, ip="127.0.0.1", user_agent=agent)
    page.goto("/accounts/sessions/")
    page.get_by_role("button", name="Sign Out Other Sessions").wait_for()
    assert_accessible(page, "signed-in devices")


# --- Passkeys ----------------------------------------------------------------------------------


def virtual_authenticator(page):
    """Chromium's virtual authenticator (DevTools WebAuthn domain): a platform passkey
    provider that verifies its user and answers without a prompt."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def sign_in_with_password(page, user, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=SIGN_IN).click()


def test_a_manager_registers_a_passkey_and_signs_in_with_it(
    browser, live_server, org_tree, make_member, password, settings
):
    from allauth.mfa.models import Authenticator

    settings.MFA_REQUIRED_FOR_PRIVILEGED_ROLES = True
    manager = make_member(org_tree["trust"], is_manager=True).user
    manager.set_password(password)
    manager.save()

    page = new_page(browser, live_server)
    cdp, authenticator = virtual_authenticator(page)

    # A manager without a second factor is asked to add one: a passkey will do.
    sign_in_with_password(page, manager, password)
    page.goto("/workforce/")
    page.wait_for_url("**/accounts/2fa/")
    assert "add a passkey or an authenticator app" in page.content()
    assert_accessible(page, "two-factor authentication")
    page.goto("/accounts/2fa/webauthn/add/")
    # allauth asks for the password again before a new authenticator is added.
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    assert_accessible(page, "add a passkey")
    page.get_by_label("Name").fill("Clinic laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=manager, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Clinic laptop"
    # Recovery codes stay: they are made with the first authenticator.
    assert Authenticator.objects.filter(
        user=manager, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    assert (
        len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"])
        == 1
    )
    page.goto("/workforce/")
    assert page.url.endswith("/workforce/")

    # Password, then the passkey as the second factor.
    page.context.clear_cookies()
    sign_in_with_password(page, manager, password)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert_accessible(page, "the second factor")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/workforce/")
    assert page.url.endswith("/workforce/")

    # The passkey alone, from the sign-in page.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/workforce/")
    assert page.url.endswith("/workforce/")
