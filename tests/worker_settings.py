"""Settings of the Celery workers the tests start (tests/workers.py): the development settings
on the test database, plus what a test needs to control.

- ``WORKER_QUEUE``: the queue the worker consumes and sends its own tasks to (the sweep's).
- ``CELERY_VISIBILITY_TIMEOUT``: seconds before a message delivered to a worker that died is
  delivered again (production: one hour, and the sweep). The restore scan then runs every
  second instead of every 100 s.
"""

from lms.settings.dev import *  # noqa: F403
from lms.settings.dev import CELERY_BROKER_TRANSPORT_OPTIONS, env

CELERY_TASK_DEFAULT_QUEUE = env.str("WORKER_QUEUE", default="celery")

if env.str("CELERY_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT"),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
