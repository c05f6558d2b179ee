"""Coverage arithmetic on the hand-built population of conftest.py, where every figure is known:
meets / expiring / overdue / never started / in progress, an expired completion that no longer
counts, someone with two roles, someone who moved team; course completion and supervision; the
same figures on a later day; and the read models staying current through the receivers."""

from decimal import Decimal

import pytest

from courses.models import ModuleProgress
from lms.reports import facts
from lms.reports.models import CourseTally, CoverageTally
from lms.reports.selectors import (
    Counts,
    Drill,
    Filters,
    Status,
    course_completion,
    coverage,
    people,
)
from supervision.signals import session_signed_off
from tests.supervision.factories import make_agreement, make_session

from .factories import days, summary

pytestmark = pytest.mark.django_db


def counts(c: Counts) -> tuple:
    """(meets, expiring, overdue, never started, in progress)."""
    return tuple(c.count(s) for s in Status.ORDER)


def by_label(rows) -> dict:
    return {row.label: row for row in rows}


def test_units_count_people_once_with_their_worst_status(population):
    figures = coverage(population.scope(population.trust_manager), Filters())
    units = by_label(figures.units)
    # A1: 1 and 8 meet; 2 expiring; 3 overdue; 4 never started; 5, 6 (expired) and 7 (two
    # roles, T2 not held) in progress.
    assert counts(units["Health Visiting North"].counts) == (2, 1, 1, 1, 3)
    # A2: only person 9; person 8's membership there ended yesterday.
    assert counts(units["Community Midwives"].counts) == (1, 0, 0, 0, 0)
    assert counts(figures.total) == (3, 1, 1, 1, 3)
    assert figures.total.total == 9
    assert figures.total.holding == 4
    # Each share is rounded on its own: 33.3 + 11.1 + 11.1 + 11.1 + 33.3 = 99.9.
    assert sum(figures.total.share(s) for s in Status.ORDER) == Decimal("99.9")
    assert "Family Support" not in units  # another organisation


def test_two_roles_count_once_in_each_role_row(population):
    figures = coverage(population.scope(population.trust_manager), Filters())
    roles = by_label(figures.roles)
    # Person 7 is in progress as a health visitor (T2 not held) and meets as a family support
    # worker (holds T1).
    assert counts(roles["Health visitor"].counts) == (1, 1, 1, 0, 1)
    assert counts(roles["Family support worker"].counts) == (3, 0, 0, 1, 2)
    tiers = {row.tier.code: row.counts for row in figures.tiers}
    assert counts(tiers["T2"]) == (1, 1, 1, 0, 1)
    assert counts(tiers["T1"]) == (3, 0, 0, 1, 2)


def test_trained_in_the_last_12_months(population):
    figures = coverage(population.scope(population.trust_manager), Filters())
    units = by_label(figures.units)
    assert units["Health Visiting North"].counts.trained_recently == 3  # 1, 7, 8 (not 2)
    assert units["Community Midwives"].counts.trained_recently == 1
    assert figures.total.trained_recently == 4


def test_regional_lead_sees_every_organisation(population):
    figures = coverage(population.scope(population.region_lead), Filters())
    units = by_label(figures.units)
    assert set(units) == {"Riverside NHS Trust", "Northshire Council"}
    assert counts(units["Northshire Council"].counts) == (0, 0, 1, 0, 0)
    assert counts(figures.total) == (3, 1, 2, 1, 3)


def test_filters_by_unit_role_tier_and_course(population):
    scope = population.scope(population.region_lead)
    team = coverage(scope, Filters(unit=population.tree["hv_team"]))
    assert team.total.total == 8
    hv = coverage(scope, Filters(job_role=population.hv))
    assert counts(hv.total) == (1, 1, 1, 0, 1)
    t1 = coverage(scope, Filters(tier=population.tiers["T1"]))
    assert t1.total.total == 7  # 4-9 and 10
    # Only roles that require the T2 course: health visitors.
    t2_course = coverage(scope, Filters(course=population.t2_course))
    assert t2_course.total.total == 4


def test_course_completion(population):
    figures = course_completion(population.scope(population.trust_manager), Filters())
    rows = {row.course.title: row for row in figures.rows}
    t1 = rows["The First 1001 Days"]
    assert (t1.required, t1.current, t1.expiring, t1.expired, t1.never) == (9, 5, 0, 1, 3)
    t2 = rows["Observing Interaction"]
    # Required of the health visitors (1, 2, 3 and 7): 1 current, 2 current but expiring.
    assert (t2.required, t2.current, t2.expiring, t2.expired, t2.never) == (4, 2, 1, 0, 2)
    assert t2.current_share == 50


