import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lms.workforce import services
from lms.workforce.models import Invitation, Membership
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Invitation emails go out after commit: ``with commit(): ...`` runs those callbacks."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def manager(org_tree, make_member):
    return make_member(org_tree["trust"], is_manager=True).user


@pytest.fixture
def role(framework_tiers):
    return JobRoleFactory(
        code="health-visitor", name="Health visitor", required_tier=framework_tiers["T2"]
    )


def _link_from_last_email():
    match = re.search(r"http://testserver(/workforce/join/[^\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_manager_invites_by_email_and_invitee_lands_in_unit_and_role(
    client, manager, org_tree, role, commit
):
    client.force_login(manager)
    with commit():
        response = client.post(
            reverse("workforce:invite"),
            {
                "email": "New.Starter@Example.org",
                "display_name": "New Starter",
                "unit": org_tree["hv_team"].pk,
                "job_role": role.pk,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.starter@example.org"]
    link = _link_from_last_email()
    client.logout()

    page = client.get(link)
    assert page.status_code == 200 and b"Set up your account" in page.content
    response = client.post(
        link,
        {
            "display_name": "Nia Starter",
            "password1": "a-Long-new-passw0rd",
            "password2": "a-Long-new-passw0rd",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.starter@example.org")
    assert membership.unit == org_tree["hv_team"] and membership.job_role == role
    user = membership.user
    assert user.display_name == "Nia Starter" and user.check_password("a-Long-new-passw0rd")
    assert user.emailaddress_set.get().verified
    # Signed in through allauth straight away.
    assert client.get(reverse("account_profile")).status_code == 200

    # Single use: the same link again explains it has been used.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and b"already been used" in again.content


def test_setup_form_keeps_input_on_error(client, manager, org_tree, role, commit):
    with commit():
        services.invitation_create(
            invited_by=manager, email="a@example.org", unit=org_tree["hv_team"], job_role=role
        )
    link = _link_from_last_email()
    response = client.post(
        link, {"display_name": "Ann Example", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert b'value="Ann Example"' in response.content
    assert b"There is a problem" in response.content
    assert not Membership.objects.filter(user__email="a@example.org").exists()


def test_expired_link_is_refused(client, manager, org_tree, role, commit):
    with commit():
        invitation, _ = services.invitation_create(
            invited_by=manager, email="late@example.org", unit=org_tree["hv_team"], job_role=role
        )
    link = _link_from_last_email()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    response = client.get(link)
    assert response.status_code == 410 and b"expired" in response.content
    response = client.post(
        link,
        {
            "display_name": "Late",
            "password1": "a-Long-new-passw0rd",
            "password2": "a-Long-new-passw0rd",
        },
    )
    assert response.status_code == 410
    assert not Membership.objects.filter(user__email="late@example.org").exists()


def test_double_submit_sends_one_invitation(client, manager, org_tree, role, commit):
    client.force_login(manager)
    data = {"email": "twice@example.org", "unit": org_tree["hv_team"].pk, "job_role": role.pk}
    with commit():
        client.post(reverse("workforce:invite"), data)
        client.post(reverse("workforce:invite"), data)
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_resend_replaces_the_link(manager, org_tree, role, commit):
    with commit():
        invitation, _ = services.invitation_create(
            invited_by=manager, email="r@example.org", unit=org_tree["hv_team"], job_role=role
        )
    old_link = _link_from_last_email()
    with commit():
        services.invitation_resend(invitation=invitation, by=manager)
    new_link = _link_from_last_email()
    assert old_link != new_link
    assert services.invitation_for_token(old_link.split("/")[-2]) is None


def test_cannot_invite_outside_own_units(manager, org_tree, role):
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            invited_by=manager,
            email="x@example.org",
            unit=org_tree["family_support"],
            job_role=role,
        )


def test_existing_user_accepts_while_signed_in(client, manager, org_tree, role, commit):
    person = UserFactory(email="known@example.org")
    with commit():
        services.invitation_create(
            invited_by=manager, email="known@example.org", unit=org_tree["hv_team"], job_role=role
        )
    link = _link_from_last_email()
    assert b"Sign in to accept" in client.get(link).content
    client.force_login(person)
    assert b"Accept invitation" in client.get(link).content
    client.post(link)
    assert Membership.objects.filter(user=person, unit=org_tree["hv_team"]).exists()


def test_someone_else_cannot_use_the_link(client, manager, org_tree, role, commit):
    with commit():
        services.invitation_create(
            invited_by=manager, email="meant@example.org", unit=org_tree["hv_team"], job_role=role
        )
    link = _link_from_last_email()
    client.force_login(UserFactory(email="other@example.org"))
    assert b"for someone else" in client.get(link).content
    client.post(link)
    assert not Membership.objects.filter(unit=org_tree["hv_team"]).exclude(user=manager).exists()


def test_workforce_pages_are_404_for_non_managers(client, org_tree, make_member):
    practitioner = make_member(org_tree["hv_team"]).user
    client.force_login(practitioner)
    for url in [
        reverse("workforce:home"),
        reverse("workforce:invite"),
        reverse("workforce:import"),
        reverse("workforce:unit", args=[org_tree["hv_team"].pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_manager_cannot_open_unit_outside_scope(client, manager, org_tree):
    client.force_login(manager)
    assert client.get(reverse("workforce:unit", args=[org_tree["hv_team"].pk])).status_code == 200
    assert client.get(reverse("workforce:unit", args=[org_tree["council"].pk])).status_code == 404
