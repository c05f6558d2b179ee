"""A Celery worker killed with SIGKILL in the middle of a batch of certificate jobs: every
completion still ends with exactly one certificate, with its PDF, and no number is skipped or
used twice.

Tasks acknowledge late (``acks_late``): a message is removed from Redis only once its task has
finished. When the whole worker dies (main process and pool), the messages it held stay
"unacknowledged" and Redis delivers them again after the visibility timeout (an hour in
production; 3 s here). When only a pool process dies, the main process rejects its message at
once and it is delivered again (``reject_on_worker_lost``). Issuing is idempotent, so a task
that had half run finishes the job and one that had fully run changes nothing.

PostgreSQL and Redis only (fails in CI without them), e.g.:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_faults \\
    REDIS_URL=redis://127.0.0.1:6379/10 CELERY_BROKER_URL=redis://127.0.0.1:6379/11 \\
    .venv/bin/python -m pytest tests/faults
"""

import os
import re
import signal
import time

import pytest

from certificates import tasks
from certificates.models import Certificate
from certificates.pdf import sha256
from tests.certificates.factories import make_completion, make_course
from tests.conftest import require_postgres, require_redis
from tests.factories import UserFactory
from tests.workers import new_queue, routed_to, start_worker, unacked

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BATCH = 60
VISIBILITY_TIMEOUT = 3


@pytest.fixture
def batch(framework_tiers):
    require_postgres()
    require_redis()
    course = make_course(title="Attachment Essentials", tier=framework_tiers["T1"])
    learners = UserFactory.create_batch(BATCH)
    return [make_completion(learner, course) for learner in learners]


def issued() -> int:
    return Certificate.objects.exclude(pdf="").count()


def wait_until(condition, timeout: float, what: str, worker=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    log = worker.output()[-4000:] if worker else ""
    pytest.fail(f"timed out waiting until {what}\n{log}")


def assert_exactly_one_certificate_each(completions) -> None:
    certificates = list(Certificate.objects.order_by("number"))
    assert len(certificates) == len(completions)
    assert {c.completion_id for c in certificates} == {c.pk for c in completions}
    # No number lost or repeated: a run killed after taking a number rolled it back with the
    # certificate.
    serials = [int(re.fullmatch(r"IMH-\d{4}-(\d{6})", c.number).group(1)) for c in certificates]
    assert serials == list(range(1, len(completions) + 1))
    for certificate in certificates:
        assert certificate.pdf, f"{certificate.number} has no PDF"
        with certificate.pdf.open("rb") as handle:
            data = handle.read()
        assert data.startswith(b"%PDF-") and sha256(data) == certificate.pdf_sha256
        assert certificate.emailed_at is not None
        assert certificate.render_count >= 1


def test_killing_the_whole_worker_mid_batch_loses_nothing_and_duplicates_nothing(
    batch, settings, tmp_path
):
    queue = new_queue("faults-kill")
    log = tmp_path / "worker.log"
    with routed_to(queue, settings):
        first = start_worker(queue, log, visibility_timeout=VISIBILITY_TIMEOUT)
        for completion in batch:
            tasks.issue_certificate.delay(completion.pk)
        wait_until(lambda: issued() >= 8, 60, "the first certificates were issued", first)

        first.kill_all()
        in_flight, done_before = unacked(), issued()
        assert in_flight > 0, "nothing was in flight when the worker was killed"
        assert done_before < BATCH

        second = start_worker(queue, log, visibility_timeout=VISIBILITY_TIMEOUT)
        try:
            wait_until(lambda: issued() == BATCH, 120, "every certificate was issued", second)
            second.wait_until_idle()
        finally:
            second.stop()

    assert_exactly_one_certificate_each(batch)
    assert first.process.returncode == -signal.SIGKILL


def test_killing_a_pool_process_mid_task_requeues_its_job(batch, settings, tmp_path):
    queue = new_queue("faults-kill-child")
    log = tmp_path / "worker.log"
    with routed_to(queue, settings):
        worker = start_worker(queue, log)
        try:
            for completion in batch:
                tasks.issue_certificate.delay(completion.pk)
            wait_until(lambda: issued() >= 5, 60, "the first certificates were issued", worker)
            victims = worker.pool_pids()
            assert victims
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            wait_until(lambda: issued() == BATCH, 120, "every certificate was issued", worker)
            worker.wait_until_idle()
            assert worker.process.poll() is None, "the worker's main process died too"
        finally:
            worker.stop()

    # The main process saw its pool processes die mid-task and gave their messages back.
    assert "WorkerLostError" in worker.output()
    assert_exactly_one_certificate_each(batch)
