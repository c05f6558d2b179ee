"""Certificates issued by a real Celery worker (a subprocess) on PostgreSQL and Redis.

Runs only with ``DATABASE_URL`` on PostgreSQL and a Redis broker (fails in CI without them):

    createdb -h 127.0.0.1 -U postgres lms_certs_dev
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_certs_dev \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 REDIS_URL=redis://127.0.0.1:6379/7 \\
    .venv/bin/python -m pytest tests/certificates/test_worker.py
"""

import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from certificates import tasks
from certificates.models import Certificate
from certificates.pdf import sha256
from tests.certificates.factories import make_completion, make_course
from tests.conftest import require_postgres, require_redis
from tests.factories import TierFactory, UserFactory
from tests.workers import TIMEOUT, new_queue, routed_to, start_worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    # Committed data (the worker reads it); the data migrations' rows are restored afterwards
    # for any later transactional test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """A Celery worker (two processes) on the test database, consuming a queue of its own; the
    test process publishes to the broker instead of running tasks eagerly (tests/workers.py)."""
    require_postgres()
    require_redis()
    queue = new_queue("certificates-test")
    with routed_to(queue, settings):
        running = start_worker(queue, tmp_path / "worker.log")
        try:
            yield running
        finally:
            running.stop()


def wait_for_pdf(completion, timeout: float = TIMEOUT) -> Certificate:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        certificate = Certificate.objects.filter(completion=completion).exclude(pdf="").first()
        if certificate is not None and certificate.emailed_at is not None:
            return certificate
        time.sleep(0.2)
    pytest.fail("the worker did not issue the certificate in time")


def test_a_completion_is_issued_its_certificate_by_the_worker(worker):
    course = make_course(title="Attachment Essentials", tier=TierFactory(code="T1"))
    learner = UserFactory(display_name="Wendy Worker", email="wendy@example.org")

    completion = make_completion(learner, course, signal=True)  # enqueued on commit

    certificate = wait_for_pdf(completion)
    assert certificate.holder_name == "Wendy Worker"
    assert re.fullmatch(r"IMH-\d{4}-000001", certificate.number)
    with certificate.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and sha256(data) == certificate.pdf_sha256
    worker.wait_for(r"Subject: \[IMH Training\] Your certificate for Attachment Essentials")


def test_running_the_task_twice_at_once_gives_one_certificate(worker):
    course = make_course(tier=TierFactory(code="T1"))
    learner = UserFactory(display_name="Dora Double", email="dora@example.org")
    completion = make_completion(learner, course)  # no signal: we send the task ourselves

    tasks.issue_certificate.delay(completion.pk)
    tasks.issue_certificate.delay(completion.pk)
    wait_for_pdf(completion)
    worker.wait_until_idle()

    certificate = Certificate.objects.get(completion=completion)
    assert Certificate.objects.count() == 1
    assert certificate.pdf and certificate.render_count == 1
    assert len(re.findall(r"Subject: \[IMH Training\] Your certificate", worker.output())) == 1
    files = list((Path(django_settings.MEDIA_ROOT) / "private" / "certificates").rglob("*.pdf"))
    assert [f.name for f in files] == [Path(certificate.pdf.name).name]
