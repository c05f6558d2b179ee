"""A workshop from end to end in a real browser (Debian's Chromium through Playwright): a trainer
schedules a session of one place in the admin; one practitioner books it and another joins the
waiting list; the first cancels and the place passes to the second; the trainer marks the
register; the course completes and its certificate follows; the practitioner answers the
evaluation before and after. axe-core checks the session, register and evaluation pages."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Completion
from courses.workshops.models import Booking, Evaluation, WorkshopSession
from tests.browser import assert_accessible, new_page, shared_database
from tests.factories import CompetencyAreaFactory, UserFactory, tiers
from tests.workshops.factories import make_trainer, make_workshop_course, start_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for(condition, what: str, seconds: float = 30):
    """Background work (enrolments, certificates) is done by the workers in the services pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def db(query):
    """A read while the live server may be answering the browser (see ``shared_database``)."""
    with shared_database():
        return query()


@pytest.fixture
def people():
    framework = tiers()
    area = CompetencyAreaFactory(name="Infant cues", key="infant-cues")
    course = make_workshop_course(
        tier=framework["T1"], title="Video Feedback Practice Day", competency_areas=[area]
    )
    trainer = make_trainer(display_name="Tess Trainer")
    ada = UserFactory(display_name="Ada Attends")
    ben = UserFactory(display_name="Ben Waits")
    for person in (ada, ben):
        course_services.enrol(user=person, course=course)
    yield course, trainer, ada, ben
    from django.core.cache import cache

    cache.clear()  # the live server shared this process's cache: leave nothing to later tests


def test_schedule_book_waiting_list_register_certificate_evaluation(browser, live_server, people):
    from playwright.sync_api import expect

    course, trainer, ada, ben = people

    # The trainer schedules a session with one place in the admin.
    tess = new_page(browser, live_server, trainer)
    tess.context.set_default_timeout(15_000)
    tess.goto(reverse("workshop_sessions:add"))
    starts = timezone.localtime() + timedelta(days=30)
    tess.locator("[name=course]").select_option(str(course.pk))
    tess.locator("[name=starts_at]").fill(starts.strftime("%Y-%m-%d %H:%M"))
    tess.locator("[name=ends_at]").fill((starts + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"))
    tess.locator("[name=time_zone]").select_option("Europe/London")
    tess.locator("[name=online_link]").fill("https://meet.example.org/video-feedback")
    tess.locator("[name=capacity]").fill("1")
    deadline = starts - timedelta(days=2)
    tess.locator("[name=booking_deadline]").fill(deadline.strftime("%Y-%m-%d %H:%M"))
    tess.locator(f"[name=trainers][value='{trainer.pk}']").check()
    tess.locator("[name=status][value=scheduled]").check()
    tess.get_by_role("button", name=re.compile("^(Create|Save)", re.IGNORECASE)).first.click()
    session = wait_for(lambda: db(WorkshopSession.objects.filter(course=course).first), "a session")
    assert session.capacity == 1 and list(session.trainers.all()) == [trainer]
    session_url = reverse("workshops:session", args=[session.pk])

    # Ada books the place; Ben joins the waiting list.
    ada_page = new_page(browser, live_server, ada)
    ada_page.goto(session_url)
    ada_page.get_by_role("button", name="Book a place").click()
    expect(ada_page.locator("[data-booking-status=booked]")).to_be_visible()
    expect(ada_page.locator("[data-online-link]")).to_be_visible()
    assert_accessible(ada_page, "the session page")
    ben_page = new_page(browser, live_server, ben)
    ben_page.goto(session_url)
    ben_page.get_by_role("button", name="Join the waiting list").click()
    expect(ben_page.locator("[data-booking-status=waitlisted]")).to_contain_text("number 1")
    expect(ben_page.locator("[data-online-link]")).to_have_count(0)

    # Before the day, Ben rates his confidence from the dashboard.
    ben_page.goto("/learn/")
    ben_page.get_by_role("link", name=re.compile("Rate your confidence before you start")).click()
    ben_page.locator("[name=area_infant-cues][value='2']").check()
    assert_accessible(ben_page, "the evaluation before")
    ben_page.get_by_role("button", name="Send my answers").click()
    expect(ben_page.get_by_text("your answers are saved")).to_be_visible()

    # Ada cancels: the place passes to Ben.
    ada_page.goto(session_url)
    ada_page.get_by_role("button", name="Cancel my place").click()
    expect(ada_page.get_by_text("The place is cancelled.")).to_be_visible()
    ben_page.goto(session_url)
    expect(ben_page.locator("[data-booking-status=booked]")).to_be_visible()
    booking = Booking.objects.get(session=session, user=ben)

    # On the day (the session has started), the trainer marks the register on a phone.
    start_session(session)
    from tests.browser import PHONE

    phone = new_page(browser, live_server, trainer, viewport=PHONE)
    phone.goto(reverse("workshops:register", args=[session.pk]))
    expect(phone.get_by_role("group", name="Ben Waits")).to_be_visible()
    assert "Ada Attends" not in phone.content()  # cancelled: not on the register
    phone.locator(f"[name=attendance-{booking.pk}][value=attended]").check()
    assert_accessible(phone, "the register")
    phone.get_by_role("button", name="Save the register").click()
    expect(phone.get_by_text("Register saved")).to_be_visible()

    # The course completes and its certificate follows.
    completion = wait_for(
        lambda: db(Completion.objects.filter(user=ben, course=course).first), "the completion"
    )
    assert not Completion.objects.filter(user=ada, course=course).exists()

    def certificate_link():
        ben_page.goto("/learn/")
        link = ben_page.get_by_role("link", name=re.compile("^Certificate for Video Feedback"))
        return link if link.count() else None

    link = wait_for(certificate_link, "the certificate on the dashboard")
    pdf = ben_page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    # After: how it went.
    ben_page.get_by_role("link", name=re.compile("^Evaluate Video Feedback")).click()
    expect(ben_page.get_by_role("heading", level=1)).to_contain_text("How was")
    ben_page.locator("[name=area_infant-cues][value='4']").check()
    ben_page.locator("[name=usefulness][value='5']").check()
    ben_page.get_by_label("What will you do differently").fill("Pause and wonder aloud.")
    assert_accessible(ben_page, "the evaluation after")
    ben_page.get_by_role("button", name="Send my answers").click()
    expect(ben_page.get_by_text("your answers are saved")).to_be_visible()
    evaluation = Evaluation.objects.get(enrolment=completion.enrolment)
    assert evaluation.confidence_before == {"infant-cues": 2}
    assert evaluation.confidence_after == {"infant-cues": 4}
    assert (evaluation.usefulness, evaluation.will_do_differently) == (
        5,
        "Pause and wonder aloud.",
    )
