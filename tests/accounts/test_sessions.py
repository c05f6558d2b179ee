"""Sessions on shared computers: the idle timeout (shorter for privileged roles), the absolute
lifetime, the status endpoint behind the warning, and the signed-in devices page. Time passes
by moving the session's own timestamps back, never by sleeping."""

import time

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from lms.accounts import sessions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINUTE = 60


def go_back(client, *, seen=None, started=None):
    """Pretend the last activity (``seen``) or the sign-in (``started``) was so many seconds
    ago."""
    session = client.session
    now = time.time()
    if seen is not None:
        session[sessions.SEEN] = now - seen
    if started is not None:
        session[sessions.STARTED] = now - started
    session.save()


@pytest.fixture
def practitioner(org_tree, make_member):
    return make_member(org_tree["hv_team"]).user


@pytest.fixture
def manager(org_tree, make_member):
    return make_member(org_tree["trust"], is_manager=True).user


def test_defaults_are_thirty_minutes_fifteen_for_privileged_roles_and_twelve_hours(settings):
    from lms.settings import base

    assert base.SESSION_IDLE_MINUTES == 30
    assert base.SESSION_IDLE_MINUTES_PRIVILEGED == 15
    assert base.SESSION_LIFETIME_HOURS == 12
    assert base.SESSION_COOKIE_AGE == 12 * 3600
    assert 20 <= base.SESSION_WARNING_SECONDS < 15 * 60  # WCAG 2.2.1: at least 20 seconds


def test_signing_in_starts_the_clocks(client, practitioner, manager):
    client.force_login(practitioner)
    assert client.session[sessions.IDLE] == 30 * MINUTE
    assert abs(client.session[sessions.STARTED] - time.time()) < 5
    client.force_login(manager)
    assert client.session[sessions.IDLE] == 15 * MINUTE


def test_signing_in_with_a_password_starts_the_clocks(client, password):
    user = UserFactory(password=password)
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert client.session[sessions.IDLE] == 30 * MINUTE


def test_an_active_person_stays_signed_in_and_each_request_counts(client, practitioner):
    client.force_login(practitioner)
    go_back(client, seen=29 * MINUTE)
    assert client.get("/learn/").status_code == 200
    # The request counted as activity: another 29 minutes later they are still signed in.
    assert time.time() - client.session[sessions.SEEN] < 5
    go_back(client, seen=29 * MINUTE)
    assert client.get("/learn/").status_code == 200


def test_after_thirty_idle_minutes_the_next_page_asks_to_sign_in_again(client, practitioner):
    client.force_login(practitioner)
    go_back(client, seen=31 * MINUTE)
    response = client.get("/learn/?tab=done")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Flearn%2F%3Ftab%3Ddone"
    page = client.get(response.url).content.decode()
    assert "you had not used the site for 30 minutes" in page
    assert "kept as a draft" in page
    # Signed out for good: the session is gone, not just this response.
    assert "_auth_user_id" not in client.session
    assert client.get("/learn/").status_code == 302


def test_privileged_roles_time_out_after_fifteen_minutes(client, manager, practitioner):
    client.force_login(manager)
    go_back(client, seen=16 * MINUTE)
    response = client.get("/learn/")
    assert response.url.startswith(reverse("account_login"))
    assert "for 15 minutes" in client.get(response.url).content.decode()

    client.force_login(practitioner)
    go_back(client, seen=16 * MINUTE)
    assert client.get("/learn/").status_code == 200


