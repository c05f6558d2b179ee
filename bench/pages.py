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

``--peer`` (served, side by side with a peer on the same stack):

    .venv/bin/python bench/pages.py --peer           # set-up 2-3 min, then about 5 min of load
    .venv/bin/python bench/pages.py --peer --pairs 1 --duration 2     # a smoke run

Serves our product with gunicorn (production settings, ``--workers`` sync workers, the same
SQLite-in-WAL database built as above, the local-memory cache) and, beside it, the peer:
wagtail-lms from PyPI (``--peer-version``) in a virtual environment of its own under the
bench's temporary folder, with the Django, Wagtail and gunicorn versions we run, in a minimal
project shaped like its example project (``bench/peer/``: its apps and middleware, DEBUG off,
SQLite in WAL mode as ours), one course of four lessons and an enrolled learner. Both are
served at once; for each page, after a short warm-up of each, ``wrk`` (``--connections``
connections, one thread: a bounded loopback load generator) runs ``--duration`` seconds
against ours, then the peer's, ours, the peer's (A B A B, ``--pairs`` times). Prints requests
per second (mean of the runs), p50 and p99 (median of the runs), the ratio ours/peer, the CPU
time the server's processes spent per request, and the queries of one request on each side
(counted in-process after a warm-up request). Target (issue 17): ours at least twice the peer's
requests per second on the module page and the course pages.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CODE = Path(os.environ.get("BENCH_CODE") or Path(__file__).resolve().parent.parent)
HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.mkdtemp(prefix="lms-bench-pages-"))
SERVED = False  # --peer: production settings, as gunicorn runs them


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
    if SERVED:
        # As bench/load.py: plain HTTP on the loopback behind ``X-Forwarded-Proto: https``, as
        # a TLS proxy sends it (the load generator sends that header), no Redis.
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "lms.settings.production",
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "STATIC_ROOT": str(WORK / "static"),
                "LMS_VAR_DIR": str(WORK / "var"),
                "EMAIL_URL": "dummymail://",
                "LOG_FORMAT": "plain",
                "LOG_LEVEL": "WARNING",
                "SITE_URL": "https://127.0.0.1",
            }
        )
        env.pop("DEBUG")
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


# --- Served, side by side with the peer (--peer) ------------------------------------------------

PEER = WORK / "peer"
PEER_PAGES = ("module page (enrolled)", "course page (enrolled)", "course page (anonymous)")
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50)))
  io.write(string.format("BENCH99 %d\\n", latency:percentile(99)))
