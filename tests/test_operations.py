"""Health endpoints, security headers and structured logs."""

import json
import logging

import pytest
from django.db import connection

from lms.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def test_liveness(client):
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_checks_database_and_cache(client):
    body = client.get("/health/ready/").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


def test_readiness_reports_a_failed_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "RuntimeError"}


def test_readiness_reports_an_unreachable_broker(client, settings, monkeypatch):
    unreachable = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_URL = unreachable
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from lms.celery import app

    # Celery prefers the CELERY_BROKER_URL environment variable (set on the services pass) to
    # its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    monkeypatch.setattr(app.conf, "broker_url", unreachable)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_public_pages_have_a_strict_content_security_policy(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert client.get("/").headers["Permissions-Policy"].startswith("camera=()")


def test_admin_policy_lets_the_editor_work(client):
    csp = client.get("/admin/login/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp


def test_json_log_lines_carry_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "lms.test",
            "levelname": "INFO",
            "msg": "issued %s",
            "args": ("IMH-1",),
            "certificate_id": 7,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "issued IMH-1" and line["certificate_id"] == 7
    assert line["level"] == "INFO" and line["logger"] == "lms.test"
