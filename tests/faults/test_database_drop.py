"""The database connection dropped under a running web process (gunicorn, production
settings: persistent connections with health checks).

- Between requests: the connection gunicorn keeps open is terminated by PostgreSQL (a
  failover, a restart, an idle-connection reaper); the next request notices it at its first
  query, opens a new one and succeeds. Without health checks it would fail (the control case).
- In the middle of a multi-row write: the learner's last module completes the course (module
  progress, completion, enrolment status, summary, tier standing, coverage rows, all in one
  transaction); the connection is terminated after the completion and the enrolment are written,
  while the tier standing is being written. Nothing of it remains, and submitting again
  completes the course once.

PostgreSQL only (fails in CI without it).
"""

import threading
import time

import psycopg
import pytest
from django.urls import reverse

from courses import services
from courses.models import Completion, Enrolment, LearnerSummary, ModuleProgress, TierStanding
from tests.conftest import require_postgres
from tests.courses.factories import make_course, modules_of, reflection_ids
from tests.factories import UserFactory
from tests.workers import database_url

from .webserver import start_web

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

APP = "lms-faults-web"


@pytest.fixture
def admin_sql():
    """A connection of the test's own, outside the app: PostgreSQL's view of the app's."""
    require_postgres()
    with psycopg.connect(database_url(), autocommit=True) as conn:
        yield conn


def backends(sql) -> list[int]:
    rows = sql.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = "
        "current_database()",
        [APP],
    ).fetchall()
    return [pid for (pid,) in rows]


def terminate(sql, pids) -> None:
    for pid in pids:
        sql.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while set(pids) & set(backends(sql)):
        assert time.monotonic() < deadline, "PostgreSQL did not terminate the connections"
        time.sleep(0.05)


@pytest.fixture
def learner(framework_tiers):
    return UserFactory(display_name="Connie Nection")


@pytest.mark.parametrize("health_checks", [True, False], ids=["health-checks", "control"])
def test_a_connection_dropped_between_requests(admin_sql, learner, tmp_path, health_checks):
    web = start_web(tmp_path, application_name=APP, health_checks=health_checks)
    try:
        first = web.request("GET", "/learn/", learner)
        assert first.status_code == 200, web.output()[-4000:]
        kept = backends(admin_sql)
        assert len(kept) == 1, "gunicorn should keep its connection between requests"

        terminate(admin_sql, kept)
        after = web.request("GET", "/learn/", learner).status_code
        then = web.request("GET", "/learn/", learner).status_code
        fresh = backends(admin_sql)
    finally:
        web.stop()

    if health_checks:
        assert (after, then) == (200, 200)
        assert fresh and not set(fresh) & set(kept)
    else:
        # What the health checks prevent: the first request after the drop fails on the dead
        # connection (which is then discarded, so the next one works).
        assert (after, then) == (500, 200)


def test_a_connection_dropped_in_the_middle_of_completing_a_course(
    admin_sql, learner, framework_tiers, tmp_path
):
    course = make_course(title="Dropped Connections", modules=2, questions=[])
    first, last = modules_of(course)
    enrolment, _ = services.enrol(user=learner, course=course)
    services.complete_module(
        enrolment=enrolment, module=first, answers=dict.fromkeys(reflection_ids(first), "x")
    )
    summary_before = LearnerSummary.objects.get(user=learner).last_completed_at
    path = reverse("courses:module_complete", args=[last.pk])
    form = {f"reflection-{b}": "I will wait for the baby's cue." for b in reflection_ids(last)}

    web = start_web(tmp_path, application_name=APP)
    # Completing the course gives the learner T1: the write's last rows are the standing. An
    # uncommitted standing row of our own makes the app's insert of it wait (unique index), so
    # the request stops there, with everything before it written.
    locker = psycopg.connect(database_url())
    try:
        locker.execute(
            "INSERT INTO courses_tierstanding (user_id, tier_id, valid_until, computed_at) "
            "VALUES (%s, %s, '2099-12-31', now())",
            [learner.pk, framework_tiers["T1"].pk],
        )
        responses = []
        submit = threading.Thread(
            target=lambda: responses.append(web.request("POST", path, learner, form))
        )
        submit.start()
        blocked = None
        deadline = time.monotonic() + 30
        while blocked is None and time.monotonic() < deadline:
            blocked = admin_sql.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE application_name = %s "
                "AND wait_event_type = 'Lock'",
                [APP],
            ).fetchone()
            time.sleep(0.05)
        assert blocked is not None, "the request never reached the standing"
        pid, query = blocked
        assert query.startswith('INSERT INTO "courses_tierstanding"'), query
        # By then the same transaction has written the completion and the enrolment's status.
        written = {
            table
            for (table,) in admin_sql.execute(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s "
                "AND mode = 'RowExclusiveLock' AND locktype = 'relation'",
                [pid],
            ).fetchall()
        }
        assert {"courses_completion", "courses_enrolment", "courses_moduleprogress"} <= written

        terminate(admin_sql, [pid])
        submit.join(timeout=30)
        assert responses and responses[0].status_code == 500
    finally:
        locker.rollback()
        locker.close()

    try:
        # All or nothing: not a row of the completion is left.
        enrolment.refresh_from_db()
        assert enrolment.status == Enrolment.Status.ACTIVE
        assert not Completion.objects.filter(enrolment=enrolment).exists()
        assert not ModuleProgress.objects.filter(
            enrolment=enrolment, module=last, completed_at__isnull=False
        ).exists()
        assert LearnerSummary.objects.get(user=learner).last_completed_at == summary_before
        assert not TierStanding.objects.filter(user=learner).exists()

        # The learner submits again: the next request gets a new connection and it works.
        retry = web.request("POST", path, learner, form)
        assert retry.status_code == 302 and retry.headers["Location"] == course.url
    finally:
        web.stop()

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert Completion.objects.filter(enrolment=enrolment).count() == 1
    assert ModuleProgress.objects.get(enrolment=enrolment, module=last).completed_at
    assert LearnerSummary.objects.get(user=learner).last_completed_at is not None
    assert TierStanding.objects.filter(user=learner, tier=framework_tiers["T1"]).exists()
