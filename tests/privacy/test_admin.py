"""The "Erase a person" screens in the Wagtail admin: superusers only (404 for anyone else),
POST only, the email typed again and a reason; reachable from Settings, the users list and
the user's edit page."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from lms import privacy
from lms.personal_data import ERASED_NAME

from .conftest import PRIYA_EMAIL

pytestmark = pytest.mark.django_db
User = get_user_model()


def erase_url(person):
    return reverse("privacy_erase", args=[person.pk])


def erased(person) -> bool:
    return User.objects.get(pk=person.pk).erased_at is not None


@pytest.fixture
def editor(user_factory):
    """Someone with access to the Wagtail admin (e.g. a trainer) who is not a superuser."""
    group = Group.objects.create(name="Admin access only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    person = user_factory(display_name="Ed Editor")
    person.groups.add(group)
    return person


def test_only_superusers_reach_the_erasure_screens(client, world, editor):
    urls = [erase_url(world.priya), reverse("privacy_erase_find")]
    post = {"confirm_email": PRIYA_EMAIL, "reason": "DP-1"}
    for url in urls:  # signed out, or without admin access: Wagtail sends them to sign in
        assert reverse("account_login") in client.get(url)["Location"]
    for person in (world.manager, world.priya):
        client.force_login(person)
        for url in urls:
            assert reverse("account_login") in client.get(url)["Location"]
        assert client.post(erase_url(world.priya), post).status_code == 302
    client.force_login(editor)  # in the admin, but not a superuser: nothing to see here
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(erase_url(world.priya), post).status_code == 404
    assert not erased(world.priya)


def test_the_screen_explains_and_asks_for_the_email_again(client, world):
    client.force_login(world.admin)
    page = client.get(erase_url(world.priya))
    assert page.status_code == 200
    html = page.content.decode()
    assert PRIYA_EMAIL in html and "cannot be undone" in html
    assert 'name="confirm_email"' in html and 'name="reason"' in html

    wrong = client.post(
        erase_url(world.priya), {"confirm_email": "someone@else.org", "reason": "DP-1"}
    )
    assert wrong.status_code == 200
    assert "not this person&#x27;s email address" in wrong.content.decode()
    assert "DP-1" in wrong.content.decode()  # what was typed is kept
    assert not erased(world.priya)
    no_reason = client.post(erase_url(world.priya), {"confirm_email": PRIYA_EMAIL, "reason": ""})
    assert no_reason.status_code == 200 and not erased(world.priya)


def test_a_superuser_erases_with_the_email_and_a_reason(client, world):
    client.force_login(world.admin)
    response = client.post(
        erase_url(world.priya), {"confirm_email": PRIYA_EMAIL.upper(), "reason": "Request DP-7"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "wagtailusers_users:index"
    )
    assert erased(world.priya)
    entry = ModelLogEntry.objects.get(action=privacy.AUDIT_ERASE)
    assert entry.user_id == world.admin.pk and entry.data["reason"] == "Request DP-7"

    page = client.get(erase_url(world.priya))
    assert (
        "was erased on" in page.content.decode()
        and 'name="confirm_email"' not in page.content.decode()
    )
    again = client.post(erase_url(world.priya), {"confirm_email": "x", "reason": "again"})
    assert again.status_code == 302
    assert ModelLogEntry.objects.filter(action=privacy.AUDIT_ERASE).count() == 1


def test_a_superuser_cannot_erase_themselves_from_the_screen(client, world):
    client.force_login(world.admin)
    page = client.get(erase_url(world.admin))
    assert "cannot erase your own account" in page.content.decode()
    response = client.post(
        erase_url(world.admin), {"confirm_email": world.admin.email, "reason": "DP-1"}
    )
    assert response.status_code == 200 and not erased(world.admin)


def test_find_a_person_by_email(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("privacy_erase_find")).status_code == 200
    found = client.post(reverse("privacy_erase_find"), {"email": PRIYA_EMAIL.upper()})
    assert found.status_code == 302 and found["Location"] == erase_url(world.priya)
    missing = client.post(reverse("privacy_erase_find"), {"email": "nobody@example.org"})
    assert (
        missing.status_code == 200
        and "Nobody signs in with that address" in missing.content.decode()
    )


def test_the_erase_button_is_on_the_users_list_and_edit_page_for_superusers(client, world):
    client.force_login(world.admin)
    listing = client.get(reverse("wagtailusers_users:index")).content.decode()
    assert erase_url(world.priya) in listing
    assert erase_url(world.admin) not in listing  # not of oneself
    edit = client.get(reverse("wagtailusers_users:edit", args=[world.priya.pk])).content.decode()
    assert erase_url(world.priya) in edit
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("privacy_erase_find") in menu

    privacy.erase_person(person=world.gina, by=world.admin, reason="DP-2")
    listing = client.get(reverse("wagtailusers_users:index")).content.decode()
    assert erase_url(world.gina) not in listing and ERASED_NAME in listing
