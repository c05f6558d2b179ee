"""``generate_population``: refuses SQLite politely; on PostgreSQL builds a consistent region
(standings as ``refresh_standing`` computes them, read models matching the live tables)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lms.reports import facts
from lms.reports.models import CoverageEntry
from lms.reports.permissions import coverage_scope
from lms.reports.population import EMAIL_DOMAIN
from lms.reports.selectors import Filters, coverage
from lms.workforce.models import OrganisationUnit
from tests.conftest import require, require_postgres

pytestmark = pytest.mark.django_db


@pytest.mark.embedded
def test_refuses_sqlite_politely():
    require(connection.vendor == "sqlite", "checks the message on the embedded default (SQLite)")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("generate_population", "--staff", "10")


@pytest.mark.postgres
def test_generates_a_consistent_region(framework_tiers, django_user_model):
    require_postgres()
    from content.loader.load import load_curriculum
    from lms.workforce.services import load_default_job_roles

    load_curriculum()
    load_default_job_roles()
    call_command(
        "generate_population", "--staff", "400", "--organisations", "4", "--teams", "12",
        "--verify", "40", "--password", "a-Long-demo-passw0rd",
    )  # fmt: skip
    assert OrganisationUnit.objects.filter(code__startswith="gen-", depth=2).count() == 4
    staff = django_user_model.objects.filter(email__startswith="staff")
    assert staff.count() == 400
    assert CoverageEntry.objects.filter(user__in=staff).values("user").distinct().count() == 400
    assert facts.drift() == []
    lead = django_user_model.objects.get(email=f"lead@{EMAIL_DOMAIN}")
    figures = coverage(coverage_scope(lead), Filters())
    assert figures.total.total == 400
    assert len(figures.units) == 4
    # A realistic spread: every status occurs.
    assert all(figures.total.count(s) for s in ("meets", "expiring", "overdue", "in_progress"))
    with pytest.raises(CommandError, match="already holds a generated population"):
        call_command("generate_population", "--staff", "10")
