"""Booking under contention on PostgreSQL: 50 people ask for the 10 places of one workshop
session at the same moment, each request in a thread with its own database connection (as web
workers would). Target: under 2 s for all 50, with exactly 10 booked and 40 on the waiting list.

    .venv/bin/python bench/booking.py [--people 50] [--places 10] [--runs 3]

Builds its own database ``lms_bench_booking`` on ``TEST_POSTGRES_SERVER`` (default
postgres://postgres@127.0.0.1:5432), migrates it, and drops it at the end. The 50 people are
not enrolled yet (the slower case). Emails and background enrolments are handed to Celery's
in-memory queue, as a web worker hands them to the broker.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "lms_bench_booking"


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup() -> None:
    admin(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    import django

    django.setup()
    from lms.celery import app

    # Emails and background enrolments go to Celery's in-memory queue, as a web worker hands
    # them to the broker; they are not part of the request.
    app.conf.task_always_eager = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run(people: int, places: int) -> tuple[float, int, int]:
    from django.db import connection

    from courses.workshops import services
    from courses.workshops.models import Booking
    from tests.factories import UserFactory, tiers
    from tests.workshops.factories import make_session, make_workshop_course

    framework = tiers()
    session = make_session(make_workshop_course(tier=framework["T1"]), capacity=places)
    users = [UserFactory() for _ in range(people)]
    barrier = threading.Barrier(people + 1)
    errors = []

    def worker(person):
        try:
            connection.ensure_connection()  # a web worker's connection is already open
            barrier.wait()
            services.book(session=session, user=person)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} bookings failed: {errors[0]!r}")
    booked = Booking.objects.filter(session=session, status="booked").count()
    waiting = Booking.objects.filter(session=session, status="waitlisted").count()
    return elapsed, booked, waiting


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--places", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()}")
    setup()
    try:
        times = []
        for n in range(1, args.runs + 1):
            elapsed, booked, waiting = run(args.people, args.places)
            times.append(elapsed)
            print(f"run {n}: {elapsed:.3f} s, {booked} booked, {waiting} on the waiting list")
            assert booked == args.places and waiting == args.people - args.places
        median = statistics.median(times)
        print(f"{args.people} people for {args.places} places: median {median:.3f} s")
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
