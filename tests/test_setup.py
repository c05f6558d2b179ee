"""``make setup`` (the first half of ``make run``) on a fresh machine: quiet, with the demo logins
printed last; the details go to a log file; nothing looks for a broker; and the demo data is
what the README says it is."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def setup_run(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LMS_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        env.pop(name, None)
    env["LMS_VAR_DIR"] = str(var)
    result = subprocess.run(
        ["make", "--no-print-directory", "setup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result, var, env


def test_setup_is_quiet_and_prints_the_logins_last(setup_run):
    result, var, _ = setup_run
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) <= 20, "\n".join(lines)
    password = (var / "demo-password").read_text().strip()
    last = lines[-3:]
    assert any(f"Password for every demo login: {password}" in line for line in last), lines
    assert any("practitioner@example.org" in line for line in lines)
    # The details are in the log: migrations and the curriculum's pages.
    log = (var / "setup.log").read_text()
    assert "Applying " in log and "Page created" in log


def test_setup_never_prints_emails_nor_looks_for_a_broker(setup_run):
    result, var, _ = setup_run
    for text in (result.stdout, result.stderr, (var / "setup.log").read_text()):
        assert "kombu" not in text
        assert "No hostname was supplied" not in text
        assert "Content-Type: text/" not in text  # certificate emails while seeding


def test_the_demo_supervisor_supervises_the_practitioner_as_the_readme_says(setup_run):
    _, _, env = setup_run
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `supervisor@"))
    assert "practitioner" in row and "proposed" in row
    script = (
        "from supervision.models import AgreementParty as P; "
        "p = P.objects.get(supervisee__email='practitioner@example.org', "
        "agreement__supervisor__email='supervisor@example.org'); "
        "print('pending' if p.accepted_at is None and p.declined_at is None else 'answered')"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert re.search(r"^pending$", out.stdout, re.M), out.stdout + out.stderr


def shell(env, script: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_demo_reviewer_has_a_change_awaiting_review_as_the_readme_says(setup_run):
    _, _, env = setup_run
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `reviewer@"))
    assert "a trainer's change" in row
    script = (
        "from django.contrib.auth import get_user_model; "
        "from wagtail.models import TaskState; "
        "reviewer = get_user_model().objects.get(email='reviewer@example.org'); "
        "states = [s for s in TaskState.objects.reviewable_by(reviewer)]; "
        "print('waiting', len(states), states[0].workflow_state.requested_by.email)"
    )
    assert "waiting 1 trainer@example.org" in shell(env, script)


def test_the_demo_organisation_administrator_administers_the_trust(setup_run):
    result, _, env = setup_run
    assert "orgadmin@example.org" in result.stdout
    script = (
        "from lms.workforce.models import Administrator; "
        "print([a.unit.name for a in Administrator.objects.active()"
        ".filter(user__email='orgadmin@example.org')])"
    )
    assert "['Riverside Community Health NHS Trust']" in shell(env, script)


def test_the_demo_has_the_glossary_and_the_practitioners_region_has_its_pathways(setup_run):
    _, _, env = setup_run
    script = (
        "from django.contrib.auth import get_user_model; "
        "from content.glossary.models import GlossaryTerm; "
        "from lms.pathways.selectors import pathways_for; "
        "u = get_user_model().objects.get(email='practitioner@example.org'); "
        "p = pathways_for(u); "
        "print('terms', GlossaryTerm.objects.count()); "
        "print('region', p['name']); "
        "print('examples', ', '.join(e['name'] for e in p['examples'])); "
        "print('safeguarding', 'section 47' in p['sections']['safeguarding'])"
    )
    out = shell(env, script)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert int(lines.get("terms", 0)) >= 30, out
    assert lines["region"] == "North Coast Region"
    assert lines["examples"] == "England, Northern Ireland"
    assert lines["safeguarding"] == "True"
