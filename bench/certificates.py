"""Certificate benchmark: render time per certificate and issue throughput through Celery.

    .venv/bin/python bench/certificates.py            # both parts (needs PostgreSQL and Redis)
    .venv/bin/python bench/certificates.py --skip-batch

(a) Warm render: one process renders the same certificate (logo, signature and QR code
    included, as ``certificates.documents.render_certificate`` does for every issue) after a few
    warm-ups, and prints mean, p50 and p95 in milliseconds (wall and CPU time), with a naive
    render (new font configuration, stylesheet and URL fetcher every time) for the ratio.
(b) Batch: a fresh PostgreSQL database (``lms_bench_certs``), 500 completions, two
    ``celery -A lms worker --concurrency=1`` processes on Redis (db 9); the issue task is sent
    for every completion and the clock runs until every certificate has its PDF. Prints
    certificates per second, then stops the workers and drops the database.

Targets (docs/ARCHITECTURE.md): under 40 ms per certificate warm; at least 25 certificates per
second for the batch on two workers.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
EXTRA = [a for a in os.environ.get("BENCH_WORKER_ARGS", "").split() if a]
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/9")
DB_NAME = os.environ.get("BENCH_DB", "lms_bench_certs")


def configure_environment(work: Path) -> dict[str, str]:
    """Environment shared by this process and the workers (set before Django starts)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(work / "media"),
        "LMS_VAR_DIR": str(work / "var"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": "https://training.example.org",
    }
    os.environ.update(env)
    return {**os.environ, **env}


# Commands below are fixed argument lists (no shell, no user input); the PostgreSQL client tools
# are found on PATH like any developer would run them.


def run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, **kwargs)


def create_database() -> None:
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME])
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME])


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME])


# --- Data ------------------------------------------------------------------------------------


def png(size: tuple[int, int], colour: str) -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def brand_settings() -> None:
    """A logo and a signature, so that every render includes them."""
    from django.core.files.images import ImageFile
    from wagtail.images.models import Image

    from certificates.models import CertificateSettings

    settings = CertificateSettings.load()
    settings.organisation_name = "Northshire Infant Mental Health Partnership"
    settings.signatory_name = "Dr Alex Morgan"
    settings.signatory_title = "Infant Mental Health Lead"
    settings.logo = Image.objects.create(
        title="Logo", file=ImageFile(io.BytesIO(png((600, 180), "#17324d")), name="logo.png")
    )
    settings.signature = Image.objects.create(
        title="Signature",
        file=ImageFile(io.BytesIO(png((400, 120), "#1b1f23")), name="signature.png"),
    )
    settings.save()


def make_courses(count: int, label: str) -> list:
    from content.models import CourseIndexPage, CoursePage, HomePage, Tier

    tier, _ = Tier.objects.get_or_create(
        code="T1", defaults={"name": "Informed", "order": 1, "refresher_months": 36}
    )
    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug="courses")
        HomePage.objects.first().add_child(instance=index)
    courses = []
    for n in range(count):
        course = CoursePage(
            title=f"Understanding Babies: States and Cues, part {n + 1}",
            slug=f"{label}-course-{n + 1}",
            tier=tier,
            summary="A course.",
            cpd_hours="1.5",
            knowledge_check=[],
        )
        index.add_child(instance=course)
        courses.append(course)
    return courses


