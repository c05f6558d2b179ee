"""``make test``: the suite's two passes, side by side.

The embedded pass (SQLite in memory, eager tasks, local-memory cache) and the services pass
(PostgreSQL, Redis, real Celery workers: ``tests/services_pass.py``) share nothing: each has
its own database, media and static folders, and every server a test starts (identity
providers, the learning record store, live servers, gunicorn) takes a free loopback port. So
they run at the same time, one on each core, which takes the suite from the sum of the two
to about the longer one.

Each pass writes to a log of its own; a line every minute says how far each has got, and
each log is printed whole as soon as its pass ends, so that a failure reads as it would
have alone. The exit status is non-zero when either pass failed.

The whole suite's services pass runs as two halves at the same time (``SECOND_HALF``), each
with its own database and Redis databases (the second takes the two after
``TEST_REDIS_DATABASES``, 5 and 6 by default); ``TEST_SERVICES_HALVES=1`` runs it whole. A run
with pytest arguments (a folder, ``-k``...) runs one services pass.

``TEST_PASSES=sequential`` runs them one after the other with their output as it comes;
``TEST_PASSES=embedded`` or ``TEST_PASSES=services`` runs one.

Usage: python -m tests.run_passes [pytest arguments]
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGRESS = re.compile(r"\[\s*(\d+)%\]")


# The whole suite's services pass runs as two halves at once, each a services pass of its own
# (its own PostgreSQL database and its own two Redis databases), beside the embedded pass: the
# services pass is the longer, so this keeps both cores busy to the end. The second half holds
# these folders; the first everything else (``services_shards`` checks that the two together are
# the whole suite, once).
SECOND_HALF = (
    "tests/accounts",
    "tests/content",
    "tests/courses",
    "tests/privacy",
    "tests/reports",
    "tests/supervision",
    "tests/workforce",
)


def services_shards() -> tuple[list[str], list[str]]:
    """The test folders and top-level test modules of each half of the services pass."""
    everything = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").iterdir()
        if (path.is_dir() and any(path.rglob("test_*.py")))
        or (path.is_file() and path.name.startswith("test_") and path.suffix == ".py")
    )
    second = [path for path in everything if path in SECOND_HALF]
    first = [path for path in everything if path not in SECOND_HALF]
    return first, second


def _redis_pair(offset: int) -> str:
    cache_db, broker_db = (int(n) for n in os.environ.get("TEST_REDIS_DATABASES", "3,4").split(","))
    return f"{cache_db + offset},{broker_db + offset}"


def commands(pytest_args: list[str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    # The slowest tests of each pass are listed at its end: where CI's time goes.
    whole_suite = not pytest_args
    pytest_args = ["--durations=30", "--durations-min=5", *pytest_args]
    passes = {
        "embedded": (
            [sys.executable, "-m", "pytest", "--create-db", *pytest_args],
            {"LMS_TEST_PASS": "embedded", "FUZZ_PROFILE": "dev"},
        ),
    }
    services = [sys.executable, "-m", "tests.services_pass", *pytest_args]
    if whole_suite and os.environ.get("TEST_SERVICES_HALVES", "2") != "1":
        first, second = services_shards()
        passes["services (first half)"] = ([*services, *first], {})
        passes["services (second half)"] = (
            [*services, *second],
            {"TEST_REDIS_DATABASES": _redis_pair(2)},
        )
    else:
        passes["services"] = (services, {})
    return passes


def progress(log: Path) -> str:
    """The last percentage pytest printed, or how many bytes the log has so far."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 4096))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return "starting"
    found = PROGRESS.findall(tail)
    return f"{found[-1]}%" if found else "starting"


def run_sequentially(selected: dict) -> int:
    status = 0
    for command, extra in selected.values():
        status = max(status, subprocess.call(command, cwd=ROOT, env={**os.environ, **extra}))
    return status


def run_side_by_side(selected: dict) -> int:
    folder = Path(tempfile.mkdtemp(prefix="lms-test-passes-"))
    running: dict[str, tuple[subprocess.Popen, Path, float]] = {}
    results: dict[str, tuple[int, float]] = {}
    started = time.monotonic()
    try:
        for name, (command, extra) in selected.items():
            log = folder / (re.sub(r"[^a-z]+", "-", name).strip("-") + ".log")
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **extra},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped whole on interrupt
            )
            running[name] = (process, log, time.monotonic())
        print(f"Test passes side by side: {', '.join(running)} (logs in {folder})", flush=True)
        last_report = time.monotonic()
        while running:
            time.sleep(2)
            for name, (process, log, began) in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                elapsed = time.monotonic() - began
                results[name] = (process.returncode, elapsed)
                print(f"\n{'=' * 30} {name} pass: log {'=' * 30}", flush=True)
                sys.stdout.write(log.read_text("utf-8", "replace"))
                verdict = "passed" if process.returncode == 0 else "FAILED"
                print(
                    f"{'=' * 30} {name} pass {verdict} in {elapsed / 60:.1f} min "
                    f"(exit {process.returncode}) {'=' * 30}\n",
                    flush=True,
                )
            if running and time.monotonic() - last_report >= 60:
                last_report = time.monotonic()
                minutes = (last_report - started) / 60
                states = ", ".join(f"{n} {progress(log)}" for n, (_, log, _) in running.items())
                print(f"[{minutes:.0f} min] running: {states}", flush=True)
    except BaseException:
        for process, _, _ in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        raise
    total = (time.monotonic() - started) / 60
    summary = "; ".join(
        f"{name} {'passed' if code == 0 else 'FAILED'} ({seconds / 60:.1f} min)"
        for name, (code, seconds) in results.items()
    )
    print(f"Test passes: {summary}; {total:.1f} min in all.", flush=True)
    return max(code for code, _ in results.values())


def main(pytest_args: list[str]) -> int:
    mode = os.environ.get("TEST_PASSES", "parallel").strip().lower()
    every = commands(pytest_args)
    if mode in ("embedded", "services"):
        return run_sequentially({k: v for k, v in every.items() if k.startswith(mode)})
    if mode == "sequential":
        return run_sequentially(every)
    if mode != "parallel":
        print(
            f"TEST_PASSES={mode!r}: expected parallel, sequential, embedded or services.",
            file=sys.stderr,
        )
        return 2
    return run_side_by_side(every)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
