"""Competency levels: the tiers a person holds (TierStanding), derived from current completions,
supervision hours (T2 up) and an assessor's sign-off (T3 up), against their role's tier."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses import selectors, services
from courses.models import CompetencyAssessment, TierStanding
from tests.courses.factories import finish_course, make_course
from tests.factories import CompetencyAreaFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def complete(user, course):
    return finish_course(services.enrol(user=user, course=course)[0], course).completion


def standing(user) -> dict[str, date]:
    return {s.tier.code: s.valid_until for s in TierStanding.objects.filter(user=user)}


def supervise(supervisor, supervisee, *, minutes: int, sessions: int = 1):
    """Signed-off reflective supervision, through the supervision app's services."""
    from supervision import services as supervision

    today = timezone.localdate()
    agreement, _ = supervision.agreement_create(
        supervisor=supervisor,
        supervisees=[supervisee],
        type="reflective",
        format="individual",
        modality="in_person",
        frequency="monthly",
        start_date=today - timedelta(days=60),
        review_date=today + timedelta(days=300),
        confidentiality="Shared only if a child is at risk.",
    )
    supervision.agreement_accept(agreement=agreement, user=supervisee)
    for n in range(sessions):
        session, _ = supervision.session_create(
            agreement=agreement,
            author=supervisor,
            date=today - timedelta(days=n),
            duration_minutes=minutes,
            attendees=[supervisee],
        )
        supervision.session_sign_off(session=session, user=supervisor)


@pytest.fixture
def tiers(framework_tiers):
    return framework_tiers


@pytest.fixture
def core(tiers):
    """Two core courses at T1, one at T2, one at T3; one optional T1 course."""
    return {
        "t1a": make_course(title="T1 A", tier=tiers["T1"], validity_months=36),
        "t1b": make_course(title="T1 B", tier=tiers["T1"], validity_months=24),
        "t2": make_course(title="T2", tier=tiers["T2"], validity_months=24),
        "t3": make_course(title="T3", tier=tiers["T3"], validity_months=12),
        "optional": make_course(title="Optional", tier=tiers["T1"], required_for_tier=False),
    }


def test_t1_is_held_once_every_t1_core_course_is_current(core, learner):
    complete(learner, core["t1a"])
    assert standing(learner) == {}

    b = complete(learner, core["t1b"])

    # The earliest lapse of its conditions: the 24-month course.
    assert standing(learner) == {"T1": b.valid_until}
    assert selectors.holds_tier(learner, core["t1a"].tier)


def test_optional_courses_do_not_count_towards_a_tier(core, learner):
    complete(learner, core["t1a"])
    complete(learner, core["optional"])
    assert standing(learner) == {}


def test_an_expired_completion_stops_the_tier_counting_without_a_recompute(core, learner, travel):
    travel(datetime(2022, 1, 10, 9))
    complete(learner, core["t1a"])
    complete(learner, core["t1b"])
    assert standing(learner) == {"T1": date(2024, 1, 9)}

    travel(datetime(2024, 1, 9, 18))
    assert selectors.holds_tier(learner, core["t1a"].tier)
    travel(datetime(2024, 1, 10, 9))
    assert not selectors.holds_tier(learner, core["t1a"].tier)
    assert selectors.tier_summary(learner, core["t1a"].tier).status == "below"

    # Recomputing drops the lapsed row; completing the refresher brings it back.
    services.refresh_standing(user=learner)
    assert standing(learner) == {}
    complete(learner, core["t1b"])
    # Now limited by the 36-month course completed in 2022.
    assert standing(learner) == {"T1": date(2025, 1, 9)}