def make_completions(total: int, label: str, per_person: int = 10) -> list[int]:
    """``total`` completions: people x courses, written in bulk (no signals: the benchmark sends
    the tasks itself)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from courses.dates import validity_for
    from courses.models import Completion, Enrolment

    courses = make_courses(per_person, label)
    people_count = -(-total // per_person)
    User = get_user_model()
    people = User.objects.bulk_create(
        User(email=f"{label}{n}@example.org", display_name=f"Practitioner Number {n}")
        for n in range(people_count)
    )
    now = timezone.now()
    valid_until, expires_at = validity_for(now, 36)
    pairs = [(p, c) for p in people for c in courses][:total]
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            user=p, course=c, status=Enrolment.Status.COMPLETED, completed_at=now, started_at=now
        )
        for p, c in pairs
    )
    completions = Completion.objects.bulk_create(
        Completion(
            user=e.user,
            course=e.course,
            enrolment=e,
            course_title=e.course.title,
            tier_code="T1",
            completed_at=now,
            expires_at=expires_at,
            valid_until=valid_until,
        )
        for e in enrolments
    )
    return [c.pk for c in completions]


# --- (a) Warm render ---------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(label: str, wall: list[float], cpu: list[float]) -> None:
    def ms(value: float) -> str:
        return f"{value * 1000:6.1f}"

    print(
        f"  {label:<22} wall mean {ms(statistics.mean(wall))}  p50 {ms(statistics.median(wall))}"
        f"  p95 {ms(percentile(wall, 0.95))} ms | CPU mean {ms(statistics.mean(cpu))}"
        f"  p50 {ms(statistics.median(cpu))} ms"
    )


def bench_render(renders: int, warmups: int, naive: int) -> None:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from certificates import documents, pdf, services

    completion_id = make_completions(1, "render", per_person=1)[0]
    certificate = services.issue_certificate(completion_id=completion_id).certificate

    for _ in range(warmups):
        documents.render_certificate(certificate)
    wall, cpu = [], []
    for _ in range(renders):
        started, started_cpu = time.perf_counter(), time.process_time()
        data = documents.render_certificate(certificate)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert data.startswith(b"%PDF-")

    html = documents.certificate_html(certificate)
    naive_wall, naive_cpu = [], []
    for _ in range(naive):
        started, started_cpu = time.perf_counter(), time.process_time()
        fonts = FontConfiguration()  # new fonts, stylesheet and (default) fetcher each time
        stylesheet = CSS(filename=str(pdf.STYLESHEETS["certificate"]), font_config=fonts)
        HTML(string=html, base_url=pdf.STATIC_DIR.as_uri() + "/").write_pdf(
            stylesheets=[stylesheet], font_config=fonts
        )
        naive_wall.append(time.perf_counter() - started)
        naive_cpu.append(time.process_time() - started_cpu)

    print(f"\n(a) Warm render, one process ({renders} renders after {warmups} warm-ups)")
    print(f"  PDF size {len(data):,} bytes; logo, signature and QR code included")
    summary("warm (reused config)", wall, cpu)
    summary(f"naive ({naive} renders)", naive_wall, naive_cpu)
    print(
        f"  naive / warm (p50 wall): {statistics.median(naive_wall) / statistics.median(wall):.1f}x"
        f"   target: < 40 ms warm -> {'MET' if statistics.median(wall) < 0.040 else 'MISSED'}"
        " (p50 wall)"
    )


# --- (b) Batch through Celery ------------------------------------------------------------


def start_workers(count: int, env: dict[str, str], queue: str, logs: Path) -> list:
    workers = []
    for n in range(count):
        log = (logs / f"worker{n + 1}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "lms", "worker",
                "--concurrency=1", "--loglevel=WARNING", "-Q", queue, *EXTRA,
                "-n", f"bench{n + 1}-{queue}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append((process, log))
    return workers


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` and their child processes (the prefork
    pool), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    family = set(pids)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in pids:  # parent pid
            family.add(int(stat.parent.name))
    total = 0
    for pid in family:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def service_cpu_seconds(names: tuple[str, ...] = ("postgres", "redis-server")) -> float:
    """CPU seconds used so far by the database and broker processes (all of them: other users
    of the same servers count too)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] in names:
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def cpu_pressure() -> str:
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"
    return line.split()[1].replace("avg10=", "") + "% of the last 10 s"


def wait_until_ready(queue: str, count: int, timeout: float = 60) -> None:
    from lms.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        names = [name for reply in replies for name in reply if queue in name]
        if len(names) >= count:
            return
        time.sleep(0.5)
    raise SystemExit("The Celery workers did not start; see their logs.")


