"""Real Celery workers for tests: subprocesses on the PostgreSQL test database and Redis.

``start_worker`` starts ``celery -A lms worker`` (settings ``tests.worker_settings``) consuming a
queue of the test's own; ``routed_to`` makes the test process publish to that queue instead of
running tasks eagerly. Used by tests/certificates/test_worker.py and tests/faults/.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from lms.celery import app

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 90


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, queue: str):
        self.process = process
        self.log = log
        self.queue = queue

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, count: int = 1, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, self.output())) >= count:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"worker never logged {pattern!r} x{count}:\n{self.output()[-4000:]}")

    def wait_until_idle(self, timeout: float = TIMEOUT) -> None:
        """Until every message sent to the worker's queue is delivered and acknowledged (the
        tasks acknowledge late, when they have finished)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not queued(self.queue) and not unacked():
                return
            time.sleep(0.2)
        pytest.fail(f"the worker did not finish its tasks:\n{self.output()[-4000:]}")

    def pool_pids(self) -> list[int]:
        """The pool (child) processes of the worker's main process."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids.extend(int(pid) for pid in children)
        return pids

    def kill_all(self) -> None:
        """SIGKILL the main process and its pool at once (a crashed machine or an OOM kill):
        nothing is acknowledged, nothing is cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # and any orphaned pool process
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]


def redis_client():
    import redis

    return redis.Redis.from_url(broker_url())


def queued(queue: str) -> int:
    return redis_client().llen(queue)


def unacked() -> int:
    """Messages delivered to a worker and not acknowledged yet (in flight, or left behind by a
    worker that died)."""
    return redis_client().hlen("unacked")


def database_url(application_name: str = "") -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"{url}?application_name={application_name}" if application_name else url


def new_queue(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start_worker(
    queue: str,
    log: Path,
    *,
    concurrency: int = 2,
    visibility_timeout: int | None = None,
    extra_args: tuple[str, ...] = (),
    wait: bool = True,
) -> Worker:
    """A worker consuming ``queue`` (also its default queue, so tasks it sends itself, e.g.
    from the sweep, come back to it) on the test database; its own session, so that
    ``kill_all`` reaches its pool. ``visibility_timeout`` (seconds) is how long a message
    delivered to a worker that died stays invisible before it is delivered again."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url(),
        "WORKER_QUEUE": queue,
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "SITE_URL": django_settings.SITE_URL,
        "SECRET_KEY": "worker-test-secret-key-" + uuid.uuid4().hex,
        "LMS_VAR_DIR": str(log.parent / "var"),
        "EMAIL_URL": "consolemail://",
    }
    if visibility_timeout is not None:
        env["CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
    with log.open("a") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:4]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log, queue)
    if wait:
        ready_before = len(re.findall(r"ready\.", worker.output()))
        worker.wait_for(r"ready\.", count=ready_before + 1)
    return worker


def reset_producer_pool() -> None:
    """Make the test process look its producer pool up again, so the next message is sent to
    the broker URL now configured (Celery keeps the pool it looked up first, until a fork).
    kombu keeps one pool per broker URL for the whole process, so the pools stay open."""
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def routed_to(queue: str, settings, *, broker: str | None = None, tasks: str = "certificates.*"):
    """Publish from the test process to the broker instead of running tasks eagerly: tasks
    matching ``tasks`` (default: those of ``certificates``) go to ``queue``, other apps' tasks
    (sent by their signal receivers) to a queue nobody consumes. Restores the configuration
    and deletes both queues afterwards."""
    elsewhere = f"{queue}-others"
    names = ("task_always_eager", "task_routes", "broker_write_url")
    saved = {name: app.conf[name] for name in names}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False,
        task_routes={tasks: {"queue": queue}, "*": {"queue": elsewhere}},
        # Publishing uses the write URL; Celery prefers the CELERY_BROKER_URL environment
        # variable over a configured ``broker_url``, not over a configured write URL.
        broker_write_url=broker or broker_url(),
    )
    reset_producer_pool()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_producer_pool()
        client = redis_client()
        for name in (queue, elsewhere):
            client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
