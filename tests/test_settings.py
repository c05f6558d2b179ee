"""Production settings fail closed and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env_overrides: dict, drop=()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"DJANGO_SETTINGS_MODULE": "lms.settings.production", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PROD = {
    "SECRET_KEY": "x" * 60 + "-production-test-key-not-used-anywhere",
    "ALLOWED_HOSTS": "training.example.org",
    "DATABASE_URL": "sqlite:////tmp/lms-settings-test.sqlite3",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    result = _manage("check", env_overrides=env, drop=(missing,))
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_passes_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PROD)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_development_secret_key_is_not_in_the_repository(tmp_path):
    env = {"LMS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    key = run()
    assert len(key) >= 50 and (tmp_path / "dev-secret-key").read_text() == key
    assert run() == key  # stable across restarts


def test_embedded_database_lets_readers_carry_on_while_one_writes(tmp_path):
    """The embedded default (SQLite) opens every connection in WAL mode with a busy timeout, so
    page reads never wait for a write and concurrent writers queue instead of failing."""
    script = (
        "import django; django.setup()\n"
        "from django.db import connections\n"
        "c = connections['default'].cursor()\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0])\n"
        "print(c.execute('PRAGMA busy_timeout').fetchone()[0])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    journal_mode, busy_timeout = result.stdout.split()
    assert journal_mode == "wal"
    assert int(busy_timeout) >= 5000