def test_t2_needs_t1_and_the_supervision_target(core, learner, user_factory):
    complete(learner, core["t2"])
    assert standing(learner) == {}  # T1 not held, so T2 cannot be

    complete(learner, core["t1a"])
    complete(learner, core["t1b"])
    assert set(standing(learner)) == {"T1"}  # no supervision yet

    supervise(user_factory(), learner, minutes=360, sessions=2)  # 12 hours, signed off

    # The sign-off signal recomputed it; the supervision window ends first here.
    held = standing(learner)
    assert set(held) == {"T1", "T2"}
    from supervision.selectors import valid_until_for

    yesterday = timezone.localdate() - timedelta(days=1)  # the session that reached 12 hours
    assert held["T2"] == min(held["T1"], valid_until_for(yesterday, 12))


def test_supervision_short_of_the_target_does_not_give_t2(core, learner, user_factory):
    for key in ("t1a", "t1b", "t2"):
        complete(learner, core[key])
    supervise(user_factory(), learner, minutes=300, sessions=2)  # 10 hours: short of 12
    assert set(standing(learner)) == {"T1"}


def test_t3_needs_an_achieved_overall_assessment(core, learner, user_factory, team):
    manager = user_factory()
    MembershipFactory(user=manager, unit=team, job_role=None, is_manager=True)
    MembershipFactory(user=learner, unit=team)
    for key in ("t1a", "t1b", "t2", "t3"):
        complete(learner, core[key])
    supervise(user_factory(), learner, minutes=480, sessions=4)  # 32 hours
    assert set(standing(learner)) == {"T1", "T2"}

    t3 = core["t3"].tier
    services.record_assessment(
        assessor=manager, user=learner, tier=t3, status="working_towards", evidence="Observed."
    )
    assert set(standing(learner)) == {"T1", "T2"}

    services.record_assessment(
        assessor=manager, user=learner, tier=t3, status="achieved", evidence="Case discussion."
    )
    held = standing(learner)
    assert set(held) == {"T1", "T2", "T3"}
    assert held["T3"] <= held["T2"] <= held["T1"]

    # A later judgement replaces the earlier one.
    services.record_assessment(
        assessor=manager, user=learner, tier=t3, status="working_towards", evidence="Gaps."
    )
    assert set(standing(learner)) == {"T1", "T2"}


def test_only_a_manager_of_the_person_or_an_admin_may_assess(
    tiers, learner, user_factory, team, manager
):
    MembershipFactory(user=learner, unit=team)
    stranger = user_factory()
    admin = user_factory(is_superuser=True)

    for assessor in (stranger, learner):
        with pytest.raises(PermissionDenied):
            services.record_assessment(
                assessor=assessor, user=learner, tier=tiers["T3"], status="achieved", evidence="x"
            )
    with pytest.raises(PermissionDenied):
        services.record_assessment(
            assessor=manager, user=manager, tier=tiers["T3"], status="achieved", evidence="x"
        )
    services.record_assessment(
        assessor=manager, user=learner, tier=tiers["T3"], status="achieved", evidence="Seen."
    )
    services.record_assessment(
        assessor=admin, user=learner, tier=tiers["T4"], status="working_towards", evidence="y"
    )
    assert CompetencyAssessment.objects.filter(user=learner).count() == 2


def test_assessments_need_evidence_and_a_date_not_in_the_future(tiers, learner, manager, team):
    MembershipFactory(user=learner, unit=team)
    with pytest.raises(ValidationError):
        services.record_assessment(
            assessor=manager, user=learner, tier=tiers["T3"], status="achieved", evidence=" "
        )
    with pytest.raises(ValidationError):
        services.record_assessment(
            assessor=manager,
            user=learner,
            tier=tiers["T3"],
            status="achieved",
            evidence="Seen.",
            assessed_on=timezone.localdate() + timedelta(days=1),
        )
    assert not CompetencyAssessment.objects.exists()


def test_publishing_a_new_core_course_recomputes_standings(
    core, learner, tiers, django_capture_on_commit_callbacks
):
    complete(learner, core["t1a"])
    complete(learner, core["t1b"])
    assert "T1" in standing(learner)

    with django_capture_on_commit_callbacks(execute=True):
        make_course(title="A new T1 course", tier=tiers["T1"])

    assert standing(learner) == {}


