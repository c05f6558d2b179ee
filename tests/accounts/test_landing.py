"""Where each role lands after signing in (issue 15, item 14): trainers and reviewers, who have
no job role, go to where their work is rather than to a learner dashboard that says "No job
role with a required tier"."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from content.groups import REVIEWERS, TRAINERS
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("group", "lands_on"), [(TRAINERS, "reports:analytics"), (REVIEWERS, "wagtailadmin_home")]
)
def test_trainers_and_reviewers_land_where_their_work_is(client, group, lands_on):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)


def test_a_practitioner_lands_on_their_learning(client, org_tree, framework_tiers):
    from tests.factories import JobRoleFactory

    user = UserFactory()
    role = JobRoleFactory(required_tier=framework_tiers["T1"])
    MembershipFactory(user=user, unit=org_tree["hv_team"], job_role=role)
    assert sign_in(client, user)["Location"] == reverse("courses:dashboard")


def test_the_admin_draws_avatars_without_an_outside_service(client, settings):
    """Avatars came from Gravatar, which the network here does not reach: broken images."""
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    client.force_login(reviewer)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "gravatar" not in html


def test_the_trainers_landing_page_leads_to_their_content(client):
    trainer = UserFactory()
    trainer.groups.add(Group.objects.get_or_create(name=TRAINERS)[0])
    client.force_login(trainer)
    html = client.get(reverse("reports:analytics")).content.decode()
    assert f'href="{reverse("wagtailadmin_explore_root")}">Edit the courses in the admin' in html
