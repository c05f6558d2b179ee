"""The world of tests/security/world.py, built once per test module inside a transaction that
is rolled back when the module's tests are done (each test runs in a savepoint inside it)."""

import pytest
from django.core.cache import cache

from .world import world_rolled_back


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_rolled_back(django_db_blocker, tmp_path_factory.mktemp("world-media")) as built:
        yield built


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the suite's per-test MEDIA_ROOT: the world's PDFs live in the module's folder."""


@pytest.fixture(autouse=True)
def _clean_cache():
    """The public verification page is rate limited per client (in the cache)."""
    cache.clear()
    yield
    cache.clear()
