"""xAPI outbox benchmark: sending statements to a real learning record store.

    make ralph                                       # Ralph's own virtual environment, once
    .venv/bin/python bench/xapi.py                   # SQLite in a temporary folder
    .venv/bin/python bench/xapi.py --statements 10000 --batch 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_xapi .venv/bin/python bench/xapi.py

Starts Ralph (the open-source LRS the tests use, ``tests/xapi``) on a free loopback port,
records ``--statements`` learning events into the outbox the way the learning services do
(``courses.xapi.services.record``: module completions of 200 learners, set-based), then times
``send_pending`` (what the Celery task runs) until the outbox is empty: statements per second,
requests, and how long recording took. Reads the statements back from Ralph and checks that
every one arrived once. Target: 500 statements per second or more.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="lms-bench-xapi-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LMS_VAR_DIR", str(WORK / "var"))
os.environ.setdefault("MEDIA_ROOT", str(WORK / "media"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--learners", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from courses.xapi import services
    from courses.xapi.models import Statement
    from courses.xapi.statements import Activity, Event
    from tests.factories import UserFactory
    from tests.xapi.conftest import KEY, SECRET, Ralph

    print(f"Database: {connection.vendor}; CPUs: {os.cpu_count()}; load: {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    python = ROOT / os.environ.get("RALPH_VENV", ".ralph-venv") / "bin" / "python"
    if not python.exists():
        sys.exit(f"Ralph is not installed in {python.parent.parent}: run `make ralph` first.")
    ralph = Ralph(python, WORK / "ralph")
    ralph.create_credentials()
    ralph.start()
    try:
        settings.SITE_URL = "http://lms-bench.test"
        settings.XAPI_LRS_ENDPOINT = ralph.endpoint
        settings.XAPI_LRS_KEY, settings.XAPI_LRS_SECRET = KEY, SECRET
        settings.CELERY_TASK_ALWAYS_EAGER = False  # the timed loop below does the sending

        learners = [UserFactory() for _ in range(args.learners)]
        course = Activity("course", 1, "Attachment Essentials")
        now = timezone.now()
        events = [
            Event(
                key=f"bench-module-completed:{n}",
                user_id=learners[n % len(learners)].pk,
                verb="completed",
                activity=Activity("module", 1000 + n // len(learners), f"Module {n}"),
                course=course,
                enrolment_id=n % len(learners),
                timestamp=now,
                result={"completion": True},
            )
            for n in range(args.statements)
        ]
        started = time.perf_counter()
        with transaction.atomic():
            for i in range(0, len(events), 1000):
                services.record(events[i : i + 1000])
        recorded = time.perf_counter() - started
        pending = Statement.objects.filter(status=Statement.Status.PENDING).count()
        print(f"Recorded {pending:,} statements in the outbox in {recorded:.2f} s")

        requests_made, sent = 0, 0
        cpu0, started = time.process_time(), time.perf_counter()
        while True:
            result = services.send_pending(batch_size=args.batch, max_batches=1)
            if result.error:
                sys.exit(f"The LRS refused a batch: {result.error}")
            if not result.sent:
                break
            requests_made += 1
            sent += result.sent
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
        print(
            f"Sent {sent:,} statements in {requests_made} requests of up to {args.batch}: "
            f"{elapsed:.2f} s, {sent / elapsed:,.0f} statements/s "
            f"(this process's CPU {cpu:.2f} s; Ralph and the database the rest). Target >= 500/s."
        )
        in_lrs = ralph.statements()
        ids = {s["id"] for s in in_lrs}
        print(
            f"Read back from Ralph: {len(in_lrs):,} statements, {len(ids):,} distinct ids "
            f"(expected {args.statements:,} of each)"
        )
        if len(in_lrs) != args.statements or len(ids) != args.statements:
            sys.exit("MISMATCH: the LRS does not hold exactly one statement per event")
    finally:
        ralph.stop()


if __name__ == "__main__":
    main()
