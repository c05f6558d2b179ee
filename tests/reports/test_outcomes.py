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
from django.urls import reverse
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

from .test_exports import csv_rows, xlsx_rows

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

    trust_manager, region_lead = manager(org_tree["trust"]), manager(org_tree["region"])
    return {
        "q": q,
        "today": today,
        "people": people,
        "trust_manager": trust_manager,
        "region_lead": region_lead,
        "council_manager": manager(org_tree["council"]),
        "trust": coverage_scope(trust_manager),
        "region": coverage_scope(region_lead),
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


# --- The page and its exports ----------------------------------------------------------------

OUTCOMES = "/reports/outcomes/"


def test_outcomes_url():
    assert reverse("reports:outcomes") == OUTCOMES


def test_people_without_a_coverage_scope_get_404(client, history):
    client.force_login(history["people"][1])
    assert client.get(OUTCOMES).status_code == 404
    assert client.get(reverse("reports:export", args=["quarters", "csv"])).status_code == 404


def test_manager_sees_quarters_a_chosen_day_and_supervision(client, history):
    q = history["q"]
    client.force_login(history["trust_manager"])
    response = client.get(OUTCOMES, {"on": q[6].isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["on_day"].total.cells[0].holding == 4
    assert "4 of 7 staff with a job role held the tier their role requires" in page
    assert "<strong>57.1%</strong>" in page
    # The quarterly table and the charts carry the same figures.
    assert page.count('57.1% <span class="share">4 of 7</span>') == 2  # unit and total
    assert "Health Visiting North: share holding the required tier, by quarter" in page
    assert "57.1% (4 of 7)" in page
    assert '<td class="num">12.0</td>' in page  # supervision hours in q[3]
    assert "Northshire Council" not in page  # another organisation


def test_a_bad_date_is_explained_and_the_filters_are_kept(client, history):
    client.force_login(history["trust_manager"])
    a1 = history["a1"]
    future = history["today"] + timedelta(days=3)
    response = client.get(OUTCOMES, {"on": future.isoformat(), "unit": a1.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "figures for a future date are not known yet" in page
    assert f'value="{future.isoformat()}"' in page  # what was typed stays
    assert response.context["filters"].unit == a1  # the unit filter still applies
    assert response.context["chosen"] == history["today"]
    nonsense = client.get(OUTCOMES, {"on": "31/02/2026"}).content.decode()
    assert "Enter a real date" in nonsense


def test_a_unit_that_is_not_theirs_is_refused(client, history, org_tree):
    client.force_login(history["council_manager"])
    response = client.get(OUTCOMES, {"unit": history["a1"].pk})
    assert response.status_code == 200
    assert "That unit is not one of yours" in response.content.decode()
    assert "Health Visiting North" not in response.context["quarters"].units[0].label
    export = client.get(
        reverse("reports:export", args=["quarters", "csv"]), {"unit": history["a1"].pk}
    )
    assert export.status_code == 404


def test_quarterly_exports_match_the_page(client, history):
    q = history["q"]
    client.force_login(history["trust_manager"])
    url = reverse("reports:export", args=["quarters", "csv"])
    rows = csv_rows(client.get(url))
    assert rows[0][:7] == [
        "Unit", "Quarter", "Quarter end", "Staff", "Hold the required tier",
        "Hold the required tier (%)", "Supervision hours in the quarter",
    ]  # fmt: skip
    by_key = {(r[0], r[2]): r for r in rows[1:]}
    a1_q6 = by_key[("Health Visiting North", q[6].isoformat())]
    assert a1_q6[3:7] == ["7", "4", "57.1", "1.5"]
    total_q7 = by_key[("Total (each person once)", q[7].isoformat())]
    assert total_q7[3:6] == ["6", "2", "33.3"]
    assert len(rows) == 1 + 3 * 8  # two units and the total, eight quarters each
    xlsx = xlsx_rows(client.get(reverse("reports:export", args=["quarters", "xlsx"])))
    assert len(xlsx) == len(rows)
    assert xlsx[0][4] == "Hold the required tier"


def test_query_count_does_not_grow_with_staff(client, history, django_assert_max_num_queries):
    client.force_login(history["region_lead"])
    with django_assert_max_num_queries(40):
        assert client.get(OUTCOMES).status_code == 200


def test_a_rebuild_in_small_batches_writes_each_person_once(history, monkeypatch):
    from lms.reports import periods

    expected = CoveragePeriod.objects.count()
    monkeypatch.setattr(periods, "BATCH", 1)
    periods.rebuild_periods()
    assert CoveragePeriod.objects.count() == expected
    q = history["q"]
    result = figures(outcomes(history["trust"], Filters(), [q[6], history["today"]]))
    assert result["Total"] == [(7, 4), (6, 2)]


def test_training_evaluation_by_quarter_pools_five_or_more_and_only_their_people(
    client, history, org_tree
):
    """The outcomes page shows the evaluations the trust's people completed in each quarter:
    a quarter with five responses shows its averages (hand-computed), one with fewer shows
    nothing but the count, and another organisation's answers are not counted."""
    from courses.workshops.models import Evaluation

    q, people = history["q"], history["people"]
    course = make_course(title="Video Feedback Practice", tier=history["hv"].required_tier)

    def evaluate(person, day, usefulness, before, after):
        enrolment = Enrolment.objects.create(
            user=person, course=course, cycle=next(_cycle), is_current=False
        )
        Evaluation.objects.create(
            user=person,
            course=course,
            enrolment=enrolment,
            usefulness=usefulness,
            confidence_before={"attachment": before, "observation": before + 1},
            confidence_after={"attachment": after, "observation": after + 1},
            will_do_differently="Slow down and watch the baby first.",
            after_at=start_of_day(day) + timedelta(hours=12),
        )

    in_q6 = q[6] - timedelta(days=20)
    # Five trust people in the quarter ending q[6]: usefulness 5,4,4,3,5 -> 4.2; confidence
    # before (area averages) 2.5,1.5,2.5,3.5,2.5 -> 2.5; after 4.5,3.5,4.5,4.5,3.5 -> 4.1.
    for n, (useful, before, after) in zip(
        (1, 2, 4, 5, 6), [(5, 2, 4), (4, 1, 3), (4, 2, 4), (3, 3, 4), (5, 2, 3)], strict=True
    ):
        evaluate(people[n], in_q6, useful, before, after)
    evaluate(people[8], in_q6, 1, 1, 1)  # Northshire Council: not the trust manager's
    for n in (6, 7):  # two in the last quarter: too few to show
        evaluate(people[n], q[7] - timedelta(days=5), 5, 1, 5)

    client.force_login(history["trust_manager"])
    response = client.get(OUTCOMES)
    rows = dict(response.context["evaluation_rows"])
    shown = rows[response.context["labels"][6]]
    assert (shown.responses, shown.usefulness, shown.before, shown.after, shown.change) == (
        5,
        4.2,
        2.5,
        4.1,
        1.6,
    )
    hidden = rows[response.context["labels"][7]]
    assert (hidden.responses, hidden.shown, hidden.usefulness) == (2, False, None)
    page = response.content.decode()
    assert "Training evaluation by quarter" in page
    assert "Fewer than 5 responses: not shown" in page
    assert "Slow down and watch the baby" not in page  # free text is for trainers, not here