def test_the_limits_are_settings(client, practitioner, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(practitioner)
    go_back(client, seen=6 * MINUTE)
    assert client.get("/learn/").status_code == 302


def test_no_session_outlives_its_absolute_lifetime_however_active(client, practitioner):
    client.force_login(practitioner)
    go_back(client, started=12 * 3600 - MINUTE, seen=0)
    assert client.get("/learn/").status_code == 200
    go_back(client, started=12 * 3600 + 1, seen=0)
    response = client.get("/learn/")
    assert response.url.startswith(reverse("account_login"))
    assert "signed in for 12 hours" in client.get(response.url).content.decode()


def test_a_form_sent_after_the_timeout_returns_to_its_page_after_signing_in(client, practitioner):
    client.force_login(practitioner)
    go_back(client, seen=31 * MINUTE)
    response = client.post(
        reverse("account_profile"),
        {"display_name": "New name"},
        HTTP_REFERER="http://testserver/accounts/profile/",
    )
    assert response.url == reverse("account_login") + "?next=%2Faccounts%2Fprofile%2F"
    practitioner.refresh_from_db()
    assert practitioner.display_name != "New name"


def test_a_session_from_before_the_limits_starts_its_clocks_on_its_next_request(
    client, practitioner
):
    client.force_login(practitioner)
    session = client.session
    for key in (sessions.STARTED, sessions.SEEN, sessions.IDLE):
        del session[key]
    session.save()
    assert client.get("/learn/").status_code == 200
    assert client.session[sessions.IDLE] == 30 * MINUTE


def test_status_check_is_not_activity_and_stay_signed_in_is(client, practitioner):
    client.force_login(practitioner)
    go_back(client, seen=28 * MINUTE)
    url = reverse("account_session")
    status = client.get(url, HTTP_X_SESSION_PASSIVE="1").json()
    assert 100 < status["remaining"] <= 2 * MINUTE
    assert status["idle_limit"] == 30 * MINUTE
    # Asking did not keep the session alive...
    assert time.time() - client.session[sessions.SEEN] > 27 * MINUTE
    # ... "Stay signed in" does.
    stayed = client.post(url).json()
    assert stayed["remaining"] > 29 * MINUTE
    go_back(client, seen=29 * MINUTE)
    assert client.get("/learn/").status_code == 200


def test_status_check_after_the_timeout_answers_401_json(client, practitioner):
    client.force_login(practitioner)
    go_back(client, seen=31 * MINUTE)
    response = client.get(reverse("account_session"), HTTP_X_SESSION_PASSIVE="1")
    assert response.status_code == 401
    assert response.json()["signed_out"] is True
    assert client.get(reverse("account_session")).status_code == 403  # signed out now


def test_every_signed_in_page_carries_the_warning_and_none_for_visitors(client, practitioner):
    assert 'id="session-timeout"' not in client.get("/accounts/login/").content.decode()
    client.force_login(practitioner)
    go_back(client, seen=10 * MINUTE)
    page = client.get("/learn/").content.decode()
    assert 'id="session-timeout"' in page and "Stay signed in" in page
    assert 'data-warning="180"' in page


def test_admin_pages_carry_the_warning_too(client, user_factory):
    """Trainers editing in the Wagtail admin are warned before the timeout like everyone else
    (with the privileged fifteen minutes)."""
    editor = user_factory(is_staff=True, is_superuser=True)
    client.force_login(editor)
    page = client.get("/admin/").content.decode()
    assert page.count('id="session-timeout"') == 1 and "Stay signed in" in page
    assert "lms/session-timeout.js" in page and "lms/admin-session.css" in page
    assert 'data-idle-remaining="900"' in page or 'data-idle-remaining="899"' in page


def test_signed_in_devices_lists_sessions_and_signs_out_the_others(password):
    user = UserFactory(password=password)
    clinic, home = Client(HTTP_USER_AGENT="Clinic PC"), Client(HTTP_USER_AGENT="Home laptop")
    for device in (clinic, home):
        device.post(reverse("account_login"), {"login": user.email, "password": password})
        assert device.get("/learn/").status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2

    page = home.get(reverse("usersessions_list")).content.decode()
    assert "Clinic PC" in page and "Home laptop" in page
    # The profile page links to it.
    assert reverse("usersessions_list") in home.get(reverse("account_profile")).content.decode()

    home.post(reverse("usersessions_list"))  # "Sign out of all other sessions"
    assert home.get("/learn/").status_code == 200
    assert clinic.get("/learn/").status_code == 302
    assert list(UserSession.objects.filter(user=user).values_list("user_agent", flat=True)) == [
        "Home laptop"
    ]


def test_other_peoples_sessions_are_not_listed(password):
    someone, other = UserFactory(password=password), UserFactory(password=password)
    mine, theirs = Client(HTTP_USER_AGENT="Mine"), Client(HTTP_USER_AGENT="Theirs")
    mine.post(reverse("account_login"), {"login": someone.email, "password": password})
    theirs.post(reverse("account_login"), {"login": other.email, "password": password})
    assert "Theirs" not in mine.get(reverse("usersessions_list")).content.decode()
