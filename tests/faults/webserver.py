"""gunicorn serving the app on the PostgreSQL test database, for tests of what happens between
and during requests (a subprocess, so connections live and die as in production)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from tests.workers import ROOT, database_url

# Any 32 letters: Django accepts the unmasked secret as the form's token.
CSRF_SECRET = "faultsfaultsfaultsfaultsfaults00"


class WebServer:
    def __init__(self, process: subprocess.Popen, port: int, log: Path, application_name: str):
        self.process = process
        self.port = port
        self.log = log
        self.application_name = application_name

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, user=None, data=None) -> requests.Response:
        """A request as ``user`` (signed in through a session in the database), following no
        redirect."""
        cookies = {"csrftoken": CSRF_SECRET}
        if user is not None:
            cookies[settings.SESSION_COOKIE_NAME] = session_for(user)
        if method == "POST":
            data = {"csrfmiddlewaretoken": CSRF_SECRET, **(data or {})}
        return requests.request(
            method,
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_sessions: dict[int, str] = {}


def session_for(user) -> str:
    if user.pk not in _sessions:
        client = Client()
        client.force_login(user)
        _sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return _sessions[user.pk]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_web(
    tmp_path: Path, *, application_name: str, health_checks: bool = True, workers: int = 1
) -> WebServer:
    """gunicorn with production settings (plain HTTP, as behind a TLS-terminating proxy) and
    the test process's secret key, so that sessions made here sign in there. Its database
    connections carry ``application_name``, so a test can find and kill them."""
    _sessions.clear()
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.web_settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(application_name),
        "CONN_HEALTH_CHECKS": "true" if health_checks else "false",
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_MFA": "false",
        "CELERY_BROKER_URL": "",  # tasks run in the web process, as in the embedded default
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SITE_URL": settings.SITE_URL,
        "LOG_FORMAT": "plain",
        "LMS_VAR_DIR": str(tmp_path / "var"),
        # A cache of its own: nothing an earlier test left in the shared Redis reaches it.
        "CACHE_KEY_PREFIX": f"faults-web-{port}-{uuid.uuid4().hex[:8]}",
    }
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lms.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = WebServer(process, port, log, application_name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(requests.RequestException):
            if server.request("GET", "/health/").status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    pytest.fail(f"gunicorn did not start:\n{server.output()[-4000:]}")