def test_course_drill_down_lists_the_people_behind_the_figure(population):
    scope = population.scope(population.trust_manager)
    never = people(scope, Filters(course=population.t1_course), Drill(course_state="never"))
    assert {row["user_id"] for row in never} == {population.people[n].pk for n in (3, 4, 5)}
    expired = people(scope, Filters(course=population.t1_course), Drill(course_state="expired"))
    assert [row["user_id"] for row in expired] == [population.people[6].pk]


def test_status_drill_down_matches_the_figures(population):
    scope = population.scope(population.trust_manager)
    figures = coverage(scope, Filters())
    for status in Status.ORDER:
        listed = people(scope, Filters(), Drill(status=status))
        assert listed.count() == figures.total.count(status), status
    in_progress = people(scope, Filters(), Drill(status=Status.IN_PROGRESS))
    assert {row["user_id"] for row in in_progress} == {population.people[n].pk for n in (5, 6, 7)}


def test_supervision_hours_against_target(population):
    person, other = population.people[1], population.people[2]
    supervisor = population.people[9]
    agreement = make_agreement(supervisor, [person, other])
    for weeks in range(13):  # 13 hours for person 1, in the last 13 weeks
        make_session(agreement, attendees=[person], on=days(-7 * weeks - 1), minutes=60)
    make_session(agreement, attendees=[other], on=days(-3), minutes=120)
    session_signed_off.send(sender=None, session=None, supervisees=[person, other])

    sup = coverage(population.scope(population.trust_manager), Filters()).supervision
    assert (sup.total.people, sup.total.at_target) == (4, 1)  # the T2 people: 1, 2, 3 and 7
    assert sup.total.minutes == 13 * 60 + 120
    assert sup.total.target_minutes == 4 * 12 * 60
    below = people(
        population.scope(population.trust_manager), Filters(), Drill(supervision="below")
    )
    assert {row["user_id"] for row in below} == {population.people[n].pk for n in (2, 3, 7)}


def test_figures_on_a_later_day_are_exact_without_a_refresh(population):
    """40 days on: person 2's T2 lapsed, person 5's due date passed. Stored tallies whose
    ``changes_on`` has come are recomputed live, so nothing is stale."""
    scope = population.scope(population.trust_manager)
    later = days(40)
    figures = coverage(scope, Filters(), on=later)
    assert counts(figures.total) == (3, 0, 2, 1, 3)
    # The same as a full rebuild on that day would give.
    facts.rebuild(later)
    assert counts(coverage(scope, Filters(), on=later).total) == (3, 0, 2, 1, 3)


def test_overtaken_tallies_are_computed_live(population):
    scope = population.scope(population.trust_manager)
    before = coverage(scope, Filters())
    before_courses = course_completion(scope, Filters())
    # Pretend time overtook every tally and they hold nonsense: figures must not change.
    CoverageTally.objects.update(changes_on=days(0), meets=999)
    CourseTally.objects.update(changes_on=days(0), current=999)
    assert counts(coverage(scope, Filters()).total) == counts(before.total)
    again = course_completion(scope, Filters())
    assert [r.current for r in again.rows] == [r.current for r in before_courses.rows]
    assert again.live_units > 0


def test_read_models_follow_the_changes(population):
    """Every change went through the receivers: nothing drifts from the live tables, and a
    change shows in the figures at once."""
    assert facts.drift() == []
    scope = population.scope(population.trust_manager)
    # Person 4 opens a first module: no longer "never started".
    never = population.people[4]
    summary(never, started=False)
    enrolment = population.t1_course.enrolments.create(user=never)
    module = population.t1_course.modules().first()
    ModuleProgress.objects.create(enrolment=enrolment, module=module)
    from courses.models import LearnerSummary

    LearnerSummary.objects.filter(user=never).update(first_started_at=enrolment.created_at)
    assert coverage(scope, Filters()).total.not_started == 0
    # Person 9 leaves: gone from the figures.
    from lms.workforce.services import membership_end

    membership_end(membership=population.memberships[9][0], end_date=days(-1))
    assert coverage(scope, Filters()).total.total == 8
    assert facts.drift() == []


def test_completion_through_the_services_is_counted_at_once(population):
    """Fresh within seconds of a completion: the service's own transaction updates the
    figures (no batch)."""
    from courses.services import refresh_standing

    from .factories import complete

    scope = population.scope(population.trust_manager)
    person = population.people[4]  # never started, family support worker (T1)
    complete(person, population.t1_course, valid_until=days(700))
    refresh_standing(user=person)
    figures = coverage(scope, Filters())
    row = next(r for r in figures.roles if r.label == "Family support worker")
    assert row.counts.meets == 4
    courses = {r.course.title: r for r in course_completion(scope, Filters()).rows}
    assert courses["The First 1001 Days"].current == 6


