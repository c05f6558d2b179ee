"""Run the suite again on the real services: PostgreSQL, Redis as cache and broker, and real
Celery workers (the tests marked ``postgres`` start them).

``make test`` runs the suite twice: first on the embedded default (SQLite, eager tasks,
local-memory cache), then through this script. It creates a fresh database, points
``DATABASE_URL``, ``REDIS_URL`` and ``CELERY_BROKER_URL`` at it and at two Redis databases, runs
pytest, and drops the database afterwards.

The servers default to the local ones (``postgres://postgres@127.0.0.1:5432``,
``redis://127.0.0.1:6379``); ``TEST_POSTGRES_SERVER`` and ``TEST_REDIS_SERVER`` point elsewhere.
The cache and the broker use Redis databases 3 and 4, which are emptied before and after;
``TEST_REDIS_DATABASES=5,6`` picks others, so that two passes can run side by side.
When a server is unreachable the pass is skipped with the reason, except in CI (``CI=true``),
where it fails: a missing service never turns the build green.

Usage: python -m tests.services_pass [pytest arguments]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES = os.environ.get("TEST_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379").rstrip("/")
CACHE_DB, BROKER_DB = (
    int(number) for number in os.environ.get("TEST_REDIS_DATABASES", "3,4").split(",")
)


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=3):
            return True
    except OSError:
        return False


def admin_connection():
    import psycopg

    return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True)


def flush_redis(*databases: int) -> None:
    import redis

    for number in databases:
        redis.Redis.from_url(f"{REDIS}/{number}").flushdb()


def main(pytest_args: list[str]) -> int:
    missing = [
        name for name, url in (("PostgreSQL", POSTGRES), ("Redis", REDIS)) if not reachable(url)
    ]
    if missing:
        message = f"{' and '.join(missing)} not reachable ({POSTGRES}, {REDIS})"
        if IN_CI:
            print(f"Services pass FAILED: {message}.", file=sys.stderr)
            return 1
        print(f"Services pass skipped: {message}. CI runs it.", file=sys.stderr)
        return 0

    name = f"lms_tests_{int(time.time())}_{uuid.uuid4().hex[:6]}"
    with admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    flush_redis(CACHE_DB, BROKER_DB)
    environment = {
        **os.environ,
        "DATABASE_URL": f"{POSTGRES}/{name}",
        "REDIS_URL": f"{REDIS}/{CACHE_DB}",
        "CELERY_BROKER_URL": f"{REDIS}/{BROKER_DB}",
    }
    environment["LMS_TEST_PASS"] = "services"
    print(
        f"\n== Services pass: PostgreSQL database {name}, "
        f"Redis {REDIS}/{CACHE_DB} and /{BROKER_DB} ==",
        flush=True,
    )
    try:
        command = [sys.executable, "-m", "pytest", "--create-db", *pytest_args]
        return subprocess.call(command, cwd=ROOT, env=environment)
    finally:
        with admin_connection() as connection:
            for database in (name, f"test_{name}"):
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        flush_redis(CACHE_DB, BROKER_DB)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
