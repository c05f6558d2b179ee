"""The broker (Redis) unavailable while learners complete courses: they see the normal pages,
quickly, and every certificate is issued once the broker is back (the web process reconnects
by itself; the sweep issues what was never sent), exactly once.

The test process publishes through a TCP proxy in front of the real Redis; taking the proxy
down resets every open connection and refuses new ones, as a crashed or restarted Redis would.
PostgreSQL and Redis only (fails in CI without them); see tests/faults/test_worker_killed.py.
"""

import logging
import time
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.messages import get_messages
from django.db.models import F
from django.test import Client
from django.urls import reverse

from certificates import tasks
from certificates.models import Certificate
from courses import services
from courses.models import Completion
from tests.conftest import require_postgres, require_redis
from tests.courses.factories import answers_for, make_course, modules_of, reflection_ids
from tests.factories import UserFactory
from tests.workers import broker_url, new_queue, routed_to, start_worker

from .proxy import TcpProxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# What a learner may wait for because the broker is down (the send is retried briefly, then
# given up: the sweep catches up). The request itself takes well under 100 ms here.
OUTAGE_BUDGET = 0.75


@pytest.fixture
def broker_proxy():
    require_postgres()
    require_redis()
    url = urlparse(broker_url())
    proxy = TcpProxy(url.hostname, url.port or 6379).up()
    auth = f"{url.netloc.rsplit('@', 1)[0]}@" if "@" in url.netloc else ""
    yield proxy, f"redis://{auth}127.0.0.1:{proxy.port}{url.path}"
    proxy.down()


@pytest.fixture
def courses(framework_tiers):
    """A course completed by passing its knowledge check, one completed by its last module."""
    return (
        make_course(title="Understanding Babies", tier=framework_tiers["T1"], modules=1),
        make_course(title="Infant States", tier=framework_tiers["T1"], modules=2, questions=[]),
    )


def ready_to_finish(course, *, last_module_left: bool):
    """A signed-in learner with everything done but the knowledge check, or the last module."""
    learner = UserFactory()
    enrolment, _ = services.enrol(user=learner, course=course)
    modules = modules_of(course)
    for module in modules[:-1] if last_module_left else modules:
        services.complete_module(
            enrolment=enrolment, module=module, answers=dict.fromkeys(reflection_ids(module), "x")
        )
    client = Client()
    client.force_login(learner)
    return client, learner


def finish(client, course) -> tuple[float, object]:
    """The learner's last step through the real view (after opening its page); returns
    (seconds the submit took, response)."""
    if course.questions():
        assert client.get(reverse("courses:knowledge_check", args=[course.pk])).status_code == 200
        started = time.perf_counter()
        response = client.post(
            reverse("courses:knowledge_check", args=[course.pk]),
            {
                "idempotency_key": str(uuid.uuid4()),
                **{f"q-{q}": a for q, a in answers_for(course).items()},
            },
        )
    else:
        module = modules_of(course)[-1]
        assert client.get(module.url).status_code == 200
        started = time.perf_counter()
        response = client.post(
            reverse("courses:module_complete", args=[module.pk]),
            {f"reflection-{b}": "x" for b in reflection_ids(module)},
        )
    return time.perf_counter() - started, response


def assert_normal_page(client, response, learner) -> None:
    assert response.status_code == 302, response.status_code
    page = client.get(response.url)
    assert page.status_code == 200
    shown = [m.message for m in get_messages(page.wsgi_request)] + [page.content.decode()]
    text = " ".join(shown)
    assert "Something went wrong" not in text and "Server error" not in text
    if "/attempts/" in response.url:
        assert 'data-attempt-result="passed"' in text
    else:
        assert "Well done: you have completed" in text


def wait_until(condition, timeout, what, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting until {what}\n{worker.output()[-4000:]}")


def test_completions_during_a_broker_outage_get_their_certificates_once_it_is_back(
    broker_proxy, courses, settings, tmp_path, caplog
):
    proxy, proxied_url = broker_proxy
    learners = [
        (course, *ready_to_finish(course, last_module_left=not course.questions()))
        for course in courses
        for _ in range(3)
    ]
    queue = new_queue("faults-broker")
    with routed_to(queue, settings, broker=proxied_url):
        proxy.down()
        timings = []
        with caplog.at_level(logging.WARNING, logger="lms.celery"):
            for course, client, learner in learners:
                elapsed, response = finish(client, course)
                timings.append(elapsed)
                assert_normal_page(client, response, learner)

        assert Completion.objects.count() == len(learners)
        assert not Certificate.objects.exists()
        lost = [r for r in caplog.records if "Broker unavailable" in r.getMessage()]
        assert len(lost) >= len(learners)  # at least the certificate of each, logged not raised
        assert max(timings) < OUTAGE_BUDGET, f"requests took {timings} while the broker was down"

        proxy.up()
        worker = start_worker(queue, tmp_path / "worker.log")
        try:
            # The web process reconnects by itself: a completion now is issued straight away.
            course = courses[0]
            client, learner = ready_to_finish(course, last_module_left=False)
            _, response = finish(client, course)
            assert_normal_page(client, response, learner)
            wait_until(
                lambda: Certificate.objects.filter(user=learner).exclude(pdf="").exists(),
                60,
                "the certificate of a completion made after the outage was issued",
                worker,
            )
            # The periodic sweep (beat, every 10 minutes) issues the certificates whose message
            # was never sent; it leaves completions younger than a minute to their own message.
            Completion.objects.exclude(user=learner).update(
                completed_at=F("completed_at") - tasks.SWEEP_GRACE - timedelta(seconds=1)
            )
            tasks.sweep.delay()
            wait_until(
                lambda: Certificate.objects.exclude(pdf="").count() == len(learners) + 1,
                90,
                "the sweep issued every certificate lost in the outage",
                worker,
            )
            tasks.sweep.delay()  # again: nothing left to do, nothing done twice
            worker.wait_until_idle()
        finally:
            worker.stop()

    completions = Completion.objects.all()
    assert completions.count() == len(learners) + 1
    for completion in completions:
        certificates = Certificate.objects.filter(completion=completion)
        assert certificates.count() == 1
        assert certificates.get().pdf and certificates.get().emailed_at is not None
    assert worker.output().count("Subject: [IMH Training] Your certificate") == len(learners) + 1


def test_publishing_a_course_during_a_broker_outage_is_not_an_error(
    broker_proxy, framework_tiers, settings, caplog
):
    """Publishing a core course enqueues the standings refresh and the coverage rebuild; with
    the broker down the trainer's publish still succeeds (logged; the nightly jobs catch up)."""
    proxy, proxied_url = broker_proxy
    with routed_to(new_queue("faults-publish"), settings, broker=proxied_url):
        proxy.down()
        with caplog.at_level(logging.WARNING, logger="lms.celery"):
            started = time.perf_counter()
            course = make_course(title="Published in an outage", tier=framework_tiers["T1"])
            elapsed = time.perf_counter() - started

    assert course.live
    sent = {r.args[0] for r in caplog.records if "Broker unavailable" in r.getMessage()}
    assert {"courses.refresh_standings", "reports.rebuild_coverage"} <= sent
    assert elapsed < 5
