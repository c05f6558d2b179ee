"""Hours arithmetic: the rolling window, peer and draft exclusion, group sessions, targets,
status, validity and learning needs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from supervision import selectors
from supervision.models import SupervisionAgreement, SupervisionTarget
from supervision.selectors import (
    Status,
    add_months,
    compute_status,
    hours_by_user,
    hours_in_window,
    hours_since,
    learning_needs,
    supervision_summary,
    supervision_valid_until,
    valid_until_for,
    window_start,
)
from supervision.services import ensure_default_targets
from tests.factories import CompetencyAreaFactory, MembershipFactory, UserFactory

from .factories import make_agreement, make_session, role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def pair(framework_tiers):
    supervisor, supervisee = UserFactory(), UserFactory()
    return supervisor, supervisee, make_agreement(supervisor, [supervisee])


# --- Dates ----------------------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_short_months():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)


def test_window_of_12_months_ends_today_and_starts_the_day_after_a_year_ago():
    assert window_start(date(2025, 6, 15), 12) == date(2024, 6, 16)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=1, max_value=24),
)
def test_window_and_validity_agree_on_every_day(session_day, days_later, months):
    """A session on d counts on day X exactly when X is between d and valid_until_for(d)."""
    on = session_day + timedelta(days=days_later)
    inside_window = window_start(on, months) <= session_day <= on
    assert inside_window == (on <= valid_until_for(session_day, months))


# --- Hours ----------------------------------------------------------------------------------


def test_rolling_window_includes_its_first_day_and_excludes_the_day_before(pair):
    _, supervisee, agreement = pair
    on = date(2025, 6, 15)
    make_session(agreement, on=date(2024, 6, 16), minutes=60)  # first day of the window
    make_session(agreement, on=date(2024, 6, 15), minutes=120)  # one day too old
    make_session(agreement, on=date(2025, 6, 15), minutes=30)  # the last day
    make_session(agreement, on=date(2025, 6, 16), minutes=45)  # after ``on``
    assert hours_in_window(supervisee, on=on) == Decimal("1.50")
    assert hours_by_user([supervisee.pk], on=on)[supervisee.pk] == Decimal("1.50")


def test_peer_sessions_and_drafts_do_not_count(pair, framework_tiers):
    _supervisor, supervisee, agreement = pair
    peer = make_agreement(UserFactory(), [supervisee], format=SupervisionAgreement.Format.PEER)
    make_session(agreement, on=TODAY() - timedelta(days=3), minutes=60)
    make_session(agreement, on=TODAY() - timedelta(days=2), minutes=60, signed_off=False)
    make_session(peer, on=TODAY() - timedelta(days=1), minutes=90)
    assert hours_in_window(supervisee) == Decimal("1.00")
    assert hours_by_user([supervisee.pk])[supervisee.pk] == Decimal("1.00")
    assert supervision_summary(supervisee).hours_12m == Decimal("1.00")


def test_line_management_supervision_does_not_count(pair, framework_tiers):
    supervisor, supervisee, agreement = pair
    management = make_agreement(supervisor, [supervisee], type=SupervisionAgreement.Type.MANAGEMENT)
    clinical = make_agreement(supervisor, [supervisee], type=SupervisionAgreement.Type.CLINICAL)
    make_session(agreement, on=TODAY() - timedelta(days=3), minutes=60)
    make_session(management, on=TODAY() - timedelta(days=2), minutes=120)
    make_session(clinical, on=TODAY() - timedelta(days=1), minutes=30)
    assert hours_in_window(supervisee) == Decimal("1.50")
    assert hours_by_user([supervisee.pk])[supervisee.pk] == Decimal("1.50")


def test_group_sessions_credit_every_attendee_with_the_full_duration(framework_tiers):
    supervisor = UserFactory()
    a, b, absent = UserFactory(), UserFactory(), UserFactory()
    group = make_agreement(supervisor, [a, b, absent], format=SupervisionAgreement.Format.GROUP)
    make_session(group, attendees=[a, b], on=TODAY() - timedelta(days=1), minutes=90)
    totals = hours_by_user([a.pk, b.pk, absent.pk, supervisor.pk])
    assert totals == {
        a.pk: Decimal("1.50"),
        b.pk: Decimal("1.50"),
        absent.pk: Decimal("0.00"),
        supervisor.pk: Decimal("0.00"),  # giving supervision is not receiving it
    }


def test_hours_by_user_is_one_query(pair, django_assert_num_queries):
    _, supervisee, _agreement = pair
    others = [UserFactory() for _ in range(5)]
    for person in others:
        make_session(make_agreement(UserFactory(), [person]), on=TODAY(), minutes=30)
    with django_assert_num_queries(1):
        totals = hours_by_user([supervisee.pk, *(p.pk for p in others)])
    assert all(totals[p.pk] == Decimal("0.50") for p in others)


def test_hours_since_a_date(pair):
    _, supervisee, agreement = pair
    make_session(agreement, on=TODAY() - timedelta(days=30), minutes=60)
    make_session(agreement, on=TODAY() - timedelta(days=10), minutes=50)
    assert hours_since(supervisee, TODAY() - timedelta(days=10)) == Decimal("0.83")
    assert hours_since(supervisee, TODAY() - timedelta(days=400)) == Decimal("1.83")
    summary = supervision_summary(supervisee)
    assert summary.hours_since(TODAY() - timedelta(days=10)) == Decimal("0.83")


# --- Targets and validity -------------------------------------------------------------------


def test_default_targets_follow_the_domain_brief_and_are_created_once(framework_tiers):
    SupervisionTarget.objects.all().delete()
    created = ensure_default_targets()
    assert {t.tier.code for t in created} == {"T2", "T3", "T4"}
    t2 = SupervisionTarget.objects.get(tier__code="T2")
    t3 = SupervisionTarget.objects.get(tier__code="T3")
    assert (t2.hours, t2.window_months, t2.max_gap_days) == (12, 12, None)
    assert (t3.hours, t3.window_months, t3.max_gap_days) == (26, 12, 28)
    assert not SupervisionTarget.objects.filter(tier__code="T1").exists()
    t2.hours = 20
    t2.save()
    assert ensure_default_targets() == []
    t2.refresh_from_db()
    assert t2.hours == 20  # an administrator's edit is kept


def test_targets_are_created_lazily_when_none_exist(framework_tiers):
    SupervisionTarget.objects.all().delete()
    target = selectors.target_for_tier(framework_tiers["T3"])
    assert target is not None and target.hours == 26
    assert selectors.has_supervision_target(framework_tiers["T2"])
    assert not selectors.has_supervision_target(framework_tiers["T1"])


def test_valid_until_is_set_by_the_session_that_reaches_the_target(pair, framework_tiers):
    _, supervisee, agreement = pair
    t2 = framework_tiers["T2"]  # 12 hours in 12 months
    days = [10, 40, 100, 200]
    for d in days:
        make_session(agreement, on=TODAY() - timedelta(days=d), minutes=240)
    # Newest first: 4 h (10 days ago), 8 h (40), 12 h (100 days ago) reaches the target.
    expected = add_months(TODAY() - timedelta(days=100), 12) - timedelta(days=1)
    assert supervision_valid_until(supervisee, t2) == expected


def test_valid_until_is_none_when_the_target_is_not_met_or_there_is_none(pair, framework_tiers):
    _, supervisee, agreement = pair
    make_session(agreement, on=TODAY() - timedelta(days=5), minutes=480)
    assert supervision_valid_until(supervisee, framework_tiers["T2"]) is None  # 8 of 12 h
    assert supervision_valid_until(supervisee, framework_tiers["T1"]) is None  # no target


def test_valid_until_ignores_peer_and_draft_hours(pair, framework_tiers):
    _, supervisee, agreement = pair
    peer = make_agreement(UserFactory(), [supervisee], format=SupervisionAgreement.Format.PEER)
    make_session(agreement, on=TODAY() - timedelta(days=5), minutes=480)
    make_session(agreement, on=TODAY() - timedelta(days=4), minutes=480, signed_off=False)
    make_session(peer, on=TODAY() - timedelta(days=3), minutes=480)
    assert supervision_valid_until(supervisee, framework_tiers["T2"]) is None
    make_session(agreement, on=TODAY() - timedelta(days=2), minutes=240)
    assert supervision_valid_until(supervisee, framework_tiers["T2"]) == valid_until_for(
        TODAY() - timedelta(days=5), 12
    )


# --- Status ---------------------------------------------------------------------------------


def target(hours=26, gap=28):
    return SupervisionTarget(hours=Decimal(hours), window_months=12, max_gap_days=gap)


def test_status_no_target():
    status, _, _ = compute_status(
        target=None, minutes_in_window=0, last_session_on=None, in_post_since=None, on=TODAY()
    )
    assert status == Status.NO_TARGET


def test_status_overdue_after_28_days_without_a_session():
    on = date(2025, 6, 30)
    kwargs = {"target": target(), "minutes_in_window": 26 * 60, "in_post_since": date(2020, 1, 1)}
    assert compute_status(last_session_on=on - timedelta(days=28), on=on, **kwargs)[0] == (
        Status.ON_TRACK
    )
    status, _, due = compute_status(last_session_on=on - timedelta(days=29), on=on, **kwargs)
    assert status == Status.OVERDUE and due == on - timedelta(days=1)


def test_status_behind_when_below_the_target_for_someone_in_post_all_year():
    on = date(2025, 6, 30)
    status, expected, _ = compute_status(
        target=target(),
        minutes_in_window=20 * 60,
        last_session_on=on - timedelta(days=3),
        in_post_since=date(2020, 1, 1),
        on=on,
    )
    assert status == Status.BEHIND and expected == Decimal("26.00")


def test_new_starters_are_expected_a_pro_rata_share():
    on = date(2025, 6, 30)
    started = on - timedelta(days=72)  # about a fifth of the year
    kwargs = {"target": target(), "in_post_since": started, "on": on}
    on_track = compute_status(minutes_in_window=5 * 60, last_session_on=on, **kwargs)
    assert on_track[0] == Status.ON_TRACK
    assert on_track[1] == Decimal("5.00")  # 26 h x 73/365 days = 5.2, in whole hours
    assert compute_status(minutes_in_window=2 * 60, last_session_on=on, **kwargs)[0] == (
        Status.BEHIND
    )
    # No session yet: the 28 days run from the start in post.
    assert compute_status(minutes_in_window=0, last_session_on=None, **kwargs)[0] == (
        Status.OVERDUE
    )


def test_nobody_is_behind_before_a_whole_session_is_due():
    on = date(2025, 6, 30)
    kwargs = {"target": target(12, None), "minutes_in_window": 0, "last_session_on": None}
    first_day = compute_status(in_post_since=on, on=on, **kwargs)
    assert first_day[:2] == (Status.ON_TRACK, Decimal("0.00"))
    month = compute_status(in_post_since=on - timedelta(days=29), on=on, **kwargs)
    assert month[0] == Status.ON_TRACK
    later = compute_status(in_post_since=on - timedelta(days=31), on=on, **kwargs)
    assert later[:2] == (Status.BEHIND, Decimal("1.00"))


def test_t2_without_a_gap_rule_is_overdue_only_after_a_whole_window_without_sessions():
    on = date(2025, 6, 30)
    kwargs = {"target": target(12, None), "in_post_since": date(2020, 1, 1), "on": on}
    assert (
        compute_status(minutes_in_window=60, last_session_on=on - timedelta(days=200), **kwargs)[0]
        == Status.BEHIND
    )
    assert compute_status(minutes_in_window=0, last_session_on=None, **kwargs)[0] == (
        Status.OVERDUE
    )


def test_summary_for_a_person_uses_the_target_of_their_required_tier(org_tree, framework_tiers):
    person, supervisor = UserFactory(), UserFactory()
    MembershipFactory(
        user=person,
        unit=org_tree["hv_team"],
        job_role=role("T3", "family-nurse"),
        start_date=TODAY() - timedelta(days=500),
    )
    agreement = make_agreement(supervisor, [person])
    make_session(agreement, on=TODAY() - timedelta(days=40), minutes=60, next_session_on=TODAY())
    summary = supervision_summary(person)
    assert summary.target.tier.code == "T3"
    assert summary.status == Status.OVERDUE  # T3: no session for more than 28 days
    assert summary.last_session_on == TODAY() - timedelta(days=40)
    assert summary.next_session_on == TODAY()
    make_session(agreement, on=TODAY() - timedelta(days=1), minutes=60)
    assert supervision_summary(person).status == Status.BEHIND  # 2 of 26 hours
    # The bulk version gives the same answer.
    from lms.workforce.models import Membership

    bulk = selectors.summaries_for_memberships(
        Membership.objects.filter(user=person).select_related("user", "job_role__required_tier")
    )[person.pk]
    assert (bulk.status, bulk.hours_12m, bulk.last_session_on) == (
        Status.BEHIND,
        Decimal("2.00"),
        TODAY() - timedelta(days=1),
    )


def test_people_without_a_role_have_no_target(pair):
    _, supervisee, agreement = pair
    make_session(agreement, minutes=60)
    summary = supervision_summary(supervisee)
    assert summary.status == Status.NO_TARGET and summary.hours_12m == Decimal("1.00")


# --- Learning needs -------------------------------------------------------------------------


def test_learning_needs_come_from_recent_signed_off_sessions_only(pair):
    _, supervisee, agreement = pair
    recent, old, draft_only = (CompetencyAreaFactory() for _ in range(3))
    make_session(agreement, on=TODAY() - timedelta(days=10)).learning_needs.add(recent)
    make_session(agreement, on=TODAY() - timedelta(days=400)).learning_needs.add(old)
    make_session(agreement, on=TODAY(), signed_off=False).learning_needs.add(draft_only)
    make_session(agreement, on=TODAY() - timedelta(days=20)).learning_needs.add(recent)
    assert list(learning_needs(supervisee)) == [recent]
    assert list(learning_needs(UserFactory())) == []
