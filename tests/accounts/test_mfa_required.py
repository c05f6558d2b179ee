import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _require_mfa(settings):
    settings.MFA_REQUIRED_FOR_PRIVILEGED_ROLES = True


def test_manager_without_mfa_is_sent_to_set_it_up(client, org_tree, make_member):
    manager = make_member(org_tree["trust"], is_manager=True).user
    client.force_login(manager)
    response = client.get(reverse("workforce:home"))
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    # allauth's own pages stay reachable, so they can set it up or sign out.
    assert client.get(reverse("mfa_index")).status_code == 200


def test_manager_with_mfa_gets_through(client, org_tree, make_member):
    manager = make_member(org_tree["trust"], is_manager=True).user
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(manager)
    assert client.get(reverse("workforce:home")).status_code == 200


@pytest.mark.parametrize("kind", ["admin", "trainer", "lead"])
def test_other_privileged_roles_need_mfa(client, org_tree, make_member, kind):
    from django.contrib.auth.models import Group

    if kind == "admin":
        user = UserFactory(is_superuser=True, is_staff=True)
    elif kind == "trainer":
        user = UserFactory()
        user.groups.add(Group.objects.get_or_create(name="Trainers")[0])
    else:
        user = make_member(org_tree["region"], is_manager=True, job_role=None).user
    client.force_login(user)
    assert client.get("/").url == reverse("mfa_index")


def test_practitioners_are_not_forced(client, org_tree, make_member):
    client.force_login(make_member(org_tree["hv_team"]).user)
    assert client.get("/").status_code == 200
