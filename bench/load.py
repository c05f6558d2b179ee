"""Load test: 50 signed-in learners on gunicorn with production settings, PostgreSQL and Redis.

    .venv/bin/python bench/load.py                     # set-up (about 2 min) + 15 s + 60 s
    .venv/bin/python bench/load.py --reuse-db          # keep the database of the last run
    .venv/bin/python bench/load.py --users 50 --duration 60 --web-workers 3

A bounded loopback load generator (threads and ``requests``; no third-party load tool). It
creates the database ``lms_bench_load`` (migrate, curriculum, job roles, ``seed_demo``) and
50 learner accounts in the demo NHS trust's teams, with a spread of progress; starts
gunicorn (production settings, plain HTTP behind ``X-Forwarded-Proto: https`` as a TLS proxy
would send it, the cache on Redis, the broker on Redis with no worker: messages just queue); then
each virtual user, signed in with a session of their own, loops with a think time of 1-3 s
(random, seeded) before every request:

1. the dashboard (``/learn/``);
2. a module page of the course they are working on;
3. a SCORM run-time commit (a 3 KB SCORM 1.2 snapshot, numbered in order, as scorm-again sends
   it) for the module of a course that plays a package, on which every learner is enrolled
   (target: p95 under 30 ms);
4. the knowledge check submit of that course: mostly wrong answers, one in twenty right. The
   courses' retry cool-down and attempt cap are lifted for the run, so a wrong answer is
   recorded every time (a redirect, then the result page, timed on its own); after a pass the
   course is complete and later submits are refused (the form again, 200). Both are fine;
   anything else is an error.

After a warm-up (not counted) it measures for ``--duration`` seconds and prints requests per
second, p50/p95/p99 per page and overall, errors, and the load on the machine (load average,
CPU used by gunicorn, by this process and by PostgreSQL/Redis), and the memory each gunicorn
worker holds at the end: RSS (every page it maps, shared ones included), PSS (shared pages
divided among the processes sharing them: what it costs the machine) and USS (pages only it
holds: what stopping it would free). gunicorn runs with the Procfile's ``--preload``
(``--no-preload`` to compare). Exits non-zero on any error.

Target (issue 8): p95 under 150 ms at 50 concurrent users on a 2-core machine (load generator
included), zero errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cmi import snapshot  # noqa: E402 (after the path is set)

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "lms_bench_load")
CACHE = os.environ.get("BENCH_CACHE", "redis://127.0.0.1:6379/12")
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15")
WORK = Path(os.environ.get("BENCH_WORK") or Path(tempfile.gettempdir()) / "lms-bench-load")
CSRF = "loadtestloadtestloadtestloadtest"  # an unmasked CSRF secret is a valid form token
TEAMS = ["riverside-hv-north", "riverside-hv-south", "riverside-midwifery", "riverside-perinatal"]
ROLES = ["health-visitor", "health-visitor", "midwife", "perinatal-mental-health-clinician"]


def environment() -> dict[str, str]:
    """Shared by this process (set-up through the ORM) and gunicorn."""
    WORK.mkdir(parents=True, exist_ok=True)
    key_file = WORK / "secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": key_file.read_text(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": CACHE,
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(WORK / "media"),
        "STATIC_ROOT": str(WORK / "static"),
        "LMS_VAR_DIR": str(WORK / "var"),
        "EMAIL_URL": "dummymail://",
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": "https://127.0.0.1",
    }
    os.environ.update(env)
    return {**os.environ, **env}


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, cwd=ROOT)


def manage(*args: str) -> None:
    run([sys.executable, "manage.py", *args])


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        return found.fetchone() is not None


def flush_redis() -> None:
    import redis

    for url in (CACHE, BROKER):
        redis.Redis.from_url(url).flushdb()


# --- Set-up ---------------------------------------------------------------------------------


def build_database(users: int) -> None:
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME])
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME])
    started = time.monotonic()
    manage("migrate", "--no-input", "-v", "0")
    manage("load_curriculum", "-v", "0")
    manage("load_job_roles", "-v", "0")
    manage("seed_demo", "--force", "--skip-curriculum", "--password", secrets.token_urlsafe(12))
    manage("collectstatic", "--no-input", "-v", "0")  # the release step, as in the Procfile
    print(f"database built in {time.monotonic() - started:.0f} s")


def setup_django():
    import django

    django.setup()


def create_learners(count: int) -> None:
    """``count`` learners in the trust's teams (their roles enrol them on the required courses),
    a third with every T1 course but one done, a third with three left, a third new."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from lms.workforce import services as workforce
    from lms.workforce.models import JobRole, OrganisationUnit

    User = get_user_model()
    started = time.monotonic()
    for n in range(count):
        email = f"load.learner.{n:03d}@example.org"
        if User.objects.filter(email=email).exists():
            continue
        user = User.objects.create_user(
            email=email, password=secrets.token_urlsafe(16), display_name=f"Load Learner {n}"
        )
        workforce.membership_start(
            user=user,
            unit=OrganisationUnit.objects.get(code=TEAMS[n % len(TEAMS)]),
            job_role=JobRole.objects.get(code=ROLES[n % len(ROLES)]),
        )
        if n % 3 != 2:
            call_command("demo_learning", email=email, leave=1 if n % 3 == 0 else 3, stdout=Null())
    print(f"{count} learners ready in {time.monotonic() - started:.0f} s")