def test_tier_summary_compares_the_held_tier_with_the_role(core, learner, travel):
    t1 = core["t1a"].tier
    t2 = core["t2"].tier
    travel(datetime(2025, 1, 1, 9))
    complete(learner, core["t1a"])
    complete(learner, core["t1b"])  # T1 until 31 December 2026

    assert selectors.tier_summary(learner, t1).status == "meets"
    assert selectors.tier_summary(learner, t2).status == "below"
    assert selectors.tier_summary(learner, None).status == "no_requirement"
    travel(datetime(2026, 10, 15, 9))  # 77 days before it lapses
    summary = selectors.tier_summary(learner, t1)
    assert (summary.status, summary.held, summary.required_valid_until) == (
        "expiring",
        t1,
        date(2026, 12, 31),
    )


def test_per_area_tiers(tiers, learner, user_factory, team, manager):
    states = CompetencyAreaFactory(key="states", name="States and cues")
    reflective = CompetencyAreaFactory(key="reflective", name="Reflective practice")
    make_course(title="States", tier=tiers["T1"], competency_areas=[states])
    cues = make_course(title="Cues", tier=tiers["T1"], competency_areas=[states])
    supervision_course = make_course(
        title="Supervision", tier=tiers["T2"], competency_areas=[reflective]
    )
    complete(learner, cues)
    complete(learner, supervision_course)
    MembershipFactory(user=learner, unit=team)
    services.record_assessment(
        assessor=manager,
        user=learner,
        tier=tiers["T3"],
        competency_area=reflective,
        status="working_towards",
        evidence="Growing.",
    )

    rows = {row.area.key: row for row in selectors.area_tiers(learner)}

    assert rows["states"].tier is None  # one of its T1 courses is not done
    # Its first course is at T2; T1 has none for it.
    assert rows["reflective"].tier == tiers["T2"]
    assert rows["reflective"].working_towards == [tiers["T3"]]


def test_a_tier_without_a_supervision_target_needs_only_its_courses(core, learner):
    from supervision.models import SupervisionTarget
    from supervision.selectors import has_supervision_target

    t2 = core["t2"].tier
    assert has_supervision_target(t2)
    SupervisionTarget.objects.filter(tier=t2).delete()

    for key in ("t1a", "t1b", "t2"):
        complete(learner, core[key])

    assert set(standing(learner)) == {"T1", "T2"}


# --- Why a tier is held, or not (issue 15, item 3) --------------------------------------------


def test_the_reasons_below_t2_name_the_missing_course_and_the_supervision_shortfall(
    core, learner, user_factory
):
    complete(learner, core["t1a"])
    explanation = selectors.explain_tier(learner, core["t2"].tier)
    assert explanation.gaps == [
        "T1 B (T1): not completed",
        "T2 (T2): not completed",
        "Supervision for T2: 0 of 12 hours in the last 12 months, 12 hours short",
    ]
    # T2 requires no assessment of practice, so none is mentioned.
    assert not any("ssessment" in gap for gap in explanation.gaps)


def test_the_reasons_below_t2_give_the_supervision_hours_short_over_the_window(
    core, learner, user_factory
):
    for key in ("t1a", "t1b", "t2"):
        complete(learner, core[key])
    supervise(user_factory(), learner, minutes=300, sessions=2)  # 10 hours
    explanation = selectors.explain_tier(learner, core["t2"].tier)
    assert explanation.gaps == [
        "Supervision for T2: 10 of 12 hours in the last 12 months, 2 hours short"
    ]


