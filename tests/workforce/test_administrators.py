"""Organisation and regional administrators: what they may change, and nothing else."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from courses.models import Enrolment
from lms.reports.permissions import coverage_scope
from lms.workforce import selectors, services
from lms.workforce.models import Administrator, Membership, OrganisationUnit
from lms.workforce.selectors import Role
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def trust_admin(org_tree, site_admin):
    user = UserFactory(display_name="Tia Trustadmin")
    services.administrator_grant(user=user, unit=org_tree["trust"], by=site_admin)
    return user


@pytest.fixture
def region_admin(org_tree, site_admin):
    user = UserFactory(display_name="Reg Regionadmin")
    services.administrator_grant(user=user, unit=org_tree["region"], by=site_admin)
    return user


def test_an_organisation_administrator_has_their_organisation_and_nothing_else(
    org_tree, trust_admin, make_member
):
    assert selectors.roles_for(trust_admin) == {Role.ORGANISATION_ADMIN}
    managed = set(selectors.managed_units(trust_admin).values_list("code", flat=True))
    assert managed == {"riverside", "hv-north", "midwives"}
    midwife = make_member(org_tree["midwives"]).user
    social_worker = make_member(org_tree["family_support"]).user
    assert selectors.manages_person(trust_admin, midwife, records=True)
    assert not selectors.manages_person(trust_admin, social_worker)
    scope = coverage_scope(trust_admin)
    assert scope.may_name(org_tree["hv_team"]) and not scope.covers(org_tree["council"])


def test_a_regional_administrator_sees_the_regions_people_by_name(
    org_tree, region_admin, make_member
):
    assert selectors.roles_for(region_admin) == {Role.REGIONAL_ADMIN}
    social_worker = make_member(org_tree["family_support"]).user
    assert selectors.manages_person(region_admin, social_worker, records=True)
    scope = coverage_scope(region_admin)
    assert scope.may_name(org_tree["council"]) and scope.may_name(org_tree["hv_team"])
    # A regional lead of the same region sees figures only.
    lead = make_member(org_tree["region"], is_manager=True, job_role=None).user
    assert not coverage_scope(lead).may_name(org_tree["council"])


def test_granting_twice_grants_once_and_ending_takes_effect_at_once(
    org_tree, site_admin, trust_admin
):
    again, created = services.administrator_grant(
        user=trust_admin, unit=org_tree["trust"], by=site_admin
    )
    assert not created
    assert Administrator.objects.filter(user=trust_admin).count() == 1
    services.administrator_end(grant=again, by=site_admin)
    reloaded = type(trust_admin).objects.get(pk=trust_admin.pk)
    assert selectors.roles_for(reloaded) == frozenset()
    assert not selectors.managed_units(reloaded).exists()
    # The grant is kept, with when it ended, and both changes are in the audit log.
    assert Administrator.objects.get(pk=again.pk).ended_at is not None
    actions = set(
        ModelLogEntry.objects.filter(object_id=str(again.pk)).values_list("action", flat=True)
    )
    assert actions == {services.AUDIT_ADMINISTRATOR_GRANT, services.AUDIT_ADMINISTRATOR_END}


def test_a_team_cannot_have_administrators(org_tree, site_admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.administrator_grant(user=UserFactory(), unit=org_tree["hv_team"], by=site_admin)


def test_site_administrator_grants_rights_in_the_wagtail_admin(client, org_tree, site_admin):
    person = UserFactory(display_name="Nell Newadmin")
    client.force_login(site_admin)
    response = client.post(
        reverse("administrator:add"), {"user": person.pk, "unit": org_tree["council"].pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = Administrator.objects.get(user=person)
    assert grant.unit == org_tree["council"] and grant.granted_by == site_admin
    response = client.post(reverse("administrator:edit", args=(grant.pk,)), {"end_rights": "on"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.ended_at is not None


def test_administrator_adds_a_team_to_their_organisation(client, org_tree, trust_admin):
    client.force_login(trust_admin)
    url = reverse("workforce:team_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"organisation": org_tree["trust"].pk, "name": "Neonatal Outreach"})
    team = OrganisationUnit.objects.get(name="Neonatal Outreach")
    assert response.status_code == 302 and response.url == reverse(
        "workforce:unit", args=(team.pk,)
    )
    assert team.get_parent() == org_tree["trust"] and team.kind == "team"
    assert ModelLogEntry.objects.filter(
        object_id=str(team.pk), action=services.AUDIT_TEAM_CREATE, user=trust_admin
    ).exists()

    # The same name again is refused, keeping what was typed; another organisation's name is
    # not offered.
    response = client.post(url, {"organisation": org_tree["trust"].pk, "name": "neonatal outreach"})
    assert response.status_code == 200
    assert "already has a team called" in response.content.decode()
    assert 'value="neonatal outreach"' in response.content.decode()
    response = client.post(url, {"organisation": org_tree["council"].pk, "name": "Sneaky"})
    assert response.status_code == 200
    assert not OrganisationUnit.objects.filter(name="Sneaky").exists()


def test_names_with_direction_overrides_are_refused(client, org_tree, trust_admin):
    client.force_login(trust_admin)
    response = client.post(
        reverse("workforce:team_add"),
        {"organisation": org_tree["trust"].pk, "name": "Team \u202eevil"},
    )
    assert response.status_code == 200
    assert not OrganisationUnit.objects.filter(name__startswith="Team").exists()


def test_a_closed_team_keeps_its_people_and_takes_no_one_new(
    client, org_tree, trust_admin, make_member
):
    midwife = make_member(org_tree["midwives"])
    client.force_login(trust_admin)
    response = client.post(
        reverse("workforce:team_change", args=(org_tree["midwives"].pk,)),
        {"name": "Community Midwifery"},  # "Open" unticked: closed
    )
    assert response.status_code == 302
    team = OrganisationUnit.objects.get(pk=org_tree["midwives"].pk)
    assert team.name == "Community Midwifery" and not team.is_active
    assert Membership.objects.active().filter(pk=midwife.pk).exists()
    invite = client.get(reverse("workforce:invite")).context["form"]
    assert team not in invite.fields["unit"].queryset
    # Another organisation's team is not theirs to change.
    other = reverse("workforce:team_change", args=(org_tree["family_support"].pk,))
    assert client.get(other).status_code == 404


def test_a_mover_is_counted_once_in_the_new_team_and_a_new_role_enrols(
    client, org_tree, trust_admin, framework_tiers, make_member
):
    t1 = JobRoleFactory(code="nursery-nurse", required_tier=framework_tiers["T1"])
    t2 = JobRoleFactory(code="hv", required_tier=framework_tiers["T2"])
    t2_course = make_course(title="T2 core", tier=framework_tiers["T2"])
    membership = make_member(
        org_tree["hv_team"], job_role=t1, start_date=timezone.localdate() - timedelta(days=30)
    )
    person = membership.user
    client.force_login(trust_admin)
    url = reverse("workforce:membership_change", args=(membership.pk,))
    assert client.get(url).status_code == 200

    response = client.post(url, {"unit": org_tree["midwives"].pk, "job_role": t2.pk})
    assert response.status_code == 302
    active = Membership.objects.active().filter(user=person)
    assert [(m.unit_id, m.job_role_id) for m in active] == [(org_tree["midwives"].pk, t2.pk)]
    old = Membership.objects.get(pk=membership.pk)
    assert old.end_date == timezone.localdate() - timedelta(days=1)
    assert Enrolment.objects.filter(user=person, course=t2_course, is_current=True).exists()
    in_scope = selectors.staff_in_scope(trust_admin).filter(user=person)
    assert in_scope.count() == 1

    # Submitting the same change again changes nothing.
    new = active.get()
    response = client.post(
        reverse("workforce:membership_change", args=(new.pk,)),
        {"unit": org_tree["midwives"].pk, "job_role": t2.pk},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=person).count() == 2


def test_a_leaver_is_ended_never_deleted(client, org_tree, trust_admin, make_member):
    membership = make_member(
        org_tree["hv_team"], start_date=timezone.localdate() - timedelta(days=300)
    )
    client.force_login(trust_admin)
    url = reverse("workforce:membership_change", args=(membership.pk,))
    too_early = (membership.start_date - timedelta(days=1)).isoformat()
    response = client.post(
        url,
        {"unit": membership.unit_id, "job_role": membership.job_role_id, "end_date": too_early},
    )
    assert response.status_code == 200
    assert "must be on or after" in response.content.decode()
    leaving = timezone.localdate().isoformat()
    response = client.post(
        url, {"unit": membership.unit_id, "job_role": membership.job_role_id, "end_date": leaving}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == timezone.localdate()


def test_other_organisations_people_and_everyone_else_get_404(
    client, org_tree, trust_admin, make_member
):
    social_worker = make_member(org_tree["family_support"])
    client.force_login(trust_admin)
    url = reverse("workforce:membership_change", args=(social_worker.pk,))
    assert client.get(url).status_code == 404
    # A manager (not an administrator) may not change the organisation.
    manager = make_member(org_tree["trust"], is_manager=True).user
    client.force_login(manager)
    assert client.get(reverse("workforce:team_add")).status_code == 404
    own = make_member(org_tree["hv_team"])
    assert client.get(reverse("workforce:membership_change", args=(own.pk,))).status_code == 404
