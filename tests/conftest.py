"""Shared fixtures.

Tests that need a real service (PostgreSQL, Redis, a Celery worker, Chromium) use the
``require_*`` helpers: outside CI they skip with the reason when the service is missing; in CI
(``CI=true``) they fail, so a missing service can never turn the build green.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connections

from tests.factories import PASSWORD, MembershipFactory, UnitFactory, UserFactory, tiers

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when a service a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"Required service missing in CI: {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    require(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "needs PostgreSQL (set DATABASE_URL)",
    )


def require_redis() -> None:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    require(url.startswith("redis://"), "needs Redis (set REDIS_URL / CELERY_BROKER_URL)")


def require_chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "needs Debian's chromium (apt-get install chromium)")
    return path


# What each pass of ``make test`` leaves out, and why (printed at the start of the pass).
PASSES = {
    "embedded": (
        "postgres",
        "embedded default (SQLite, tasks in-process, local-memory cache): runs every test and "
        "leaves out the tests marked postgres, because they need PostgreSQL, Redis or real "
        "Celery workers; the services pass runs them",
    ),
    "services": (
        "embedded",
        "services (PostgreSQL, Redis, real Celery workers): runs every test and leaves out "
        "the tests marked embedded, because they are about the embedded default (SQLite) "
        "itself; the embedded pass ran them",
    ),
}


def pytest_report_header(config):
    described = PASSES.get(os.environ.get("LMS_TEST_PASS", ""))
    return [f"Test pass: {described[1]}."] if described else []


def pytest_collection_modifyitems(config, items):
    """``make test`` runs the suite twice. Its first pass, on the embedded default
    (``LMS_TEST_PASS=embedded``), leaves out the tests marked ``postgres``; the second pass
    (tests/services_pass.py, ``LMS_TEST_PASS=services``) runs everything else on PostgreSQL,
    Redis and real workers, leaving out only the tests marked ``embedded``, which are about
    SQLite itself. Run any other way, a test whose service is missing skips locally and fails
    in CI."""
    described = PASSES.get(os.environ.get("LMS_TEST_PASS", ""))
    if described is None:
        return
    leave_out = described[0]
    later = [item for item in items if item.get_closest_marker(leave_out)]
    if later:
        items[:] = [item for item in items if not item.get_closest_marker(leave_out)]
        config.hook.pytest_deselected(items=later)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test with ``serialized_rollback`` (the real-worker tests), put the
    data migrations' rows (root page, collections, groups, default targets...) back at once:
    Django flushes the database after such a test and restores them only before the next test
    that asks, so later transactional tests and a reused test database would find them gone."""
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback"):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for connection in connections.all(initialized_only=True):
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_page_directory():
    """Each test starts with the page tree, the account flags and the supervision targets read
    afresh (a rolled-back test's rows would otherwise stay in the cache)."""
    from django.core.cache import cache

    from content.directory import CACHE_KEY, GENERATION_KEY
    from content.glossary.selectors import CACHE_KEY as GLOSSARY_KEY
    from lms.workforce.selectors import MEMBERSHIPS_VERSION_KEY, forget_account_flags
    from supervision.selectors import TARGETS_CACHE_KEY

    cache.delete_many([GENERATION_KEY, CACHE_KEY, TARGETS_CACHE_KEY, GLOSSARY_KEY])
    forget_account_flags()
    cache.delete(MEMBERSHIPS_VERSION_KEY)
    yield
    cache.delete_many([GENERATION_KEY, CACHE_KEY, TARGETS_CACHE_KEY, GLOSSARY_KEY])


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def framework_tiers(db):
    return tiers()


@pytest.fixture
def org_tree(db):
    """A region with two organisations; the first has two teams."""
    region = UnitFactory.region(name="North Region", code="north")
    trust = UnitFactory.organisation(region, name="Riverside NHS Trust", code="riverside")
    council = UnitFactory.organisation(
        region, name="Northshire Council", code="northshire", sector="local_authority"
    )
    hv_team = UnitFactory.team(trust, name="Health Visiting North", code="hv-north")
    midwives = UnitFactory.team(trust, name="Community Midwives", code="midwives")
    family_support = UnitFactory.team(council, name="Family Support", code="family-support")
    for unit in (region, trust, council, hv_team, midwives):
        unit.refresh_from_db()
    return {
        "region": region,
        "trust": trust,
        "council": council,
        "hv_team": hv_team,
        "midwives": midwives,
        "family_support": family_support,
    }


_DEFAULT = object()


@pytest.fixture
def make_member(db, framework_tiers):
    """Create a membership; ``job_role=None`` makes one without a role (e.g. a regional lead)."""

    def make(unit, *, user=None, is_manager=False, job_role=_DEFAULT, **kwargs):
        kwargs = {"unit": unit, "is_manager": is_manager, **kwargs}
        if user is not None:
            kwargs["user"] = user
        if job_role is not _DEFAULT:
            kwargs["job_role"] = job_role
        return MembershipFactory(**kwargs)

    return make


@pytest.fixture
def user_factory(db):
    return UserFactory


# Real-browser tests share one Chromium fixture (tests/browser.py).
from tests.browser import browser  # noqa: E402, F401
