"""Query budgets of the learner's pages, for a learner with a realistic history (12 enrolments,
40 module progress records, 3 completions, supervision), and that they stay the same as that
history and the catalogue grow. Measured warm (the second request), as every request but the
first after a publication is served."""

from datetime import timedelta

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services
from tests.courses.factories import finish_course, make_course, modules_of
from tests.factories import MembershipFactory, UserFactory
from tests.supervision.factories import make_agreement, make_session

pytestmark = pytest.mark.django_db

BUDGETS = {
    "module page": 8,
    "course page, enrolled": 8,
    "course page, anonymous": 6,
    "catalogue, anonymous": 6,
    "dashboard": 10,
    "supervision home": 10,
}


class History:
    """A learner's history that can grow: courses (four modules each) they are enrolled on,
    some completed, the others partly done, and supervision sessions."""

    def __init__(self, team, role, tiers):
        self.tiers = tiers
        self.learner = UserFactory(display_name="Lee Learner")
        MembershipFactory(user=self.learner, unit=team, job_role=role)
        self.agreement = make_agreement(UserFactory(display_name="Sam Supervisor"), [self.learner])
        self.courses = []
        self.progress = 0

    def grow(self, *, courses: int, completed: int, progress: int, sessions: int):
        new = [
            make_course(tier=self.tiers["T1" if i % 2 else "T2"], modules=4, reflections={0: 1})
            for i in range(courses)
        ]
        enrolments = [services.enrol(user=self.learner, course=c)[0] for c in new]
        for enrolment, course in zip(enrolments[:completed], new[:completed], strict=True):
            finish_course(enrolment, course)
            self.progress += 4
        open_ones = list(zip(enrolments[completed:], new[completed:], strict=True))
        for index in range(4):  # the first module of each course, then the second...
            for enrolment, course in open_ones:
                if self.progress < progress:
                    services.start_module(enrolment=enrolment, module=modules_of(course)[index])
                    self.progress += 1
        today = timezone.localdate()
        for n in range(sessions):
            make_session(self.agreement, on=today - timedelta(days=7 * (n + 1)))
        self.courses += new
        self.open_course = new[-1]  # enrolled, not finished


def _count(client, user, url) -> tuple[int, list[str]]:
    client.logout()
    if user is not None:
        client.force_login(user)
    assert client.get(url).status_code == 200  # warm: the first request after a change
    reset_queries()  # Django's query log holds 9,000 queries: start counting from empty
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT"))
    ]
    return len(queries), writes


def _pages(history):
    course = history.open_course
    module = modules_of(course)[0]  # opened already
    learner = history.learner
    return {
        "module page": (learner, module.url),
        "course page, enrolled": (learner, course.url),
        "course page, anonymous": (None, course.url),
        "catalogue, anonymous": (None, "/courses/"),
        "dashboard": (learner, reverse("courses:dashboard")),
        "supervision home": (learner, reverse("supervision:home")),
    }


def test_learner_pages_stay_within_their_query_budgets_as_history_and_catalogue_grow(
    client, team, t2_role, framework_tiers
):
    history = History(team, t2_role, framework_tiers)
    history.grow(courses=12, completed=3, progress=40, sessions=2)
    assert history.progress == 40

    small = {name: _count(client, *page) for name, page in _pages(history).items()}
    for name, (count, writes) in small.items():
        assert count <= BUDGETS[name], f"{name}: {count} queries (budget {BUDGETS[name]})"
        assert writes == [], f"{name} wrote on a read: {writes}"

    history.grow(courses=6, completed=2, progress=70, sessions=6)
    large = {name: _count(client, *page) for name, page in _pages(history).items()}
    assert {n: c for n, (c, _) in large.items()} == {n: c for n, (c, _) in small.items()}