SCORM_TITLE = "Load e-learning package"


def scorm_module(count: int) -> int:
    """A course whose module plays a SCORM 1.2 package (the tests' own package), with every
    learner enrolled, so that each virtual user commits run-time data as a learner playing it
    does. Returns the module's id."""
    from django.contrib.auth import get_user_model

    from content.models import ModulePage, Tier
    from content.scorm.models import ScormPackage
    from courses.services import enrol
    from tests.scorm.factories import scorm_course, stored

    module = ModulePage.objects.filter(scorm_package__title=SCORM_TITLE).first()
    if module is None:
        package = ScormPackage.objects.filter(title=SCORM_TITLE).first() or stored(
            "1.2", title=SCORM_TITLE
        )
        _, module = scorm_course(package, tier=Tier.objects.get(code="T1"), title=SCORM_TITLE)
    course = module.get_parent().specific
    for user in get_user_model().objects.filter(email__startswith="load.learner.")[:count]:
        enrol(user=user, course=course)
    return module.pk


def allow_retries_at_once() -> None:
    """No cool-down and no cap on knowledge-check attempts, so that a failed submit is
    recorded every time (the write path: attempt, answers, score) instead of being refused for
    the rest of the run after a learner's first wrong answer."""
    from content.models import CoursePage

    CoursePage.objects.update(retry_cooldown_minutes=0, max_attempts=None)


class Null:
    def write(self, *args):
        pass

    def flush(self):
        pass


@dataclass
class Plan:
    """What one virtual user requests."""

    email: str
    session_key: str
    module_paths: list[str]
    quiz_path: str | None
    questions: list[tuple[str, list[str], list[str]]]  # (field, right options, wrong options)
    enrolment_id: int = 0
    draw: list = field(default_factory=list)  # the questions the knowledge check shows
    commit_path: str = ""  # the SCORM run-time commit of the package module they play

    def draw_token(self, idempotency_key: str) -> str:
        """The signed draw a knowledge-check form carries (as the page would render it)."""
        from courses import draws

        return draws.sign(
            self.draw, enrolment_id=self.enrolment_id, idempotency_key=idempotency_key
        )


def plans(count: int, scorm_module_id: int) -> list[Plan]:
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from courses import draws
    from courses.models import Enrolment

    User = get_user_model()
    result = []
    for n in range(count):
        user = User.objects.get(email=f"load.learner.{n:03d}@example.org")
        # Signed in as the login form would leave them (the allauth login is rate limited per
        # address, 30 a minute, which a load generator on one address would trip).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        enrolment = (
            Enrolment.objects.filter(user=user, is_current=True, status=Enrolment.Status.ACTIVE)
            .select_related("course")
            .order_by("course__path")
            .first()
        )
        course = enrolment.course.specific
        drawn = draws.draw(course=course, enrolment=enrolment)
        shown = {item["question"] for item in drawn}
        questions = []
        for block in course.questions():
            if block.id not in shown:
                continue
            options = list(block.value["options"].bound_blocks)
            right = [o.id for o in options if o.value["correct"]]
            wrong = [o.id for o in options if not o.value["correct"]][:1]
            questions.append((f"q-{block.id}", right, wrong))
        result.append(
            Plan(
                email=user.email,
                session_key=session.session_key,
                module_paths=[m.get_url() for m in course.modules()],
                quiz_path=f"/learn/courses/{course.pk}/knowledge-check/" if questions else None,
                questions=questions,
                enrolment_id=enrolment.pk,
                draw=drawn,
                commit_path=f"/learn/modules/{scorm_module_id}/scorm/commit/",
            )
        )
    return result


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict, port: int, workers: int, worker_class: str, threads: int, preload: bool = True
):
    command = [
        sys.executable, "-m", "gunicorn", "lms.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--timeout", "30",
        "--forwarded-allow-ips", "127.0.0.1",
    ]  # fmt: skip
    if preload:
        command.append("--preload")
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    log = (WORK / "gunicorn.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start; see " + str(WORK / "gunicorn.log"))