def test_an_expired_course_and_a_pending_assessment_are_reasons_below_t3(
    core, learner, user_factory, team
):
    for key in ("t1a", "t1b", "t2", "t3"):
        complete(learner, core[key])
    supervise(user_factory(), learner, minutes=480, sessions=3)  # 24 hours
    lapsed = timezone.localdate() - timedelta(days=3)
    core["t1a"].completions.filter(user=learner).update(valid_until=lapsed)  # as if long ago
    gaps = selectors.explain_tier(learner, core["t3"].tier).gaps
    assert f"T1 A (T1): the completion expired on {lapsed:%-d %B %Y}" in gaps
    assert "Assessment of practice at T3: pending, none recorded yet" in gaps


def test_when_supervision_sets_the_end_of_t2_the_explanation_says_so(core, learner, user_factory):
    for key in ("t1a", "t1b", "t2"):
        complete(learner, core[key])
    supervise(user_factory(), learner, minutes=360, sessions=2)  # 12 hours, reached yesterday
    explanation = selectors.explain_tier(learner, core["t2"].tier)
    assert explanation.gaps == []
    assert explanation.ends.startswith("set by the supervision window")
    assert standing(learner)["T2"] < standing(learner)["T1"]


def _people_in_every_state(core, user_factory, team, count: int):
    """``count`` people spread over: nothing, T1 only, T1 with one course expired, T2 (with
    supervision), T3 (with an achieved assessment) and T3 judged "working towards"."""
    from courses.models import Completion

    manager = user_factory()
    MembershipFactory(user=manager, unit=team, job_role=None, is_manager=True)
    supervisor = user_factory()
    people = []
    for n in range(count):
        person = user_factory()
        MembershipFactory(user=person, unit=team)
        state = n % 6
        if state >= 1:
            complete(person, core["t1a"])
            complete(person, core["t1b"])
        if state == 2:  # the 24-month course lapsed yesterday
            Completion.objects.filter(user=person, course=core["t1b"]).update(
                valid_until=timezone.localdate() - timedelta(days=1)
            )
        if state >= 3:
            complete(person, core["t2"])
            supervise(supervisor, person, minutes=480, sessions=4)
        if state >= 4:
            complete(person, core["t3"])
            status = "achieved" if state == 4 else "working_towards"
            services.record_assessment(
                assessor=manager, user=person, tier=core["t3"].tier, status=status, evidence="Seen."
            )
        people.append(person)
    return people


def _written(people):
    from courses.models import LearnerSummary

    ids = [p.pk for p in people]
    return (
        sorted(
            TierStanding.objects.filter(user_id__in=ids).values_list(
                "user_id", "tier__code", "valid_until"
            )
        ),
        sorted(
            LearnerSummary.objects.filter(user_id__in=ids).values_list(
                "user_id", "first_started_at", "last_completed_at", "next_due_on"
            )
        ),
    )


def test_the_set_based_refresh_writes_what_the_per_person_refresh_writes(core, user_factory, team):
    from courses.models import LearnerSummary

    people = _people_in_every_state(core, user_factory, team, 6)
    for person in people:  # the reference: person by person
        services.refresh_standing(user=person)
    expected = _written(people)
    assert {code for _, code, _ in expected[0]} == {"T1", "T2", "T3"}
    TierStanding.objects.all().delete()
    LearnerSummary.objects.all().delete()
    # Wrong leftovers are corrected too.
    TierStanding.objects.create(
        user=people[0],
        tier=core["t3"].tier,
        valid_until=date(2030, 1, 1),
        computed_at=timezone.now(),
    )

    assert services.refresh_standings(user_ids=[p.pk for p in people]) == 6

    assert _written(people) == expected


def test_the_set_based_refresh_reads_and_writes_per_batch_not_per_person(core, user_factory, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = _people_in_every_state(core, user_factory, team, 6)
    many = _people_in_every_state(core, user_factory, team, 12)
    counts = []
    for people in (few, many):
        TierStanding.objects.filter(user__in=people).delete()
        with CaptureQueriesContext(connection) as queries:
            services.refresh_standings(user_ids=[p.pk for p in people])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
