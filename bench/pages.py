"""The learner's pages, one at a time: requests per second, p50, p99 and queries per page.

    .venv/bin/python bench/pages.py                  # set-up 1-3 min, then 200 requests a page
    .venv/bin/python bench/pages.py --requests 500
    BENCH_CODE=/path/to/a/checkout .venv/bin/python bench/pages.py   # the same on other code

In-process (Django's test client through the whole middleware stack, no network, no server), on
the embedded default (a SQLite file in WAL mode, the local-memory cache) with DEBUG off, so that
the figures are about the code and not about a load generator: a fresh database in a temporary
folder (migrate, ``seed_demo --force``), then the demo practitioner is enrolled on every live
course they may take, with module progress spread over them (about 40 records) and the demo's
completions. Each page is requested once to warm it, then ``--requests`` times in a row; a
separate request counts its queries.

Not yet here (issue 17): the peer (wagtail-lms from PyPI, served side by side with gunicorn)
and the ratio ours/peer.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE = Path(os.environ.get("BENCH_CODE") or Path(__file__).resolve().parent.parent)
WORK = Path(tempfile.mkdtemp(prefix="lms-bench-pages-"))


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "DEBUG": "false",
            "SECRET_KEY": "bench-pages-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver,localhost",
            "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
            "MEDIA_ROOT": str(WORK / "media"),
        }
    )
    return env


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=CODE,
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def setup_django():
    os.environ.update(environment())
    sys.path.insert(0, str(CODE))
    os.chdir(CODE)
    import django

    django.setup()


def build_history():
    """Enrol the demo practitioner on every live course they may take and open modules."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from content.models import CoursePage
    from courses import services
    from courses.models import Completion, Enrolment, ModuleProgress

    learner = get_user_model().objects.get(email="practitioner@example.org")
    for course in CoursePage.objects.live().order_by("path"):
        # Prerequisites missing: not every course is open to them.
        with contextlib.suppress(ValidationError):
            services.enrol(user=learner, course=course)
    enrolments = list(
        Enrolment.objects.filter(user=learner, is_current=True, status="active").select_related(
            "course"
        )
    )
    for index in range(4):
        for enrolment in enrolments:
            if ModuleProgress.objects.filter(enrolment__user=learner).count() >= 40:
                break
            modules = list(enrolment.course.specific.modules())
            if index < len(modules):
                services.start_module(enrolment=enrolment, module=modules[index])
    return learner, {
        "enrolments": Enrolment.objects.filter(user=learner).count(),
        "module progress": ModuleProgress.objects.filter(enrolment__user=learner).count(),
        "completions": Completion.objects.filter(user=learner).count(),
    }


def pages(learner) -> dict[str, tuple[object, str]]:
    from courses.models import Enrolment, ModuleProgress

    progress = (
        ModuleProgress.objects.filter(enrolment__user=learner, enrolment__status="active")
        .select_related("module", "enrolment__course")
        .order_by("-pk")
        .first()
    )
    course = progress.enrolment.course
    done = Enrolment.objects.filter(user=learner, status="completed").first()
    result = {
        "module page (enrolled)": (learner, progress.module.url),
        "course page (enrolled)": (learner, course.url),
        "course page (anonymous)": (None, course.url),
        "catalogue (anonymous)": (None, "/courses/"),
        "catalogue (signed in)": (learner, "/courses/"),
        "dashboard /learn/": (learner, "/learn/"),
        "supervision home": (learner, "/supervision/"),
    }
    if done:
        result["course page (completed)"] = (learner, done.course.url)
    return result


def measure(user, url: str, requests: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    assert client.get(url).status_code == 200, url
    # Counted with an execute wrapper: the connection is closed and opened again per request
    # (as under gunicorn), which empties Django's own query log.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    started = time.perf_counter()
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, url
    wall = time.perf_counter() - started
    times.sort()
    return {
        "rps": requests / wall,
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        "queries": len(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(f"code: {CODE}  ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f})")
    started = time.perf_counter()
    manage("migrate", "--no-input")
    manage("seed_demo", "--force", "--password", "a-Long-bench-passw0rd")
    setup_django()
    learner, history = build_history()
    print(f"set-up {time.perf_counter() - started:.0f} s; learner: {history}")
    print(f"{'page':28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7}")
    for name, (user, url) in pages(learner).items():
        figures = measure(user, url, args.requests)
        print(
            f"{name:28} {figures['rps']:7.0f} {figures['p50']:7.1f} {figures['p99']:7.1f} "
            f"{figures['queries']:7d}"
        )
    return 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(code)
