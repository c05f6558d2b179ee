"""Tokens for the reporting API over the hand-built population of tests/reports."""

import pytest
from django.core.cache import cache
from django.test import Client

from lms.api import services
from lms.workforce import services as workforce_services
from tests.factories import UserFactory
from tests.reports.conftest import population  # noqa: F401 - the population fixture


@pytest.fixture
def site_admin(db):
    return UserFactory(is_staff=True, is_superuser=True, email="site.admin@example.org")


@pytest.fixture
def trust_admin(population, site_admin):  # noqa: F811
    user = UserFactory(display_name="Tia Trustadmin", email="trust.admin@example.org")
    workforce_services.administrator_grant(user=user, unit=population.tree["trust"], by=site_admin)
    return user


@pytest.fixture
def make_token():
    def make(user, *units, days=90, name="Power BI"):
        return services.create_token(by=user, name=name, units=units, expires_in_days=days)

    return make


@pytest.fixture
def trust_token(population, trust_admin, make_token):  # noqa: F811
    return make_token(trust_admin, population.tree["trust"])


@pytest.fixture
def api_client():
    """``api_client(secret)``: a client that sends ``secret`` as its bearer token."""

    def make(secret=None, **headers):
        if secret is not None:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {secret}")
        return Client(**headers)

    return make


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counts live in the cache (and test databases reuse token ids)."""
    cache.clear()
    yield
    cache.clear()
