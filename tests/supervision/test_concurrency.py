"""Double submits and double sign-offs arriving at the same moment (PostgreSQL, real
transactions in threads): one record, one signal."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from supervision import services
from supervision.models import SupervisionSession
from supervision.signals import session_signed_off
from tests.conftest import require_postgres
from tests.factories import UserFactory, tiers

from .factories import make_agreement, make_session

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(fn, n=4):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_simultaneous_submits_of_one_session_form_create_one_session():
    require_postgres()
    tiers()
    supervisor, supervisee = UserFactory(), UserFactory()
    agreement = make_agreement(supervisor, [supervisee])
    key = uuid.uuid4()

    def submit():
        return services.session_create(
            agreement=agreement,
            author=supervisor,
            date=timezone.localdate() - timedelta(days=1),
            duration_minutes=60,
            attendees=[supervisee],
            submission_key=key,
        )

    results, errors = run_together(submit)
    assert errors == []
    assert sum(created for _, created in results) == 1
    assert SupervisionSession.objects.count() == 1


def test_simultaneous_sign_offs_send_one_signal():
    require_postgres()
    tiers()
    supervisor, supervisee = UserFactory(), UserFactory()
    session = make_session(make_agreement(supervisor, [supervisee]), signed_off=False)
    received = []

    def receiver(sender, session, **kwargs):
        received.append(session.pk)

    session_signed_off.connect(receiver)
    try:
        results, errors = run_together(
            lambda: services.session_sign_off(session=session, user=supervisor)
        )
    finally:
        session_signed_off.disconnect(receiver)
    assert errors == []
    assert sum(changed for _, changed in results) == 1
    assert received == [session.pk]
