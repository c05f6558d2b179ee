"""Workshops: booking and the waiting list, cancellations promoting the next person, session
changes with calendar invitations, reminders, the register completing the course (and its
certificate), no-shows for managers and evaluation results for groups of five or more."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from certificates.models import Certificate
from content.models import CoursePage
from courses import services as course_services
from courses.models import Completion
from courses.workshops import ics, services
from courses.workshops.models import Booking, WorkshopSession
from courses.workshops.wagtail_hooks import WorkshopSessionForm
from tests.factories import CompetencyAreaFactory
from tests.workshops.factories import (
    make_session,
    make_trainer,
    make_workshop_course,
    start_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(framework_tiers):
    return make_workshop_course(tier=framework_tiers["T1"])


def _calendar(message) -> str:
    name, content, mimetype = message.attachments[0]
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    return content


def test_booking_fills_places_then_the_waiting_list_and_a_cancellation_promotes_the_next(
    course, user_factory, django_capture_on_commit_callbacks
):
    session = make_session(course, capacity=2)
    people = [user_factory() for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [services.book(session=session, user=p) for p in people]
        again = services.book(session=session, user=people[0])  # a double click
    assert [o.booking.status for o in outcomes] == ["booked", "booked", "waitlisted", "waitlisted"]
    assert not again.created and Booking.objects.count() == 4
    confirmation = mail.outbox[0]
    calendar = _calendar(confirmation)
    assert "METHOD:REQUEST" in calendar and f"UID:{session.uid}@workshops" in calendar
    assert "\r\n" in calendar and all(len(line.encode()) <= 75 for line in calendar.split("\r\n"))
    assert not mail.outbox[2].attachments  # the waiting list: no invitation yet

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel_booking(booking=outcomes[0].booking, by=people[0])
        services.cancel_booking(booking=outcomes[0].booking, by=people[0])  # twice: once
    assert [b.user for b in promoted] == [people[2]]
    assert Booking.objects.get(user=people[3]).status == "waitlisted"
    subjects = {m.to[0]: m for m in mail.outbox}
    assert "METHOD:CANCEL" in _calendar(subjects[people[0].email])
    assert "A place came up" in subjects[people[2].email].subject
    assert len(mail.outbox) == 2


def test_booking_is_refused_after_the_deadline_for_a_cancelled_session_and_twice_per_course(
    course, user_factory
):
    person = user_factory()
    closed = make_session(course, days=1, booking_deadline=timezone.now() - timedelta(hours=1))
    with pytest.raises(services.BookingRefused, match="closed"):
        services.book(session=closed, user=person)
    cancelled = make_session(course, status=WorkshopSession.Status.CANCELLED)
    with pytest.raises(services.BookingRefused, match="cancelled"):
        services.book(session=cancelled, user=person)
    first, second = make_session(course), make_session(course, days=21)
    services.book(session=first, user=person)
    with pytest.raises(services.BookingRefused, match="Cancel that place first"):
        services.book(session=second, user=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(session=first, user=person, status="booked")


def test_moving_or_cancelling_a_session_sends_updated_invitations(
    course, user_factory, django_capture_on_commit_callbacks
):
    session = make_session(course, capacity=1)
    booked, waiting = user_factory(), user_factory()
    services.book(session=session, user=booked)
    services.book(session=session, user=waiting)
    form = WorkshopSessionForm(
        instance=session,
        data={
            "course": course.pk,
            "starts_at": (session.starts_at + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "ends_at": (session.ends_at + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "time_zone": "Europe/London",
            "venue_name": session.venue_name,
            "venue_address": session.venue_address,
            "accessibility_notes": session.accessibility_notes,
            "capacity": 1,
            "booking_deadline": session.booking_deadline.strftime("%Y-%m-%d %H:%M"),
            "status": "scheduled",
        },
    )
    assert form.is_valid(), form.errors
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        form.save()
    assert [m.to for m in mail.outbox] == [[booked.email]]
    assert "SEQUENCE:1" in _calendar(mail.outbox[0]) and "Changed" in mail.outbox[0].subject

    mail.outbox.clear()
    WorkshopSession.objects.filter(pk=session.pk).update(status="cancelled")
    session.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_saved(session=session, changed={"status"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted([booked.email, waiting.email])
    calendar = _calendar(mail.outbox[0])
    assert "METHOD:CANCEL" in calendar and "SEQUENCE:2" in calendar


def test_reminders_go_a_week_and_a_day_before_and_never_twice(
    course, user_factory, django_capture_on_commit_callbacks
):
    session = make_session(course, days=6)
    services.book(session=session, user=user_factory())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
        later = session.starts_at - timedelta(hours=12)
        assert services.send_reminders(now=later) == 1
        assert services.send_reminders(now=later) == 0
    assert len(mail.outbox) == 2 and "Reminder" in mail.outbox[0].subject


def test_register_by_the_sessions_trainer_completes_the_course_with_a_certificate(
    client, course, user_factory, django_capture_on_commit_callbacks
):
    trainer, other_trainer = make_trainer(), make_trainer()
    session = make_session(course, trainers=[trainer])
    came, partly, absent = user_factory(), user_factory(), user_factory()
    bookings = [services.book(session=session, user=p).booking for p in (came, partly, absent)]
    start_session(session)
    url = reverse("workshops:register", args=[session.pk])

    client.force_login(other_trainer)
    assert client.get(url).status_code == 404
    client.force_login(trainer)
    page = client.get(url)
    assert page.status_code == 200 and escape(came.display_name) in page.content.decode()
    data = {
        f"attendance-{bookings[0].pk}": "attended",
        f"attendance-{bookings[1].pk}": "partly",
        f"attendance-{bookings[2].pk}": "absent",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
        client.post(url, data)  # marked twice: counted once
    assert Completion.objects.filter(course=course).count() == 1
    completion = Completion.objects.get(course=course)
    assert completion.user == came
    assert Certificate.objects.filter(completion=completion).exists()


def test_blended_course_completes_when_modules_and_workshop_are_both_done(
    framework_tiers, user_factory
):
    course = make_workshop_course(
        delivery="blended", tier=framework_tiers["T1"], questions=[], reflections={}
    )
    trainer = make_trainer()
    session = make_session(course, trainers=[trainer])
    person = user_factory()
    course_services.enrol(user=person, course=course)
    booking = services.book(session=session, user=person).booking
    start_session(session)
    services.mark_register(session=session, by=trainer, marks={booking.pk: "attended"})
    assert not Completion.objects.filter(user=person).exists()
    enrolment = booking.enrolment
    for module in course.modules():
        course_services.complete_module(enrolment=enrolment, module=module)
    assert Completion.objects.filter(user=person, course=course).exists()


def test_blended_course_set_to_modules_first_refuses_an_early_booking(
    framework_tiers, user_factory
):
    course = make_workshop_course(
        delivery="blended", tier=framework_tiers["T1"], workshop_order="after_modules"
    )
    with pytest.raises(services.BookingRefused, match="modules"):
        services.book(session=make_session(course), user=user_factory())


def test_manager_books_their_staff_and_sees_no_shows(
    client, course, org_tree, make_member, user_factory
):
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    staff = make_member(org_tree["hv_team"]).user
    stranger = user_factory()
    trainer = make_trainer()
    session = make_session(course, trainers=[trainer])
    client.force_login(manager)
    book = reverse("workshops:book", args=[session.pk])
    client.post(book, {"person": staff.pk})
    booking = Booking.objects.get(user=staff)
    assert booking.booked_by == manager and booking.status == "booked"
    client.post(book, {"person": stranger.pk})
    assert not Booking.objects.filter(user=stranger).exists()
    start_session(session)
    services.mark_register(session=session, by=trainer, marks={booking.pk: "absent"})
    page = client.get(reverse("workshops:no_shows")).content.decode()
    assert escape(staff.display_name) in page


def test_places_that_need_approval_wait_for_the_persons_manager(
    client, framework_tiers, org_tree, make_member, user_factory, django_capture_on_commit_callbacks
):
    """A practitioner asks; no place is taken until a manager of their records approves (a place,
    or the waiting list if the session filled meanwhile); a decline frees nothing and tells
    them; another organisation's manager cannot decide; deciding twice changes nothing; a
    manager booking for their staff needs no approval."""
    course = make_workshop_course(tier=framework_tiers["T1"], title="Newborn Observation Day")
    CoursePage.objects.filter(pk=course.pk).update(workshop_needs_approval=True)
    session = make_session(course, capacity=1)
    manager = make_member(org_tree["trust"], is_manager=True, job_role=None).user
    other_manager = make_member(org_tree["council"], is_manager=True, job_role=None).user
    asker, second, third = (make_member(org_tree["hv_team"]).user for _ in range(3))

    client.force_login(asker)
    session_url = reverse("workshops:session", args=[session.pk])
    assert "Ask for a place" in client.get(session_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("workshops:book", args=[session.pk]))
        client.post(reverse("workshops:book", args=[session.pk]))  # a double click
    request = Booking.objects.get(user=asker)
    assert request.status == "requested"
    assert "is with your manager" in mail.outbox[-1].body and not mail.outbox[-1].attachments
    assert "waiting for your manager" in client.get(session_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.book(session=session, user=second)
    assert Booking.objects.get(user=second).status == "requested"  # the place is still free

    approvals = reverse("workshops:approvals")
    client.force_login(other_manager)
    assert escape(asker.display_name) not in client.get(approvals).content.decode()
    response = client.post(approvals, {"booking": request.pk, "decision": "approve"})
    assert response.status_code == 404
    assert Booking.objects.get(pk=request.pk).status == "requested"

    client.force_login(manager)
    assert approvals in client.get(reverse("workshops:index")).content.decode()
    page = client.get(approvals).content.decode()
    assert escape(asker.display_name) in page and escape(second.display_name) in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(approvals, {"booking": request.pk, "decision": "approve"})
        client.post(approvals, {"booking": request.pk, "decision": "decline"})  # too late
    request.refresh_from_db()
    assert (request.status, request.booked_by) == ("booked", manager)
    assert len(mail.outbox) == 1 and "METHOD:REQUEST" in _calendar(mail.outbox[0])
    # The session is now full: the next approval puts them on the waiting list.
    client.post(approvals, {"booking": Booking.objects.get(user=second).pk, "decision": "approve"})
    assert Booking.objects.get(user=second).status == "waitlisted"
    # A manager booking for their staff approves as they book.
    client.post(reverse("workshops:book", args=[session.pk]), {"person": third.pk})
    assert Booking.objects.get(user=third).status == "waitlisted"
    # Declining frees nothing and tells them.
    fourth = make_member(org_tree["hv_team"]).user
    declined = services.book(session=session, user=fourth).booking
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(approvals, {"booking": declined.pk, "decision": "decline"})
    assert Booking.objects.get(pk=declined.pk).status == "cancelled"
    assert "did not approve" in mail.outbox[0].body
    assert client.post(approvals, {"decision": "maybe"}).status_code == 302  # told, nothing done


def test_online_link_is_shown_only_to_people_with_a_place(client, course, user_factory):
    session = make_session(course, online=True, capacity=1)
    booked, waiting = user_factory(), user_factory()
    services.book(session=session, user=booked)
    services.book(session=session, user=waiting)
    url = reverse("workshops:session", args=[session.pk])
    client.force_login(waiting)
    assert session.online_link not in client.get(url).content.decode()
    client.force_login(booked)
    assert session.online_link in client.get(url).content.decode()


def test_evaluation_before_and_after_shows_results_only_for_five_or_more(
    client, framework_tiers, user_factory, org_tree, make_member
):
    area = CompetencyAreaFactory(name="Infant cues", key="infant-cues")
    course = make_workshop_course(tier=framework_tiers["T1"], competency_areas=[area])
    trainer = make_trainer()
    session = make_session(course, trainers=[trainer])
    people = [user_factory() for _ in range(5)]
    for person in people:
        course_services.enrol(user=person, course=course)
    bookings = [services.book(session=session, user=p).booking for p in people]
    for person, booking in zip(people, bookings, strict=True):
        client.force_login(person)
        url = reverse("workshops:evaluation", args=[booking.enrolment_id])
        assert client.post(url, {"area_infant-cues": "2"}).status_code == 302
    start_session(session)
    services.mark_register(session=session, by=trainer, marks={b.pk: "attended" for b in bookings})
    results = reverse("workshops:results", args=[course.pk])
    for n, (person, booking) in enumerate(zip(people, bookings, strict=True), start=1):
        client.force_login(person)
        client.post(
            reverse("workshops:evaluation", args=[booking.enrolment_id]),
            {"area_infant-cues": "4", "usefulness": "5", "will_do_differently": f"Pause {n}"},
        )
        client.force_login(trainer)
        page = client.get(results).content.decode()
        assert ("Pause 1" in page) == (n >= 5)
    assert "+2.0" in page and escape(people[0].display_name) not in page
    # A regional lead sees the people of their region only (none of these five).
    client.force_login(make_member(org_tree["region"], is_manager=True, job_role=None).user)
    page = client.get(results).content.decode()
    assert "Pause 1" not in page and "data-too-few" in page


def test_calendar_lines_are_folded_and_escaped():
    line = ics.fold("DESCRIPTION:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in line.split("\r\n"))
    assert line.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 80
    assert ics.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_dashboard_and_course_page_show_the_workshop_with_its_next_sessions(
    client, course, user_factory
):
    person = user_factory()
    session = make_session(course)
    course_services.enrol(user=person, course=course)
    client.force_login(person)
    dashboard = client.get(reverse("courses:dashboard")).content.decode()
    assert "My workshops" in dashboard
    assert reverse("workshops:session", args=[session.pk]) in dashboard
    page = client.get(course.url).content.decode()
    assert reverse("workshops:session", args=[session.pk]) in page


def test_demo_workshop_is_made_once(framework_tiers):
    from courses.workshops.demo import ensure_demo_workshop
    from tests.courses.factories import course_index

    course_index()
    trainer = make_trainer()
    course = ensure_demo_workshop(trainer)
    assert ensure_demo_workshop(trainer) == course and course.live
    assert course.workshop_sessions.count() == 2


def test_trainer_schedules_a_session_in_the_admin(client, course):
    trainer = make_trainer()
    client.force_login(trainer)
    add = reverse("workshop_sessions:add")
    assert client.get(add).status_code == 200
    starts = timezone.localtime() + timedelta(days=30)
    response = client.post(
        add,
        {
            "course": course.pk,
            "starts_at": starts.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "time_zone": "Europe/London",
            "online_link": "https://meet.example.org/x",
            "capacity": 8,
            "booking_deadline": (starts - timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
            "trainers": [trainer.pk],
            "status": "scheduled",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = WorkshopSession.objects.get(course=course)
    assert list(session.trainers.all()) == [trainer] and session.capacity == 8
