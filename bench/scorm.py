"""SCORM benchmark: uploading a large package, and committing run-time data.

    .venv/bin/python bench/scorm.py                       # SQLite in a temporary folder
    .venv/bin/python bench/scorm.py --package-mb 200 --commits 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_scorm .venv/bin/python bench/scorm.py

Both parts go through the whole Django stack in this process (``WSGIHandler``: every
middleware, sessions, authentication, CSRF), as gunicorn would call it; nothing is mocked.

1. **Upload.** A SCORM 1.2 package of ``--package-mb`` MB (the manifest, a launch page and
   incompressible media files, stored as an authoring tool stores video) is written to disk,
   then a multipart request body holding it is written to disk and streamed to the admin's
   "Add SCORM package" view as ``wsgi.input`` by a signed-in administrator. Django spools the
   upload to a temporary file; the service validates the zip and unpacks it file by file to
   storage. Prints the time, the throughput, the process's resident memory before and at its
   peak during the upload (Linux ``VmRSS``/``VmHWM``, the peak reset first), and the growth.
   Target: peak growth under 100 MB for 200 MB.
2. **Commits.** A learner enrolled on a course whose module plays the package posts
   ``--commits`` commits of a realistic snapshot (what scorm-again renders for a SCORM 1.2 SCO
   part-way through: about 40 elements with interactions and suspend data), each numbered one
   higher, to the commit endpoint, one after another. Prints p50/p95/p99 and the mean, and
   SQL statements per commit. Target: p95 under 30 ms.
"""

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cmi import snapshot  # noqa: E402 (after the path is set)

WORK = Path(tempfile.mkdtemp(prefix="lms-bench-scorm-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("REQUIRE_MFA", "false")
os.environ.setdefault("LMS_VAR_DIR", str(WORK / "var"))
os.environ.setdefault("MEDIA_ROOT", str(WORK / "media"))
os.environ.setdefault("SCORM_MAX_PACKAGE_BYTES", str(500 * 1024 * 1024))
CSRF = "benchmarkbenchmarkbenchmarkbench"  # an unmasked CSRF secret is a valid token
BOUNDARY = "----scormbenchboundary"


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from VmRSS


def build_package(path: Path, megabytes: int) -> None:
    from tests.scorm.packages import scorm12_files

    chunk = 10 * 1024 * 1024
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in scorm12_files().items():
            archive.writestr(name, content)
        for index in range(max(1, megabytes * 1024 * 1024 // chunk)):
            info = zipfile.ZipInfo(f"media/clip-{index:03d}.mp4")
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w") as handle:
                for _ in range(chunk // (1024 * 1024)):
                    handle.write(os.urandom(1024 * 1024))


def build_body(path: Path, package: Path) -> int:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBenchmark\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="package"; '
        'filename="package.zip"\r\nContent-Type: application/zip\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    with open(path, "wb") as out, open(package, "rb") as source:
        out.write(head)
        shutil.copyfileobj(source, out, 1024 * 1024)
        out.write(tail)
    return path.stat().st_size


def environ(method: str, path: str, session: str, *, body, length: int, content_type: str):
    from django.conf import settings

    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(length),
        "CONTENT_TYPE": content_type,
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={CSRF}",
        "HTTP_X_CSRFTOKEN": CSRF,
    }


def call(handler, env) -> tuple[int, bytes]:
    status = {}

    def start_response(line, headers, exc_info=None):
        status["code"] = int(line.split()[0])

    response = handler(env, start_response)
    content = b"".join(response)
    if hasattr(response, "close"):
        response.close()
    return status["code"], content


def session_for(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    from django.conf import settings

    return client.cookies[settings.SESSION_COOKIE_NAME].value


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package-mb", type=int, default=200)
    parser.add_argument("--commits", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    print(f"Database: {connection.vendor}; work folder {WORK}")
    call_command("migrate", verbosity=0)
    from content.scorm.models import ScormPackage
    from courses.models import ScoRecord
    from courses.services import enrol
    from tests.factories import TierFactory, UserFactory
    from tests.scorm.factories import scorm_course

    admin = UserFactory(is_superuser=True, is_staff=True)
    handler = WSGIHandler()
    admin_session = session_for(admin)
    # Warm up: one small request, so that imports and URL resolution are not in the figures.
    call(handler, environ("GET", "/admin/scorm_packages/", admin_session, body=io.BytesIO(),
                          length=0, content_type=""))  # fmt: skip

    # 1. Upload
    package_path, body_path = WORK / "package.zip", WORK / "request.body"
    build_package(package_path, args.package_mb)
    size = build_body(body_path, package_path)
    package_path.unlink()
    reset_peak()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    with open(body_path, "rb") as body:
        code, _ = call(
            handler,
            environ("POST", "/admin/scorm_packages/new/", admin_session, body=body, length=size,
                    content_type=f"multipart/form-data; boundary={BOUNDARY}"),
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    peak = status_mb("VmHWM")
    body_path.unlink()
    package = ScormPackage.objects.order_by("-pk").first()
    assert code == 302 and package is not None, f"upload answered {code}"
    print(
        f"Upload of a {size / 2**20:.0f} MB package ({package.file_count} files): "
        f"{elapsed:.1f} s ({size / 2**20 / elapsed:.0f} MB/s); resident memory {before:.0f} MB "
        f"before, peak {peak:.0f} MB, growth {peak - before:.0f} MB"
    )

    # 2. Commits
    course, module = scorm_course(package, tier=TierFactory(code="T1"), title="Bench course")
    learner = UserFactory()
    enrol(user=learner, course=course)
    learner_session = session_for(learner)
    path = f"/learn/modules/{module.pk}/scorm/commit/"
    timings, statements = [], []
    for sequence in range(1, args.commits + 1):
        payload = json.dumps(
            {"sco": "item-cues", "sequence": sequence, "session": "bench",
             "cmi": snapshot(1 + sequence % 3)}
        ).encode()  # fmt: skip
        env = environ("POST", path, learner_session, body=io.BytesIO(payload),
                      length=len(payload), content_type="application/json")  # fmt: skip
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            code, content = call(handler, env)
            timings.append((time.perf_counter() - started) * 1000)
        statements.append(len(queries))
        assert code == 200, content
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        payload = json.dumps({"sco": "item-cues", "sequence": 10**9, "session": "b",
                              "cmi": snapshot(2)}).encode()  # fmt: skip
        env = environ("POST", path, learner_session, body=io.BytesIO(payload),
                      length=len(payload), content_type="application/json")  # fmt: skip
        profile = cProfile.Profile()
        profile.runcall(call, handler, env)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
    warm = timings[len(timings) // 10 :]  # the first tenth warms caches
    record = ScoRecord.objects.get()
    assert record.sequence >= args.commits
    print(
        f"CMI commit ({len(json.dumps(snapshot(2)))} bytes, {len(warm)} timed after "
        f"{len(timings) - len(warm)} warm-up): p50 {percentile(warm, 0.5):.1f} ms, "
        f"p95 {percentile(warm, 0.95):.1f} ms, p99 {percentile(warm, 0.99):.1f} ms, "
        f"mean {statistics.mean(warm):.1f} ms; {statistics.mean(statements):.0f} SQL statements "
        "per commit"
    )
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