end
"""


# Processes started in the background (the peer's installation, the servers): ended on the way
# out, whatever the way (an error, Ctrl-C, SIGTERM).
CHILDREN: list[subprocess.Popen] = []
ENDING = threading.Event()


def end_children() -> None:
    ENDING.set()
    for process in CHILDREN:
        if process.poll() is not None:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_child(command: list[str], log) -> None:
    """``command`` in a process group of its own, registered to be ended on the way out."""
    if ENDING.is_set():
        raise SystemExit("stopped")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    CHILDREN.append(process)
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, command)


class Server:
    """A gunicorn in a session of its own (stopped with its workers as a group)."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: dict, ready: str):
        self.name, self.port = name, free_port()
        self.log = WORK / f"{name}-gunicorn.log"
        command = [*command, "--bind", f"127.0.0.1:{self.port}"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        CHILDREN.append(self.process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if get(self.port, ready)[0] == 200:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        raise SystemExit(f"{name}: gunicorn did not start; see {self.log}")

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by gunicorn and its workers."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat.parent.name) == self.process.pid or int(fields[1]) == self.process.pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def headers(cookie: str | None) -> dict[str, str]:
    """What the load generator sends: the TLS proxy's header, and the learner's session."""
    result = {"X-Forwarded-Proto": "https"}
    if cookie:
        result["Cookie"] = cookie
    return result


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, int]:
    """One request, redirects not followed: (status, length of the body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers(cookie))
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def install_peer(version: str, log: Path) -> None:
    """The peer's virtual environment, with the Django, Wagtail and gunicorn versions we run."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in ("django", "wagtail")]
    pins.append(f"gunicorn=={importlib.metadata.version('gunicorn')}")
    with log.open("w") as out:
        run_child([sys.executable, "-m", "venv", str(PEER / "venv")], out)
        run_child(
            [str(PEER / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", f"wagtail-lms=={version}", *pins],
            out,
        )  # fmt: skip


def peer_environment() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_")) and k != "PYTHONPATH"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "peersite.settings",
            "PEER_WORK": str(PEER),
            "PEER_SECRET_KEY": PEER_SECRET,
        }
    )
    return env


PEER_SECRET = secrets.token_urlsafe(50)


def build_peer() -> dict:
    """The peer's site (``bench/peer/``), migrated, with its course, lessons and learner."""
    site = PEER / "project" / "peersite"
    shutil.copytree(HERE / "peer", site, ignore=shutil.ignore_patterns("prepare.py", "__pycache__"))
    (site / "__init__.py").touch()
    shutil.copy(HERE / "peer" / "prepare.py", PEER / "project" / "prepare.py")
    python = str(PEER / "venv" / "bin" / "python")
    env = peer_environment()
    subprocess.run(
        [python, "-m", "django", "migrate", "--no-input", "-v", "0"],
        cwd=PEER / "project", env=env, check=True,
    )  # fmt: skip
    prepared = subprocess.run(
        [python, "prepare.py"], cwd=PEER / "project", env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(prepared.stdout)
    versions = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(*(m.version(n) for n in "
         "('wagtail-lms', 'django', 'wagtail', 'gunicorn')))"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    names = ("wagtail-lms", "Django", "Wagtail", "gunicorn")
    result["versions"] = dict(zip(names, versions, strict=True))
    return result


def ours_prepared(learner) -> dict:
    """Our three pages, the queries of one request to each (after one to warm it, with
    production settings, as a TLS proxy forwards it) and a session of the learner's."""
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client

    chosen = pages(learner)
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(learner)
    result = {"pages": {}}
    for name in PEER_PAGES:
        user, path = chosen[name]
        client = signed_in if user else anonymous
        assert client.get(path, secure=True).status_code == 200, path
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(path, secure=True).status_code == 200, path
        result["pages"][name] = {"path": path, "signed_in": bool(user), "queries": len(queries)}
    server = Client()
    server.force_login(learner)
    result["session"] = server.cookies[settings.SESSION_COOKIE_NAME].value
    result["cookie_name"] = settings.SESSION_COOKIE_NAME
    connections.close_all()
    return result


def wrk(port: int, path: str, cookie: str | None, seconds: float, connections: int) -> dict:
    script = WORK / "report.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    command += ["-s", str(script)]
    for name, value in headers(cookie).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True
    ).stdout
    lines = {line.split()[0]: line.split()[1:] for line in output.splitlines() if "BENCH" in line}
    requests, duration, errors, status, p50 = (int(v) for v in lines["BENCH"])
    return {
        "requests": requests,
        "rps": requests / (duration / 1e6),
        "errors": errors,
        "status": status,
        "p50": p50 / 1000,
        "p99": int(lines["BENCH99"][0]) / 1000,
    }


def served(args) -> int:
    global SERVED
    SERVED = True
    print(f"code: {CODE}")
    started = time.perf_counter()
    installed: list[BaseException | None] = []

    def install() -> None:
        try:
            install_peer(args.peer_version, WORK / "peer-install.log")
            installed.append(None)
        except BaseException as exc:
            installed.append(exc)

    PEER.mkdir()
    installer = threading.Thread(target=install, daemon=True)
    installer.start()  # pip downloads while our database is built
    manage("migrate", "--no-input")
    manage("seed_demo", "--force", "--password", "a-Long-bench-passw0rd")
    manage("collectstatic", "--no-input", "-v", "0")  # the release step
    setup_django()
    learner, history = build_history()
    ours = ours_prepared(learner)
    installer.join()
    if installed[0] is not None:
        print((WORK / "peer-install.log").read_text()[-3000:])
        raise SystemExit(f"installing the peer failed: {installed[0]}")
    peer = build_peer()
    print(f"set-up {time.perf_counter() - started:.0f} s; our learner: {history}")
    print(
        "peer: wagtail-lms {wagtail-lms} (Django {Django}, Wagtail {Wagtail}, gunicorn "
        "{gunicorn}); one course of four lessons, one enrolled learner".format(**peer["versions"])
    )
    gunicorn = ["--workers", str(args.workers), "--worker-class", "sync", "--timeout", "30"]
    servers = {}
    servers["ours"] = Server(
        "ours",
        [sys.executable, "-m", "gunicorn", "lms.wsgi", *gunicorn,
         "--forwarded-allow-ips", "127.0.0.1"],
        CODE, environment(), "/health/",
    )  # fmt: skip
    servers["peer"] = Server(
        "peer",
        [str(PEER / "venv" / "bin" / "python"), "-m", "gunicorn", "peersite.wsgi", *gunicorn],
        PEER / "project", peer_environment(), "/",
    )  # fmt: skip
    sides = {"ours": ours, "peer": peer}
    cookies = {
        "ours": f"{ours['cookie_name']}={ours['session']}",
        "peer": f"sessionid={peer['session']}",
    }

    def target(side: str, page: str) -> tuple[int, str, str | None]:
        info = sides[side]["pages"][page]
        return servers[side].port, info["path"], cookies[side] if info["signed_in"] else None

    def check(when: str) -> None:
        for page in PEER_PAGES:
            for side in sides:
                port, path, cookie = target(side, page)
                status, length = get(port, path, cookie)
                if status != 200:
                    raise SystemExit(f"{when}: {side} {page} {path}: {status}")
                sides[side]["pages"][page]["bytes"] = length

    check("before")
    print(
        f"gunicorn: {args.workers} sync workers each; wrk: 1 thread, {args.connections} "
        f"connections; {args.pairs} pairs of {args.duration:g} s per page (A B A B), after "
        f"{args.warmup:g} s of warm-up each"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {load()} at the start of the measurement")
    figures: dict[str, dict[str, list[dict]]] = {}
    for page in PEER_PAGES:
        runs = figures[page] = {"ours": [], "peer": []}
        for side in sides:
            wrk(*target(side, page), args.warmup, args.connections)
        for _ in range(args.pairs):
            for side in sides:
                cpu = servers[side].cpu_seconds()
                run = wrk(*target(side, page), args.duration, args.connections)
                run["cpu"] = servers[side].cpu_seconds() - cpu
                runs[side].append(run)
    check("after")
    print(f"machine: load average {load()} at the end; CPU pressure (avg10) {pressure()}")
    report(figures, sides)
    errors = sum(
        run["errors"] + run["status"]
        for runs in figures.values()
        for results in runs.values()
        for run in results
    )
    if errors:
        print(f"errors: {errors} (socket errors and HTTP statuses above 399)")
        return 1
    return 0


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def pressure() -> str:
    try:
        return Path("/proc/pressure/cpu").read_text().split()[1].removeprefix("avg10=") + "%"
    except (OSError, IndexError):
        return "n/a"


def report(figures: dict, sides: dict) -> None:
    print(
        f"\n{'page':24} {'ours req/s':>10} {'peer req/s':>10} {'ours/peer':>9} "
        f"{'p50 ours/peer ms':>17} {'p99 ours/peer ms':>17} {'CPU ms/req':>11} {'queries':>8}"
    )
    for page, runs in figures.items():
        row = {}
        for side, results in runs.items():
            requests = sum(r["requests"] for r in results)
            row[side] = {
                "rps": statistics.mean(r["rps"] for r in results),
                "p50": statistics.median(r["p50"] for r in results),
                "p99": statistics.median(r["p99"] for r in results),
                "cpu": 1000 * sum(r["cpu"] for r in results) / max(requests, 1),
                "queries": sides[side]["pages"][page]["queries"],
            }
        ours, peer = row["ours"], row["peer"]
        ratio = ours["rps"] / peer["rps"]
        print(
            f"{page:24} {ours['rps']:10.0f} {peer['rps']:10.0f} {ratio:8.2f}x "
            f"{ours['p50']:8.1f}/{peer['p50']:<8.1f} {ours['p99']:8.1f}/{peer['p99']:<8.1f} "
            f"{ours['cpu']:5.1f}/{peer['cpu']:<5.1f} {ours['queries']:>3}/{peer['queries']:<3}"
        )
        spread = {
            side: "-".join(f"{value:.0f}" for value in (min(rps), max(rps)))
            for side, rps in ((s, [r["rps"] for r in runs[s]]) for s in runs)
        }
        size = {side: sides[side]["pages"][page]["bytes"] / 1024 for side in runs}
        print(
            f"{'':24} runs: ours {spread['ours']}, peer {spread['peer']} req/s; "
            f"page {size['ours']:.0f} KiB / {size['peer']:.0f} KiB"
        )
    print(
        "\nreq/s: mean of the runs; p50, p99: median of the runs; CPU: the server's processes "
        "(gunicorn and its workers) per request served. Target (issue 17): ours at least 2x the "
        "peer's req/s on the module page and the course pages."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="in-process, per page")
    parser.add_argument("--peer", action="store_true", help="served, beside wagtail-lms")
    parser.add_argument("--peer-version", default="0.11.1", help="wagtail-lms from PyPI")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, each")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--pairs", type=int, default=4, help="A B runs per page")
    parser.add_argument("--duration", type=float, default=12, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per page and side")
    args = parser.parse_args()
    if args.peer:
        return served(args)
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


def stop(signum, frame):
    raise SystemExit(128 + signum)  # clean up (finally) as on Ctrl-C


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    code = 1
    try:
        code = main()
    except KeyboardInterrupt:
        print("interrupted")
        code = 130
    finally:
        end_children()
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(code)
