"""The Celery application and the two conventions every task follows.

Configuration comes from Django settings (``CELERY_*``). With no ``CELERY_BROKER_URL`` the
settings switch Celery to eager mode, so the embedded default needs no broker.

1. Tasks are idempotent and declared with ``idempotent_task``: the message is acknowledged only
   after the task finishes (``acks_late``), is redelivered if the worker dies
   (``reject_on_worker_lost``), and failures retry with exponential backoff. Running a task twice
   must change nothing the second time (a unique constraint or a status check in the service).
2. Services enqueue with ``enqueue_on_commit``: the message is sent only once the data it refers
   to is committed, and a broker outage is logged rather than shown to the user; the periodic
   sweeps (beat) find and finish whatever was not enqueued.
"""

import logging
import os
from functools import partial

from celery import Celery, shared_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

logger = logging.getLogger(__name__)

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

idempotent_task = partial(
    shared_task,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)


# One immediate reconnection: enough when a pooled connection went stale (the broker restarted),
# and quick when the broker is down (a learner's request must not wait for it: measured by
# tests/faults/test_broker_outage.py). Waiting and retrying is the sweeps' job.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` after the current transaction commits; never fail the caller if the broker
    is unreachable (the task's sweep will pick the work up later)."""
    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=SEND_RETRY_POLICY)
        except (OperationalError, ConnectionError, OSError):
            logger.warning("Broker unavailable; %s will be picked up by its sweep", task.name)

    transaction.on_commit(send)