def process_cpu_seconds(root_pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    family = {root_pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root_pid:
            family.add(int(stat.parent.name))
    total = 0
    for pid in family:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def children_of(root_pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root_pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def memory_mb(pid: int) -> tuple[float, float, float]:
    """RSS, PSS and USS of a process in MB (``/proc/<pid>/smaps_rollup``)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = int(rest.split()[0]) / 1024
    uss = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return values.get("Rss", 0), values.get("Pss", 0), uss


def service_cpu_seconds(names=("postgres", "redis-server")) -> float:
    """CPU seconds used so far by PostgreSQL and Redis, including the connection processes
    that have ended since (their time is added to the server's "children" times when it reaps
    them), so that the difference between two readings is never negative."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] in names:
            fields = rest.split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / tick


def cpu_pressure() -> str:
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"
    return line.split()[1].replace("avg10=", "") + "%"


# --- The virtual users ----------------------------------------------------------------------


@dataclass
class Results:
    measuring: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, error: str | None = None) -> None:
        if not self.measuring.is_set():
            return
        with self.lock:
            self.times[page].append(seconds)
            if error:
                self.errors.append(f"{page}: {error}")


def virtual_user(index: int, plan: Plan, base: str, seed: int, results: Results) -> None:
    rng = random.Random(seed * 1000 + index)
    http = requests.Session()
    http.trust_env = False
    cookie = f"sessionid={plan.session_key}; csrftoken={CSRF}"
    headers = {"X-Forwarded-Proto": "https", "Cookie": cookie, "Referer": f"https://{base}/"}

    def call(page: str, method: str, path: str, ok: tuple[int, ...], data=None, extra=None):
        started = time.perf_counter()
        try:
            response = http.request(
                method, f"http://{base}{path}", data=data, headers={**headers, **(extra or {})},
                allow_redirects=False, timeout=30,
            )  # fmt: skip
        except requests.RequestException as exc:
            results.record(page, time.perf_counter() - started, f"{type(exc).__name__}")
            return None
        elapsed = time.perf_counter() - started
        error = None
        if response.status_code not in ok:
            error = f"{response.status_code} {method} {path} -> {response.headers.get('Location')}"
        results.record(page, elapsed, error)
        return response

    def think() -> bool:
        return not results.stop.wait(rng.uniform(1.0, 3.0))

    sequence, run_id = 0, uuid.uuid4().hex  # the SCORM session: commits numbered in order
    # Arrive over the first few seconds, not all at once.
    if results.stop.wait(rng.uniform(0, 3)):
        return
    while True:
        if not think():
            return
        call("dashboard", "GET", "/learn/", (200,))
        if not think():
            return
        call("module page", "GET", rng.choice(plan.module_paths), (200,))
        if not think():
            return
        # Playing the package: its run-time data, committed as scorm-again does.
        sequence += 1
        commit = {"sco": "item-cues", "sequence": sequence, "session": run_id,
                  "cmi": snapshot(1 + sequence % 3)}  # fmt: skip
        call("SCORM commit", "POST", plan.commit_path, (200,), json.dumps(commit),
             {"Content-Type": "application/json", "X-CSRFToken": CSRF})  # fmt: skip
        if plan.quiz_path is None:
            continue
        if not think():
            return
        right = rng.random() < 0.05
        key = str(uuid.uuid4())
        data = {"csrfmiddlewaretoken": CSRF, "idempotency_key": key, "draw": plan.draw_token(key)}
        for name, correct, wrong in plan.questions:
            data[name] = correct if right else wrong
        response = call("quiz submit", "POST", plan.quiz_path, (200, 302), data)
        if response is None:
            continue
        if response.status_code == 302:
            with results.lock:
                results.outcomes["attempt recorded"] += results.measuring.is_set()
            location = response.headers["Location"]
            if not location.startswith("/learn/attempts/"):
                results.record("quiz submit", 0, f"302 to {location}")
                continue
            call("attempt result", "GET", location, (200,))
        else:
            with results.lock:
                results.outcomes["refused (form shown again)"] += results.measuring.is_set()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(results: Results, seconds: float) -> None:
    def row(name: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (
            f"  {name:<16} {len(ms):>6} {len(ms) / seconds:>7.1f} {percentile(ms, 0.5):>7.0f}"
            f" {percentile(ms, 0.95):>7.0f} {percentile(ms, 0.99):>7.0f} {max(ms):>7.0f}"
        )

    print(f"\n  {'page':<16} {'count':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    everything = []
    for page in ("dashboard", "module page", "SCORM commit", "quiz submit", "attempt result"):
        values = results.times.get(page, [])
        if values:
            print(row(page, values))
            everything += values
    print(row("all requests", everything) + "   (milliseconds)")
    print("  quiz submits: " + ", ".join(f"{k} {v}" for k, v in sorted(results.outcomes.items())))
    print(f"  errors: {len(results.errors)}")
    for error in results.errors[:20]:
        print(f"    {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--web-workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", 3)),
        help="gunicorn sync workers; the Procfile's default, WEB_CONCURRENCY or 3",
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument(
        "--no-preload",
        dest="preload",
        action="store_false",
        help="load the application in each worker instead of once in gunicorn's master",
    )
    parser.add_argument("--reuse-db", action="store_true", help="keep the last run's database")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    env = environment()
    flush_redis()
    if not (args.reuse_db and database_exists()):
        build_database(args.users)
    setup_django()
    create_learners(args.users)
    allow_retries_at_once()
    users = plans(args.users, scorm_module(args.users))

    port = free_port()
    server = start_gunicorn(
        env, port, args.web_workers, args.worker_class, args.threads, args.preload
    )
    base = f"127.0.0.1:{port}"
    print(
        f"gunicorn: {args.web_workers} {args.worker_class} workers"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        + (", preloaded" if args.preload else ", not preloaded")
        + f" on {base}; {args.users} users, think time 1-3 s; {os.cpu_count()} CPUs"
    )
    results = Results()
    threads = [
        threading.Thread(target=virtual_user, args=(i, plan, base, args.seed, results))
        for i, plan in enumerate(users)
    ]
    exit_code = 1
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)
        load_before = os.getloadavg()
        cpu = (process_cpu_seconds(server.pid), time.process_time(), service_cpu_seconds())
        started = time.monotonic()
        results.measuring.set()
        time.sleep(args.duration)
        results.measuring.clear()
        elapsed = time.monotonic() - started
        used = (
            process_cpu_seconds(server.pid) - cpu[0],
            time.process_time() - cpu[1],
            service_cpu_seconds() - cpu[2],
        )
        pressure = cpu_pressure()
        results.stop.set()
        for thread in threads:
            thread.join(timeout=40)
        report(results, elapsed)
        print(
            f"\n  machine: load average {load_before[0]:.2f} at the start of the measurement, "
            f"{os.getloadavg()[0]:.2f} at the end; CPU pressure (avg10) {pressure}\n"
            f"  CPU over {elapsed:.0f} s: gunicorn {used[0]:.1f} s "
            f"({100 * used[0] / elapsed:.0f}% of one core), load generator {used[1]:.1f} s "
            f"({100 * used[1] / elapsed:.0f}%), PostgreSQL + Redis {used[2]:.1f} s "
            f"({100 * used[2] / elapsed:.0f}%)"
        )
        processes = [("master", server.pid)] + [("worker", p) for p in children_of(server.pid)]
        for name, pid in processes:
            rss, pss, uss = memory_mb(pid)
            print(f"  gunicorn {name} {pid}: RSS {rss:.0f} MB, PSS {pss:.0f} MB, USS {uss:.0f} MB")
        exit_code = 1 if results.errors or not results.times else 0
    finally:
        results.stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        flush_redis()
        if not (args.keep_db or args.reuse_db):
            run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME])
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
