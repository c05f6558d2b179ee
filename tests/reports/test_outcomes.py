"""Coverage on past days and by quarter: figures hand-computed for people whose standing changes
across the last quarter ends (joining, leaving, moving team, completing, a completion expiring,
supervision hours falling out of the window, two roles), equal to the dashboard's figure today,
kept current by the same refresh as the dashboard's read model.

Quarter ends ``q[0]``..``q[7]`` are the last eight before today (``outcomes.quarter_ends``).

Riverside NHS Trust
├── Health Visiting North (A1)
└── Community Midwives (A2)
Northshire Council
└── Family Support (B1)

Family support workers (FSW) require T1 (course c1), health visitors (HV) T2 (c1, c2 and 12
hours of supervision in 12 months).

1 joins       FSW in A1 from the day after q[5]; completed c1 before joining
2 leaves      FSW in A1 until q[6]; holds T1 throughout
3 moves team  FSW in A2 until q[5], then A1; never trained
4 completes   FSW in A1; completes c1 five days before q[6]
5 expires     FSW in A1; c1 completed at q[3], valid until 20 days after q[5]
6 supervision HV in A1; holds c1 and c2; 12 hours of supervision 40 to 29 days before q[3]
              (and 1.5 hours ten days before q[6]): T2 held until the hours leave the 12-month
              window, about 40 days before q[7]
7 two roles   HV and FSW in A1; holds T1, not T2 (counted once in A1, not holding)
8 never       FSW in B1 (another organisation)
"""

from datetime import date, timedelta
from itertools import count

import pytest
from django.utils import timezone

from courses.dates import start_of_day
from courses.models import Completion, Enrolment
from courses.services import refresh_standing
from lms.reports import facts
from lms.reports.models import CoveragePeriod
from lms.reports.outcomes import outcomes, quarter_ends, quarter_start
from lms.reports.periods import membership_periods
from lms.reports.permissions import coverage_scope
from lms.reports.selectors import Filters, coverage
from supervision.models import SupervisionAgreement
from tests.courses.factories import make_course
from tests.factories import JobRoleFactory, MembershipFactory, UserFactory
from tests.supervision.factories import make_agreement, make_session

pytestmark = pytest.mark.django_db

_cycle = count(1000)


def _complete(user, course, *, on: date, valid_until: date) -> Completion:
    completed_at = start_of_day(on) + timedelta(hours=10)
    enrolment = Enrolment.objects.create(
        user=user,
        course=course,
        status=Enrolment.Status.COMPLETED,
        is_current=False,
        cycle=next(_cycle),
        started_at=completed_at - timedelta(days=3),
        completed_at=completed_at,
    )
    return Completion.objects.create(
        user=user,
        course=course,
        enrolment=enrolment,
        course_title=course.title,
        tier_code=course.tier.code,
        score=90,
        completed_at=completed_at,
        expires_at=start_of_day(valid_until + timedelta(days=1)),
        valid_until=valid_until,
    )


@pytest.fixture
def history(db, org_tree, framework_tiers):
    tiers = framework_tiers
    today = timezone.localdate()
    q = quarter_ends(today)
    long_ago = q[0] - timedelta(days=400)
    far = today + timedelta(days=1000)
    hv = JobRoleFactory(code="health-visitor", name="Health visitor", required_tier=tiers["T2"])
    fsw = JobRoleFactory(
        code="family-support-worker", name="Family support worker", required_tier=tiers["T1"]
    )
    c1 = make_course(title="The First 1001 Days", tier=tiers["T1"], modules=1)
    c2 = make_course(title="Observing Interaction", tier=tiers["T2"], modules=1)
    a1, a2, b1 = org_tree["hv_team"], org_tree["midwives"], org_tree["family_support"]
    people = {n: UserFactory(display_name=f"Person {n}") for n in range(1, 9)}

    def member(n, unit, role, start=long_ago, end=None):
        MembershipFactory(user=people[n], unit=unit, job_role=role, start_date=start, end_date=end)

    member(1, a1, fsw, start=q[5] + timedelta(days=1))
    _complete(people[1], c1, on=q[4] - timedelta(days=10), valid_until=far)
    member(2, a1, fsw, end=q[6])
    _complete(people[2], c1, on=long_ago, valid_until=far)
    member(3, a2, fsw, end=q[5])
    member(3, a1, fsw, start=q[5] + timedelta(days=1))
    member(4, a1, fsw)
    _complete(people[4], c1, on=q[6] - timedelta(days=5), valid_until=far)
    member(5, a1, fsw)
    _complete(people[5], c1, on=q[3], valid_until=q[5] + timedelta(days=20))
    member(6, a1, hv)
    _complete(people[6], c1, on=long_ago, valid_until=far)
    _complete(people[6], c2, on=long_ago, valid_until=far)
    supervisor = UserFactory(display_name="Supervisor")
    agreement = make_agreement(
        supervisor, [people[6]], start_date=long_ago, format=SupervisionAgreement.Format.INDIVIDUAL
    )
    for offset in range(40, 28, -1):  # 12 sessions of an hour, 40 to 29 days before q[3]
        make_session(agreement, on=q[3] - timedelta(days=offset), minutes=60)
    make_session(agreement, on=q[6] - timedelta(days=10), minutes=90)
    # Peer supervision never counts, not even as hours.
    peer = make_agreement(supervisor, [people[6]], format=SupervisionAgreement.Format.PEER)
    make_session(peer, on=q[6] - timedelta(days=11), minutes=300)
    member(7, a1, hv)
    member(7, a1, fsw)
    _complete(people[7], c1, on=long_ago, valid_until=far)
    member(8, b1, fsw)
    for person in people.values():
        refresh_standing(user=person)  # as every service does; the receivers refresh the facts

    def manager(unit):
        user = UserFactory()
        MembershipFactory(user=user, unit=unit, job_role=None, is_manager=True)
        return user

    return {
        "q": q,
        "today": today,
        "people": people,
        "trust": coverage_scope(manager(org_tree["trust"])),
        "region": coverage_scope(manager(org_tree["region"])),
        "hv": hv,
        "a1": a1,
    }


