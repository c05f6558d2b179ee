"""Each person's memberships (behind their roles and every permission check) are kept in the
cache between requests, and read again as soon as any membership, unit, job role or tier
changes, whichever way it changes: a service, a bulk write of the staff import, the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from lms.workforce import services
from lms.workforce.models import Membership
from lms.workforce.selectors import Role, roles_for, todays_memberships
from tests.factories import JobRoleFactory, TierFactory

pytestmark = pytest.mark.django_db


def next_request(user):
    """The person as the next request loads them (nothing kept on the object)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def manager(org_tree, make_member):
    return make_member(org_tree["hv_team"], is_manager=True).user


def test_the_second_request_reads_no_memberships(manager, django_assert_num_queries):
    assert Role.MANAGER in roles_for(next_request(manager))
    user = next_request(manager)
    with django_assert_num_queries(0):
        memberships = todays_memberships(user)
    assert [m.unit.name for m in memberships] == ["Health Visiting North"]
    assert memberships[0].is_manager


def test_ending_a_membership_takes_the_role_away_on_the_next_request(manager):
    assert Role.MANAGER in roles_for(next_request(manager))
    membership = manager.memberships.get()
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    membership.start_date = yesterday - timezone.timedelta(days=30)
    membership.save()
    services.membership_end(membership=membership, end_date=yesterday)
    assert Role.MANAGER not in roles_for(next_request(manager))


def test_a_bulk_update_as_the_staff_import_makes_is_seen_on_the_next_request(manager):
    assert Role.MANAGER in roles_for(next_request(manager))
    Membership.objects.filter(user=manager).update(is_manager=False)
    assert Role.MANAGER not in roles_for(next_request(manager))


def test_a_bulk_created_membership_is_seen_on_the_next_request(org_tree, manager):
    assert [m.unit.code for m in todays_memberships(next_request(manager))] == ["hv-north"]
    Membership.objects.bulk_create(
        [Membership(user=manager, unit=org_tree["midwives"], job_role=JobRoleFactory())]
    )
    codes = {m.unit.code for m in todays_memberships(next_request(manager))}
    assert codes == {"hv-north", "midwives"}


def test_a_job_roles_new_required_tier_is_seen_on_the_next_request(manager):
    role = manager.memberships.get().job_role
    assert todays_memberships(next_request(manager))[0].job_role.required_tier.code == "T2"
    role.required_tier = TierFactory(code="T3")
    role.save()
    assert todays_memberships(next_request(manager))[0].job_role.required_tier.code == "T3"


def test_a_renamed_unit_is_seen_on_the_next_request(org_tree, manager):
    assert todays_memberships(next_request(manager))[0].unit.name == "Health Visiting North"
    team = org_tree["hv_team"]
    team.name = "Health Visiting (North)"
    team.save()
    assert todays_memberships(next_request(manager))[0].unit.name == "Health Visiting (North)"


def test_a_manager_whose_management_ends_loses_the_team_page_at_once(client, manager):
    client.force_login(manager)
    assert client.get(reverse("supervision:team")).status_code == 200
    assert client.get(reverse("supervision:team")).status_code == 200  # from the cache
    Membership.objects.filter(user=manager).update(is_manager=False)
    assert client.get(reverse("supervision:team")).status_code in (403, 404)
