"""Reminder emails: expiry (90/30/7 days), overdue, supervision behind, managers' weekly digest.
Each occurrence is sent once however often beat runs; people can see what they were sent."""

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import Enrolment
from lms.reports import services, tasks
from lms.reports.models import SentReminder

from .factories import days

pytestmark = pytest.mark.django_db


def sent_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if user.email in m.to]


def test_expiry_reminder_is_sent_once_per_threshold(population):
    person = population.people[2]  # T2 course valid until +30 days
    assert tasks.send_expiry_reminders() >= 1
    assert tasks.send_expiry_reminders() == 0  # beat ran twice: nothing more
    subjects = sent_to(person)
    assert subjects == ["[IMH Training] Your Observing Interaction training expires in 30 days"]
    assert SentReminder.objects.filter(user=person, kind="expiry").count() == 1
    # 25 days later: the 7-day reminder, once.
    assert services.send_expiry_reminders(on=days(25)) >= 1
    assert services.send_expiry_reminders(on=days(25)) == 0
    assert len(sent_to(person)) == 2
    keys = set(SentReminder.objects.filter(user=person).values_list("key", flat=True))
    assert {k.split(":")[1] for k in keys} == {"30", "7"}


def test_only_the_nearest_threshold_the_first_time(population):
    """A completion first seen 5 days before it lapses gets the 7-day email, not three."""
    services.send_expiry_reminders(on=days(25))
    person = population.people[2]
    assert len(sent_to(person)) == 1
    assert SentReminder.objects.get(user=person).key.startswith("expiry:7:")


def test_no_expiry_reminder_when_a_newer_completion_exists(population):
    from .factories import complete

    person = population.people[2]
    complete(person, population.t2_course, valid_until=days(700))
    services.send_expiry_reminders()
    assert sent_to(person) == []


def test_no_reminder_for_people_who_left(population):
    from lms.workforce.services import membership_end

    person = population.people[2]
    membership_end(membership=population.memberships[2][0], end_date=days(0))
    services.send_expiry_reminders(on=days(1))
    assert sent_to(person) == []


def test_overdue_reminder_weekly(population):
    person = population.people[3]
    Enrolment.objects.create(user=person, course=population.t2_course, due_on=days(-5))
    services.send_overdue_reminders()
    services.send_overdue_reminders()
    assert sent_to(person) == ["[IMH Training] Observing Interaction is overdue"]
    assert "due " + days(-5).strftime("%-d %B %Y") in mail.outbox[-1].body
    services.send_overdue_reminders(on=days(7))  # a week later, still overdue
    assert len(sent_to(person)) == 2


def test_supervision_behind_monthly(population):
    person = population.people[2]  # T2, no supervision at all
    assert services.send_supervision_reminders() >= 1
    assert services.send_supervision_reminders() == 0
    assert sent_to(person) == ["[IMH Training] Your reflective supervision is behind your target"]
    # Someone at target gets nothing.
    assert sent_to(population.people[9]) == []  # T1: no target


def test_manager_digest_weekly(population):
    services.send_manager_digests()
    services.send_manager_digests()
    for manager in (
        population.trust_manager,
        population.council_manager,
        population.team_manager,
        population.region_lead,
    ):
        assert len(sent_to(manager)) == 1, manager
    trust = next(m for m in mail.outbox if population.trust_manager.email in m.to)
    assert "Staff with a job role: 9" in trust.body
    assert "1 person is overdue" in trust.body
    lead = next(m for m in mail.outbox if population.region_lead.email in m.to)
    assert "overdue; see who" not in lead.body  # regional leads get aggregates only
    services.send_manager_digests(on=days(7))
    assert len(sent_to(population.trust_manager)) == 2


def test_a_failed_send_leaves_nothing_behind_and_is_retried(population, monkeypatch):
    def broken(**kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(services, "send_templated_email", broken)
    with pytest.raises(ConnectionError):
        services.send_expiry_reminders()
    assert not SentReminder.objects.exists()
    monkeypatch.undo()
    assert services.send_expiry_reminders() >= 1


def test_a_reminder_another_worker_sent_is_not_sent_again(population):
    reminder = services.expiry_reminders()[0]
    assert services.send_once(reminder) is True
    assert services.send_once(reminder) is False
    assert len(mail.outbox) == 1


def test_people_see_what_they_were_sent(client, population):
    person = population.people[2]
    services.send_expiry_reminders()
    client.force_login(person)
    html = client.get(reverse("reports:my_emails")).content.decode()
    assert "Your Observing Interaction training expires in 30 days" in html
    assert "Training expiring" in html
    assert reverse("reports:my_emails") in mail.outbox[0].body


@pytest.mark.parametrize(
    "build", ["expiry_reminders", "overdue_reminders", "supervision_reminders"]
)
def test_finding_candidates_takes_the_same_queries_for_more_people(population, build):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory, UserFactory

    from .factories import complete

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            getattr(services, build)()
        return len(ctx)

    before = count()
    for _ in range(12):
        user = UserFactory()
        MembershipFactory(user=user, unit=population.tree["hv_team"], job_role=population.hv)
        complete(user, population.t2_course, valid_until=days(20))
        Enrolment.objects.create(user=user, course=population.t1_course, due_on=days(-3))
    assert count() == before