def figures(result) -> dict:
    """Row label -> [(people, holding) per day]; "Total" for the total."""
    rows = {r.label: [(c.total, c.holding) for c in r.cells] for r in result.units}
    rows["Total"] = [(c.total, c.holding) for c in result.total.cells]
    return rows


def test_coverage_on_past_quarter_ends_is_hand_computed(history):
    q, today = history["q"], history["today"]
    days = [q[4], q[5], q[6], q[7], today]
    result = figures(outcomes(history["trust"], Filters(), days))
    assert result["Health Visiting North"] == [(5, 3), (5, 3), (7, 4), (6, 2), (6, 2)]
    assert result["Community Midwives"] == [(1, 0), (1, 0), (0, 0), (0, 0), (0, 0)]
    assert result["Total"] == [(6, 3), (6, 3), (7, 4), (6, 2), (6, 2)]


def test_the_day_before_and_after_a_change(history):
    q = history["q"]
    p5_lapses = q[5] + timedelta(days=21)
    p1_joins = q[5] + timedelta(days=1)
    p4_completes = q[6] - timedelta(days=5)
    days = [p5_lapses - timedelta(days=1), p5_lapses, p4_completes - timedelta(days=1)]
    result = figures(outcomes(history["trust"], Filters(unit=history["a1"]), days))
    # p5_lapses - 1: 1, 2, 3 (moved in), 4, 5, 6, 7 counted; 1, 2, 5, 6 hold.
    assert p1_joins < p5_lapses
    assert result["Total"] == [(7, 4), (7, 3), (7, 3)]


def test_regional_lead_and_filters(history):
    q = history["q"]
    region = figures(outcomes(history["region"], Filters(), [q[4], q[7]]))
    assert region["Riverside NHS Trust"] == [(6, 3), (6, 2)]
    assert region["Northshire Council"] == [(1, 0), (1, 0)]
    assert region["Total"] == [(7, 3), (7, 2)]
    hv_only = figures(outcomes(history["region"], Filters(job_role=history["hv"]), [q[4], q[7]]))
    assert hv_only["Total"] == [(2, 1), (2, 0)]  # 6 and 7 as health visitors


def test_past_date_figure_for_today_equals_the_dashboard(history):
    today = history["today"]
    for scope in (history["trust"], history["region"]):
        for filters in (Filters(), Filters(job_role=history["hv"])):
            dashboard = coverage(scope, filters)
            past = outcomes(scope, filters, [today])
            assert past.total.cells[0].total == dashboard.total.total
            assert past.total.cells[0].holding == dashboard.total.holding
            by_unit = {r.label: r.counts for r in dashboard.units}
            for row in past.units:
                if row.label in by_unit:
                    assert row.cells[0].total == by_unit[row.label].total, row.label
                    assert row.cells[0].holding == by_unit[row.label].holding, row.label


def test_supervision_hours_by_quarter(history):
    q = history["q"]
    result = outcomes(history["trust"], Filters(), q, supervision=True)
    a1 = next(r for r in result.units if r.label == "Health Visiting North")
    minutes = dict(zip(q, a1.minutes, strict=True))
    assert minutes[q[3]] == 12 * 60
    assert minutes[q[6]] == 90  # peer supervision left out
    assert sum(a1.minutes) == 12 * 60 + 90
    assert result.total.minutes == a1.minutes


def test_the_refresh_keeps_periods_equal_to_a_rebuild(history):
    def snapshot():
        return sorted(
            CoveragePeriod.objects.values_list(
                "membership_id", "holds", "valid_from", "valid_to", "tier_id"
            )
        )

    refreshed = snapshot()
    facts.rebuild()
    assert snapshot() == refreshed
    # A new completion shows at once, from its day on.
    q = history["q"]
    person = history["people"][3]
    c1 = Completion.objects.filter(user=history["people"][2]).first().course
    _complete(person, c1, on=q[7], valid_until=history["today"] + timedelta(days=10))
    refresh_standing(user=person)
    result = figures(outcomes(history["trust"], Filters(), [q[6], q[7]]))
    assert result["Total"] == [(7, 4), (6, 3)]


def test_quarter_ends():
    assert quarter_ends(date(2026, 12, 6)) == [
        date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30),
        date(2025, 12, 31), date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30),
    ]  # fmt: skip
    assert quarter_ends(date(2026, 6, 30))[-1] == date(2026, 6, 30)
    assert quarter_ends(date(2026, 7, 1))[-1] == date(2026, 6, 30)
    assert quarter_ends(date(2026, 1, 1))[-1] == date(2025, 12, 31)
    assert quarter_start(date(2026, 3, 31)) == date(2026, 1, 1)


def test_membership_periods_cover_the_membership_without_gaps():
    d = date(2026, 1, 1)

    def day(n):
        return d + timedelta(days=n)

    assert membership_periods(d, None, []) == [(False, d, None)]
    assert membership_periods(d, day(10), [(day(-5), day(3)), (day(6), day(20))]) == [
        (True, d, day(3)),
        (False, day(4), day(5)),
        (True, day(6), day(10)),
    ]
    assert membership_periods(d, None, [(day(2), day(4))]) == [
        (False, d, day(1)),
        (True, day(2), day(4)),
        (False, day(5), None),
    ]