def test_role_change_of_required_tier_moves_figures(population, django_capture_on_commit_callbacks):
    scope = population.scope(population.trust_manager)
    with django_capture_on_commit_callbacks(execute=True):
        population.fsw.required_tier = population.tiers["T2"]
        population.fsw.save()
    figures = coverage(scope, Filters())
    fsw = next(r for r in figures.roles if r.label == "Family support worker")
    assert fsw.tier.code == "T2"
    assert fsw.counts.meets == 0  # nobody in the role holds T2
    assert facts.drift() == []


def test_moved_person_counts_only_in_the_new_team(population):
    scope = population.scope(population.trust_manager)
    a2 = coverage(scope, Filters(unit=population.tree["midwives"]))
    assert a2.total.total == 1
    moved = people(scope, Filters(unit=population.tree["midwives"]), Drill())
    assert population.people[8].pk not in {row["user_id"] for row in moved}


def test_later_refresh_is_idempotent(population):
    before = counts(coverage(population.scope(population.region_lead), Filters()).total)
    facts.refresh_people([p.pk for p in population.people.values()])
    facts.refresh_people([p.pk for p in population.people.values()])
    after = counts(coverage(population.scope(population.region_lead), Filters()).total)
    assert before == after
    assert facts.drift() == []


def test_rebuild_matches_receivers(population):
    before = counts(coverage(population.scope(population.region_lead), Filters()).total)
    facts.rebuild()
    assert counts(coverage(population.scope(population.region_lead), Filters()).total) == before


def _ended_and_roleless(population):
    """End one membership and take the job role off another, behind the receivers' back."""
    from lms.reports.models import CoverageEntry
    from lms.workforce.models import Membership

    entries = dict(CoverageEntry.objects.values_list("membership_id", "user_id"))
    started_before = set(
        Membership.objects.filter(pk__in=entries, start_date__lte=days(-1)).values_list(
            "pk", flat=True
        )
    )
    ended = min(started_before)
    roleless = min(set(entries) - {ended})
    Membership.objects.filter(pk=ended).update(end_date=days(-1))
    Membership.objects.filter(pk=roleless).update(job_role=None)
    return entries, ended, roleless


def test_rebuild_drops_the_entries_of_ended_and_roleless_memberships_only(population):
    from lms.reports.models import CoverageEntry

    entries, ended, roleless = _ended_and_roleless(population)

    facts.rebuild()

    kept = set(CoverageEntry.objects.values_list("membership_id", flat=True))
    assert kept == set(entries) - {ended, roleless}
    assert facts.drift() == []


def test_refreshing_some_people_drops_only_their_obsolete_entries(population):
    from lms.reports.models import CoverageEntry

    entries, ended, roleless = _ended_and_roleless(population)

    facts.refresh_people([entries[ended]])

    kept = set(CoverageEntry.objects.values_list("membership_id", flat=True))
    assert ended not in kept
    assert roleless in kept or entries[roleless] == entries[ended]
    facts.refresh_people([entries[roleless]])
    assert set(CoverageEntry.objects.values_list("membership_id", flat=True)) == set(entries) - {
        ended,
        roleless,
    }


@pytest.mark.parametrize(
    "part, whole, expected",
    [
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (9, 21, "42.9"),
        (1, 16, "6.3"),
        (1, 8, "12.5"),
        (0, 0, "0.0"),
    ],
)
def test_percentages_round_half_up_to_one_decimal(part, whole, expected):
    from lms.reports.selectors import percent

    assert percent(part, whole) == Decimal(expected)


def test_status_shares_are_each_rounded_half_up_not_forced_to_100():
    """1 of 3 is 33.3% and 9 of 21 is 42.9%, whatever the other statuses are; the shares of
    a total may then add up to a little more or less than 100%."""
    thirds = Counts(meets=1, expiring=1, overdue=1)
    assert [thirds.share(s) for s in Status.ORDER[:3]] == [Decimal("33.3")] * 3
    assert sum(thirds.shares().values()) == Decimal("99.9")
    mixed = Counts(meets=9, expiring=6, overdue=6)
    assert mixed.share(Status.MEETS) == Decimal("42.9")
    assert mixed.share(Status.EXPIRING) == Decimal("28.6")
    assert sum(mixed.shares().values()) == Decimal("100.1")
