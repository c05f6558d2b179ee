"""Regression tests: a regional lead sees a region's figures, never named people's records
(ARCHITECTURE.md, "Who may see what": regional lead, team records "no", supervision notes
"no"). Found by the access matrix: regional leads could open the supervision hours of anyone in
the region, assign courses to them, record assessments of them and withdraw them from courses.
Workforce administration (staff lists, invitations) stays theirs."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from courses import services as course_services
from courses.models import Enrolment
from courses.permissions import may_assess, may_withdraw
from lms.workforce import selectors
from lms.workforce.permissions import can_manage_records, can_manage_staff
from supervision.permissions import may_see_hours_of
from tests.courses.factories import make_course
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_tree, make_member):
    lead = make_member(org_tree["region"], is_manager=True, job_role=None).user
    # Manages the region and, directly, the trust in it.
    lead_and_manager = make_member(org_tree["region"], is_manager=True, job_role=None).user
    make_member(org_tree["trust"], user=lead_and_manager, is_manager=True, job_role=None)
    in_trust = make_member(org_tree["hv_team"], user=UserFactory(display_name="Tia Trust")).user
    in_council = make_member(
        org_tree["family_support"], user=UserFactory(display_name="Cal Council")
    ).user
    return {
        "lead": lead,
        "lead_and_manager": lead_and_manager,
        "in_trust": in_trust,
        "in_council": in_council,
    }


def test_record_scope_leaves_regions_out(people, org_tree):
    assert selectors.managed_root_paths(people["lead"]) == [org_tree["region"].path]
    assert selectors.record_root_paths(people["lead"]) == []
    assert selectors.record_root_paths(people["lead_and_manager"]) == [org_tree["trust"].path]


def test_regional_lead_administers_staff_but_not_their_records(people):
    lead, person = people["lead"], people["in_trust"]
    assert can_manage_staff(lead) and not can_manage_records(lead)
    assert selectors.manages_person(lead, person)
    assert not selectors.manages_person(lead, person, records=True)
    assert person.pk in set(selectors.staff_in_scope(lead).values_list("user_id", flat=True))
    assert not selectors.staff_in_scope(lead, records=True).exists()
    assert not may_see_hours_of(lead, person)
    assert not may_assess(lead, person)


def test_regional_lead_cannot_assign_or_withdraw(people, framework_tiers):
    lead, person = people["lead"], people["in_trust"]
    course = make_course(title="Regional lead assigns", tier=framework_tiers["T1"])
    with pytest.raises(PermissionDenied):
        course_services.assign(by=lead, course=course, people=[person], due_on=None)
    assert not Enrolment.objects.filter(user=person, course=course).exists()

    enrolment, _ = course_services.enrol(
        user=person, course=course, source=Enrolment.Source.RULE, due_on=None
    )
    assert not may_withdraw(lead, enrolment)
    with pytest.raises(PermissionDenied):
        course_services.withdraw(enrolment=enrolment, by=lead)


def test_manager_of_region_and_organisation_keeps_the_organisation(people, framework_tiers):
    boss = people["lead_and_manager"]
    course = make_course(title="Org manager assigns", tier=framework_tiers["T1"])
    due = timezone.localdate() + timedelta(days=10)
    result = course_services.assign(by=boss, course=course, people=[people["in_trust"]], due_on=due)
    assert result.assigned == [people["in_trust"]]
    with pytest.raises(PermissionDenied):
        course_services.assign(by=boss, course=course, people=[people["in_council"]], due_on=due)
    assert may_see_hours_of(boss, people["in_trust"])
    assert not may_see_hours_of(boss, people["in_council"])


@pytest.mark.parametrize(
    "name", ["supervision:team", "courses:assign", "courses:assessment_new", "person"]
)
def test_record_pages_answer_404_to_a_regional_lead(client, people, name):
    client.force_login(people["lead"])
    if name == "person":
        url = reverse("supervision:team_person", args=[people["in_trust"].pk])
    else:
        url = reverse(name)
    assert client.get(url).status_code == 404


def test_team_page_of_region_and_organisation_manager_names_only_the_organisation(client, people):
    client.force_login(people["lead_and_manager"])
    body = client.get(reverse("supervision:team")).content.decode()
    assert escape(people["in_trust"].display_name) in body
    assert escape(people["in_council"].display_name) not in body
