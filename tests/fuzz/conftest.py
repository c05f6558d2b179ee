"""Fuzz suite set-up: Hypothesis profiles, the world every endpoint is fuzzed in, clients.

Profiles (``FUZZ_PROFILE``; by default "ci" when ``CI=true``, else "dev"): "ci" runs
``support.CI_EXAMPLES`` generated inputs per fuzz test, so that the suite sends well over 10,000
inputs (tests/fuzz/test_zz_budget.py checks the count); "dev" runs a few per test for a quick
check. ``make test`` uses "dev" on the embedded default and "ci" on PostgreSQL in CI. Every fuzz
test uses the same seed, chosen at random and printed at the end of the run; ``FUZZ_SEED=<n>``
repeats a run, and ``FUZZ_NO_SHRINK=1`` reports failing inputs as found (quicker when exploring).
"""

import os

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, Phase, settings

from tests.security.world import world_rolled_back

from . import support

_common = {
    "deadline": None,
    "database": None,  # no .hypothesis/ folder in the repository
    "print_blob": True,
    "derandomize": False,
    # Django's client and the database are function-scoped fixtures shared by the examples
    # (each example runs in a savepoint that is rolled back).
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
}
if os.environ.get("FUZZ_NO_SHRINK"):
    # Exploring: report the first failing input as found, without minimising it.
    _common["phases"] = (Phase.explicit, Phase.reuse, Phase.generate)
settings.register_profile("ci", max_examples=support.CI_EXAMPLES, **_common)
settings.register_profile("dev", max_examples=support.DEV_EXAMPLES, **_common)


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: a generated-input test (tests/fuzz/support.py)")


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_rolled_back(django_db_blocker, tmp_path_factory.mktemp("fuzz-media")) as built:
        yield built


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the suite's per-test MEDIA_ROOT: the world's PDFs live in the package's folder."""


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_as(world):
    """``client_as(role)``: a test client that enforces CSRF checks, signed in as the world's
    ``role`` (``"anonymous"``: not signed in), and a valid CSRF token for it."""

    def make(role):
        client = Client(enforce_csrf_checks=True)
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        return client, support.csrf_token(client)

    return make


def pytest_terminal_summary(terminalreporter):
    if not support.EXAMPLES:
        return
    total = sum(support.EXAMPLES.values())
    terminalreporter.write_sep("-", "fuzz")
    terminalreporter.write_line(
        f"fuzz: profile {support.PROFILE!r}, seed {support.SEED} (FUZZ_SEED={support.SEED} "
        f"repeats it): {total:,} generated inputs in {len(support.EXAMPLES)} fuzz tests"
    )
