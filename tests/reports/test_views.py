"""Report pages: who may see what (404 otherwise), the dashboard, drill-downs, a person's
record, and query counts that do not grow with the number of staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import ModelLogEntry

from lms.reports.services import AUDIT_VIEW_PERSON
from lms.workforce.models import Membership
from tests.factories import JobRoleFactory, MembershipFactory, UnitFactory, UserFactory

from .factories import days, standing, summary

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
PEOPLE = reverse("reports:people")


def login(client, user):
    client.force_login(user)
    return client


def test_navigation_name_resolves():
    assert DASHBOARD == "/reports/"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_practitioner_gets_404(client, population):
    login(client, population.people[1])
    for url in (DASHBOARD, PEOPLE, reverse("reports:person", args=[population.people[2].pk])):
        assert client.get(url).status_code == 404
    assert client.get(reverse("reports:export", args=["units", "csv"])).status_code == 404


def test_trainer_lands_on_course_analytics(client, population):
    from django.contrib.auth.models import Group

    from content.groups import TRAINERS

    trainer = UserFactory()
    trainer.groups.add(Group.objects.get_or_create(name=TRAINERS)[0])
    login(client, trainer)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:analytics")
    assert client.get(reverse("reports:analytics")).status_code == 200
    assert client.get(PEOPLE).status_code == 404


def test_manager_dashboard_shows_their_organisation_only(client, population):
    response = login(client, population.trust_manager).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Health Visiting North" in html
    assert "Family Support" not in html
    assert "As at" in html
    # Figures link to the people behind them.
    assert f"{PEOPLE}?status=overdue" in html
    # Charts are described for screen readers, and the numbers are in tables.
    assert 'role="img"' in html and "aria-label=" in html
    assert "<table" in html


def test_manager_never_sees_another_organisation(client, population):
    login(client, population.trust_manager)
    council = population.tree["council"]
    response = client.get(DASHBOARD, {"unit": council.pk})
    assert response.status_code == 200
    assert "That unit is not one of yours" in response.content.decode()  # shown as an error
    assert client.get(PEOPLE, {"unit": council.pk}).status_code == 200
    listed = client.get(PEOPLE, {"unit": council.pk}).context["rows"]
    assert population.people[10].pk not in {row.user_id for row in listed}
    outsider = population.people[10]
    assert client.get(reverse("reports:person", args=[outsider.pk])).status_code == 404


def test_regional_lead_sees_aggregates_but_no_people(client, population):
    login(client, population.region_lead)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Northshire Council" in html and "Riverside NHS Trust" in html
    assert PEOPLE not in html  # no person-level links
    assert client.get(PEOPLE).status_code == 404
    assert client.get(PEOPLE, {"status": "overdue"}).status_code == 404
    person = population.people[1]
    assert client.get(reverse("reports:person", args=[person.pk])).status_code == 404
    assert client.get(reverse("reports:export", args=["people", "csv"])).status_code == 404
    assert client.get(reverse("reports:export", args=["units", "csv"])).status_code == 200


def test_drill_down_lists_people_with_status_and_dates(client, population):
    login(client, population.trust_manager)
    response = client.get(PEOPLE, {"status": "overdue"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.name for row in rows] == ["Cat Overdue"]
    html = response.content.decode()
    assert reverse("reports:person", args=[population.people[3].pk]) in html
    assert days(-5).strftime("%-d %b %Y") in html


def test_person_record_for_their_manager(client, population):
    login(client, population.team_manager)
    person = population.people[2]
    response = client.get(reverse("reports:person", args=[person.pk]))
    assert response.status_code == 200
    record = response.context["record"]
    assert record.status == "expiring"
    assert record.required_tier.code == "T2"
    titles = {c.course.title: c for c in record.courses}
    assert set(titles) == {"The First 1001 Days", "Observing Interaction"}
    assert titles["Observing Interaction"].valid_until == days(30)
    assert ModelLogEntry.objects.filter(action=AUDIT_VIEW_PERSON, object_id=str(person.pk)).exists()
    # A person in another team of the trust is not theirs.
    assert client.get(reverse("reports:person", args=[population.people[9].pk])).status_code == 404


def test_person_record_never_shows_supervision_content(client, population):
    from tests.supervision.factories import make_agreement, make_session

    person = population.people[1]
    agreement = make_agreement(population.people[9], [person])
    make_session(agreement, discussion="Secret reflective discussion", case_references="Family Q")
    login(client, population.trust_manager)
    html = client.get(reverse("reports:person", args=[person.pk])).content.decode()
    assert "Secret reflective discussion" not in html and "Family Q" not in html
    assert "Hours in the last 12 months" in html


def test_my_emails_page(client, population):
    from lms.reports.models import SentReminder

    person = population.people[3]
    SentReminder.objects.create(user=person, kind="overdue", key="overdue:x", subject="Overdue!")
    SentReminder.objects.create(
        user=population.people[4], kind="overdue", key="overdue:y", subject="Not yours"
    )
    response = login(client, person).get(reverse("reports:my_emails"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overdue!" in html and "Not yours" not in html


def _staff(n: int, team, role, tier):
    for i in range(n):
        user = UserFactory()
        MembershipFactory(user=user, unit=team, job_role=role)
        if i % 3 == 0:
            standing(user, tier, days(200))
        summary(user, next_due_on=days(-1 if i % 2 else 10))


def _queries(client, url, params=None) -> int:
    _drain(client.get(url, params or {}))  # warm: the page tree and cached answers are read
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx)


def _drain(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "url, params",
    [
        (DASHBOARD, {}),
        (DASHBOARD, {"status": "overdue"}),
        (PEOPLE, {}),
        (PEOPLE, {"status": "overdue"}),
        (reverse("reports:export", args=["units", "csv"]), {}),
        (reverse("reports:export", args=["people", "csv"]), {}),
        (reverse("reports:export", args=["people", "xlsx"]), {}),
    ],
)
def test_query_count_does_not_grow_with_staff(client, framework_tiers, url, params):
    region = UnitFactory.region(name="Q Region", code="q-region")
    org = UnitFactory.organisation(region, name="Q Trust", code="q-trust")
    teams = [UnitFactory.team(org, name=f"Q Team {i}", code=f"q-team-{i}") for i in range(3)]
    role = JobRoleFactory(code="q-role", name="Q role", required_tier=framework_tiers["T1"])
    manager = UserFactory()
    MembershipFactory(user=manager, unit=org, job_role=None, is_manager=True)
    login(client, manager)
    for team in teams:
        _staff(2, team, role, framework_tiers["T1"])
    small = _queries(client, url, params)
    for team in teams:
        _staff(18, team, role, framework_tiers["T1"])
    assert Membership.objects.filter(job_role=role).count() == 60
    assert _queries(client, url, params) == small


def test_hold_the_required_tier_today_lists_its_people(client, population):
    """The headline card links to the people it counts: meets and expiring together."""
    response = login(client, population.trust_manager).get(PEOPLE, {"status": "holding"})
    html = response.content.decode()
    assert "<h1>Hold the required tier today</h1>" in html
    assert response.context["page"].paginator.count == 4
    for n in (1, 2, 8, 9):
        assert escape(population.people[n].display_name) in html


def test_a_unit_outside_the_managers_scope_says_so(client, population):
    """?unit= for a unit that is not theirs does not quietly show their own figures."""
    elsewhere = population.tree["family_support"].pk
    login(client, population.team_manager)
    for url in (DASHBOARD, PEOPLE):
        html = client.get(url, {"unit": elsewhere}).content.decode()
        assert "That unit is not one of yours" in html
        assert "not one of the available choices" not in html
    # An export does not quietly export other figures than the ones asked for.
    response = client.get(reverse("reports:export", args=["units", "csv"]), {"unit": elsewhere})
    assert response.status_code == 404


def test_person_record_says_in_words_why_they_are_below_their_tier(client, population):
    """Cat (health visitor, T2) has neither core course nor any supervision."""
    person = population.people[3]
    login(client, population.team_manager)
    html = client.get(reverse("reports:person", args=[person.pk])).content.decode()
    assert "Why below T2" in html
    assert "<li>The First 1001 Days (T1): not completed</li>" in html
    assert "<li>Observing Interaction (T2): not completed</li>" in html
    assert "hours in the last 12 months" in html and "hours short</li>" in html


def test_person_record_gives_the_reason_for_the_supervision_status(client, population):
    person = population.people[3]  # a health visitor (T2): a supervision target
    login(client, population.team_manager)
    html = client.get(reverse("reports:person", args=[person.pk])).content.decode()
    assert "expected by today" in html and "(target 12 hours in 12 months)" in html
