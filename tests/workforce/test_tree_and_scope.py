import pytest
from django.core.exceptions import ValidationError

from lms.workforce import selectors, services
from lms.workforce.models import OrganisationUnit
from lms.workforce.selectors import Role
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_unit_kinds_must_sit_at_their_level(org_tree):
    with pytest.raises(ValidationError):
        services.unit_create(name="Orphan team", code="orphan", kind="team")
    with pytest.raises(ValidationError):
        services.unit_create(
            name="Team under region", code="bad", kind="team", parent=org_tree["region"]
        )
    team = services.unit_create(
        name="Neonatal Unit", code="neonatal", kind="team", parent=org_tree["trust"]
    )
    assert team.get_parent() == org_tree["trust"]
    assert team.depth == 3


def test_manager_manages_their_unit_and_everything_below(org_tree, make_member):
    manager = make_member(org_tree["trust"], is_manager=True).user
    managed = set(selectors.managed_units(manager).values_list("code", flat=True))
    assert managed == {"riverside", "hv-north", "midwives"}
    assert selectors.manages_unit(manager, org_tree["hv_team"])
    assert not selectors.manages_unit(manager, org_tree["council"])
    assert not selectors.manages_unit(manager, org_tree["region"])


def test_team_manager_does_not_see_sibling_team(org_tree, make_member):
    manager = make_member(org_tree["hv_team"], is_manager=True).user
    colleague = make_member(org_tree["hv_team"]).user
    midwife = make_member(org_tree["midwives"]).user
    assert selectors.manages_person(manager, colleague)
    assert not selectors.manages_person(manager, midwife)
    in_scope = set(selectors.staff_in_scope(manager).values_list("user_id", flat=True))
    assert colleague.pk in in_scope and midwife.pk not in in_scope


def test_roles_follow_memberships(org_tree, make_member):
    practitioner = make_member(org_tree["hv_team"]).user
    manager = make_member(org_tree["trust"], is_manager=True).user
    lead = make_member(org_tree["region"], is_manager=True, job_role=None).user
    assert selectors.roles_for(practitioner) == {Role.PRACTITIONER}
    assert selectors.roles_for(manager) == {Role.PRACTITIONER, Role.MANAGER}
    assert selectors.roles_for(lead) == {Role.REGIONAL_LEAD}
    assert selectors.roles_for(UserFactory()) == frozenset()


def test_ended_membership_no_longer_counts(org_tree, make_member):
    membership = make_member(org_tree["hv_team"], is_manager=True)
    user = membership.user
    assert selectors.manages_unit(user, org_tree["hv_team"])
    services.membership_end(membership=membership)
    # The end date is inclusive: still a manager today, not tomorrow.
    import datetime

    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert not selectors.managed_root_paths(user, on=tomorrow)


def test_membership_start_is_idempotent(org_tree, framework_tiers):
    user = UserFactory()
    role = JobRoleFactory(code="health-visitor", required_tier=framework_tiers["T2"])
    first, created = services.membership_start(user=user, unit=org_tree["hv_team"], job_role=role)
    again, created_again = services.membership_start(
        user=user, unit=org_tree["hv_team"], job_role=role
    )
    assert created and not created_again and first.pk == again.pk


def test_moving_team_ends_old_membership(org_tree, make_member):
    membership = make_member(org_tree["hv_team"])
    new = services.membership_move(membership=membership, to_unit=org_tree["midwives"])
    membership.refresh_from_db()
    assert membership.end_date is not None
    assert new.unit == org_tree["midwives"] and new.job_role == membership.job_role


def test_required_tier_is_the_highest_of_current_roles(org_tree, make_member, framework_tiers):
    user = UserFactory()
    make_member(
        org_tree["hv_team"],
        user=user,
        job_role=JobRoleFactory(code="volunteer", required_tier=framework_tiers["T1"]),
    )
    make_member(
        org_tree["midwives"],
        user=user,
        job_role=JobRoleFactory(code="family-nurse", required_tier=framework_tiers["T3"]),
    )
    assert selectors.required_tier_for(user) == framework_tiers["T3"]


def test_unit_tree_counts_active_staff(org_tree, make_member):
    make_member(org_tree["hv_team"])
    make_member(org_tree["hv_team"])
    tree = selectors.unit_tree(OrganisationUnit.objects.filter(code="hv-north"))
    assert tree[0].staff_count == 2