def stop_workers(workers: list) -> None:
    for process, _ in workers:
        process.send_signal(signal.SIGTERM)
    for process, log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def bench_batch(total: int, worker_count: int, env: dict[str, str], work: Path) -> None:
    from certificates import tasks
    from certificates.models import Certificate
    from lms.celery import app

    warmups = 2 * worker_count
    completion_ids = make_completions(total + warmups, "batch")
    warmup_ids, completion_ids = completion_ids[:warmups], completion_ids[warmups:]
    queue = f"bench-certificates-{secrets.token_hex(4)}"
    workers = start_workers(worker_count, env, queue, work)

    def wait_for(count: int, deadline: float) -> None:
        # One cheap count, ten times a second (not a filter on 500 ids).
        while Certificate.objects.exclude(pdf="").count() < count:
            if time.perf_counter() > deadline:
                raise SystemExit("Timed out waiting for the workers; see their logs.")
            time.sleep(0.1)

    try:
        wait_until_ready(queue, worker_count)
        # Warm-up: each worker renders a first certificate (fonts, stylesheets) before timing.
        already = Certificate.objects.exclude(pdf="").count()
        for completion_id in warmup_ids:
            tasks.issue_certificate.apply_async(args=[completion_id], queue=queue)
        wait_for(already + warmups, time.perf_counter() + 120)

        pids = [process.pid for process, _ in workers]
        cpu_before = process_cpu_seconds(pids)
        services_before = service_cpu_seconds()
        started = time.perf_counter()
        for completion_id in completion_ids:
            tasks.issue_certificate.apply_async(args=[completion_id], queue=queue)
        sent = time.perf_counter() - started
        wait_for(already + warmups + total, started + 600)
        elapsed = time.perf_counter() - started
        worker_cpu = process_cpu_seconds(pids) - cpu_before
        services_cpu = service_cpu_seconds() - services_before
        pressure = cpu_pressure()
    finally:
        stop_workers(workers)
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )

    certificates = Certificate.objects.filter(completion_id__in=completion_ids)
    numbers = set(certificates.values_list("number", flat=True))
    assert certificates.count() == total == len(numbers), "duplicate or missing certificates"
    assert not certificates.filter(pdf_sha256="").exists()
    assert not certificates.filter(emailed_at=None).exists()
    rate = total / elapsed
    print(f"\n(b) Batch: {total} certificates, {worker_count} workers (--concurrency=1) on Redis")
    print(f"  tasks sent in {sent:.2f} s; all {total} PDFs stored after {elapsed:.2f} s")
    print(
        f"  throughput {rate:.1f} certificates/s (workers warmed up with {warmups} certificates;"
        f" {elapsed / total * worker_count * 1000:.0f} ms per certificate per worker)"
    )
    print(f"  target: >= 25/s -> {'MET' if rate >= 25 else 'MISSED'}")
    per_certificate = worker_cpu / total
    print(
        f"  worker CPU {per_certificate * 1000:.0f} ms per certificate (Celery, database client,"
        f" render, storage, email); {worker_count} dedicated cores would give about"
        f" {worker_count / per_certificate:.0f}/s"
    )
    print(
        f"  PostgreSQL and Redis CPU {services_cpu / total * 1000:.0f} ms per certificate"
        f" (whole servers, so including anything else using them)"
    )
    print(f"  CPU pressure at the end (tasks waiting for a CPU): {pressure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--naive", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database and the files for inspection"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    env = configure_environment(work)
    sys.path.insert(0, str(ROOT))
    create_database()
    # Tasks that migrations trigger run in-process (no broker), so nothing is left queued.
    run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env={**env, "CELERY_BROKER_URL": ""},
    )

    import django

    django.setup()
    load = os.getloadavg()
    print(
        f"Certificate benchmark on {os.cpu_count()} CPUs, load average {load[0]:.2f},"
        f" CPU pressure {cpu_pressure()}"
    )
    print(f"database {DB_NAME} (PostgreSQL), broker {BROKER}, files in {work}")
    # Tasks other apps send from their signal receivers while the data is created go to a queue
    # that nobody consumes, deleted at the end; the workers consume only the benchmark's queue.
    from lms.celery import app

    others = f"bench-others-{secrets.token_hex(4)}"
    app.conf.update(task_routes={"*": {"queue": others}})
    try:
        brand_settings()
        bench_render(args.renders, args.warmups, args.naive)
        if not args.skip_batch:
            bench_batch(args.batch, args.workers, env, work)
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(
                others, f"_kombu.binding.{others}", f"_kombu.binding_permanent.{others}"
            )
        if not args.keep_db:
            drop_database()
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
