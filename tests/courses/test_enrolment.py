"""Enrolment: self-enrolment and prerequisites, withdraw and re-enrol, managers' assignments,
and the automatic enrolment a job role brings."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses import services
from courses.models import Enrolment, EnrolmentRule, LearnerSummary
from lms.workforce import services as workforce
from tests.courses.factories import finish_course, make_course
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_self_enrol_creates_one_current_enrolment_and_repeating_changes_nothing(course, learner):
    enrolment, created = services.enrol(user=learner, course=course)
    again, created_again = services.enrol(user=learner, course=course)

    assert created and not created_again
    assert again.pk == enrolment.pk
    assert enrolment.source == Enrolment.Source.SELF
    assert enrolment.cycle == 1
    assert Enrolment.objects.filter(user=learner, course=course).count() == 1


def test_self_enrol_refuses_a_course_whose_prerequisite_is_missing(framework_tiers, learner):
    basics = make_course(title="Basics", tier=framework_tiers["T1"])
    advanced = make_course(title="Advanced", tier=framework_tiers["T2"], prerequisites=[basics])

    with pytest.raises(ValidationError, match="Complete Basics before you enrol on Advanced"):
        services.enrol(user=learner, course=advanced)
    assert not Enrolment.objects.filter(user=learner).exists()

    finish_course(services.enrol(user=learner, course=basics)[0], basics)
    enrolment, created = services.enrol(user=learner, course=advanced)
    assert created and enrolment.course == advanced


def test_an_expired_prerequisite_does_not_count(framework_tiers, learner, travel):
    basics = make_course(title="Basics", tier=framework_tiers["T1"], validity_months=12)
    advanced = make_course(title="Advanced", tier=framework_tiers["T2"], prerequisites=[basics])
    travel(timezone.now() - timedelta(days=400))
    finish_course(services.enrol(user=learner, course=basics)[0], basics)
    travel(timezone.now() + timedelta(days=400))

    with pytest.raises(ValidationError, match="Complete Basics"):
        services.enrol(user=learner, course=advanced)


def test_a_course_that_is_not_live_cannot_be_enrolled_on(framework_tiers, learner):
    draft = make_course(title="Draft", tier=framework_tiers["T1"], live=False)
    with pytest.raises(ValidationError, match="not open for enrolment"):
        services.enrol(user=learner, course=draft)


def test_withdraw_keeps_history_and_re_enrolling_starts_a_new_cycle(course, learner):
    first, _ = services.enrol(user=learner, course=course)

    services.withdraw(enrolment=first, by=learner)
    second, created = services.enrol(user=learner, course=course)

    first.refresh_from_db()
    assert first.status == Enrolment.Status.WITHDRAWN
    assert not first.is_current and first.withdrawn_at is not None
    assert created and second.pk != first.pk
    assert second.cycle == 2 and second.is_current and second.is_active
    assert Enrolment.objects.filter(user=learner, course=course).count() == 2


def test_withdrawing_twice_is_refused_with_a_clear_message(course, learner):
    enrolment, _ = services.enrol(user=learner, course=course)
    services.withdraw(enrolment=enrolment, by=learner)
    with pytest.raises(ValidationError, match="Only a course in progress"):
        services.withdraw(enrolment=enrolment, by=learner)


def test_learners_cannot_withdraw_from_assigned_courses_but_their_manager_can(
    course, learner, manager, team
):
    MembershipFactory(user=learner, unit=team)
    services.assign(by=manager, course=course, people=[learner], due_on=None)
    enrolment = Enrolment.objects.get(user=learner, course=course)

    with pytest.raises(PermissionDenied):
        services.withdraw(enrolment=enrolment, by=learner)
    services.withdraw(enrolment=enrolment, by=manager)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN


def test_manager_assigns_to_a_team_once_per_person_and_keeps_the_earlier_due_date(
    course, manager, team, user_factory
):
    people = [user_factory() for _ in range(3)]
    for person in people:
        MembershipFactory(user=person, unit=team)
    already, _ = services.enrol(user=people[0], course=course)
    early = timezone.localdate() + timedelta(days=10)
    services.enrol(user=people[1], course=course, source=Enrolment.Source.ASSIGNED, due_on=early)
    later = timezone.localdate() + timedelta(days=30)

    result = services.assign(by=manager, course=course, people=people, due_on=later)

    assert result.assigned == [people[2]]
    assert result.due_date_brought_forward == [people[0]]  # had no due date
    assert result.already_enrolled == [people[1]]  # kept its earlier date
    assert Enrolment.objects.filter(course=course).count() == 3
    assert Enrolment.objects.get(user=people[1], course=course).due_on == early
    assert Enrolment.objects.get(pk=already.pk).due_on == later
    new = Enrolment.objects.get(user=people[2], course=course)
    assert new.source == Enrolment.Source.ASSIGNED and new.assigned_by == manager
    assert LearnerSummary.objects.get(user=people[2]).next_due_on == later


def test_manager_cannot_assign_to_people_outside_their_units(course, manager, user_factory):
    elsewhere = UnitFactory.team(
        UnitFactory.organisation(UnitFactory.region(code="south"), code="south-org"),
        code="south-team",
    )
    outsider = user_factory()
    MembershipFactory(user=outsider, unit=elsewhere)

    with pytest.raises(PermissionDenied):
        services.assign(by=manager, course=course, people=[outsider], due_on=None)
    assert not Enrolment.objects.filter(user=outsider).exists()


def test_assigning_a_due_date_in_the_past_is_refused(course, manager, team, learner):
    MembershipFactory(user=learner, unit=team)
    with pytest.raises(ValidationError, match="today or later"):
        services.assign(by=manager, course=course, people=[learner], due_on=date(2000, 1, 1))


def test_starting_in_a_role_enrols_on_the_core_courses_of_its_tier_and_below(
    framework_tiers, team, t2_role, learner
):
    t1 = make_course(title="T1 core", tier=framework_tiers["T1"])
    t2 = make_course(title="T2 core", tier=framework_tiers["T2"])
    make_course(title="T3 core", tier=framework_tiers["T3"])
    make_course(title="T1 optional", tier=framework_tiers["T1"], required_for_tier=False)
    make_course(title="T1 draft", tier=framework_tiers["T1"], live=False)
    start = timezone.localdate()

    workforce.membership_start(user=learner, unit=team, job_role=t2_role, start_date=start)

    enrolments = Enrolment.objects.filter(user=learner)
    assert {e.course_id for e in enrolments} == {t1.pk, t2.pk}
    assert all(e.source == Enrolment.Source.RULE for e in enrolments)
    assert all(e.due_on == start + timedelta(days=90) for e in enrolments)


def test_enrolment_rules_add_courses_to_a_role_with_their_own_due_date(
    framework_tiers, team, t1_role, learner
):
    extra = make_course(title="Extra", tier=framework_tiers["T3"], required_for_tier=False)
    EnrolmentRule.objects.create(job_role=t1_role, course=extra, due_in_days=30)

    workforce.membership_start(user=learner, unit=team, job_role=t1_role)

    enrolment = Enrolment.objects.get(user=learner, course=extra)
    assert enrolment.due_on == timezone.localdate() + timedelta(days=30)


def test_joining_a_role_does_not_re_enrol_on_courses_already_current(
    framework_tiers, team, t1_role, learner, course
):
    done = finish_course(services.enrol(user=learner, course=course)[0], course)
    assert done.status == Enrolment.Status.COMPLETED

    workforce.membership_start(user=learner, unit=team, job_role=t1_role)
    other_team = UnitFactory.team(team.get_parent(), code="second-team")
    workforce.membership_start(user=learner, unit=other_team, job_role=t1_role)

    assert Enrolment.objects.filter(user=learner, course=course).count() == 1


def test_a_role_without_a_tier_requirement_enrols_nobody(team, learner, course):
    workforce.membership_start(user=learner, unit=team, job_role=None)
    assert not Enrolment.objects.filter(user=learner).exists()


def test_roles_of_other_tiers_do_not_leak(framework_tiers, team, learner):
    make_course(title="T2 only", tier=framework_tiers["T2"])
    role = JobRoleFactory(code="volunteer", required_tier=framework_tiers["T1"])
    workforce.membership_start(user=learner, unit=team, job_role=role)
    assert not Enrolment.objects.filter(user=learner).exists()


def test_a_new_enrolment_rule_enrols_people_already_in_the_role(
    framework_tiers, team, t1_role, user_factory, django_capture_on_commit_callbacks
):
    people = [user_factory() for _ in range(2)]
    for person in people:
        MembershipFactory(user=person, unit=team, job_role=t1_role)
    extra = make_course(title="Extra", tier=framework_tiers["T2"], required_for_tier=False)

    with django_capture_on_commit_callbacks(execute=True):
        EnrolmentRule.objects.create(job_role=t1_role, course=extra, due_in_days=45)

    enrolments = Enrolment.objects.filter(course=extra)
    assert {e.user_id for e in enrolments} == {p.pk for p in people}
    assert {e.due_on for e in enrolments} == {timezone.localdate() + timedelta(days=45)}
    assert services.enrol_role_members(job_role=t1_role) == 0  # safe to repeat


def test_a_new_core_course_is_assigned_to_everyone_whose_role_requires_it(
    org_tree, framework_tiers, django_capture_on_commit_callbacks
):
    from tests.courses.factories import make_course
    from tests.factories import JobRoleFactory, MembershipFactory

    hv = JobRoleFactory(code="hv-new", required_tier=framework_tiers["T2"])
    volunteer = JobRoleFactory(code="vol-new", required_tier=framework_tiers["T1"])
    health_visitor = MembershipFactory(unit=org_tree["hv_team"], job_role=hv).user
    helper = MembershipFactory(unit=org_tree["hv_team"], job_role=volunteer).user

    with django_capture_on_commit_callbacks(execute=True):
        course = make_course(title="Newly Written T2 Course", tier=framework_tiers["T2"])

    from courses.models import Enrolment

    assert Enrolment.objects.filter(user=health_visitor, course=course, is_current=True).exists()
    assert not Enrolment.objects.filter(user=helper, course=course).exists()

    # Publishing it again (an edit) assigns nothing new and duplicates nothing.
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert Enrolment.objects.filter(course=course).count() == 1
