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


@pytest.mark.parametrize("staff", [230_000, 400_000, 1_000_000])
def test_national_populations_get_enough_organisations_and_teams(staff):
    """Above about 225,000 staff the default 50 organisations cannot hold everyone under the
    size cap; the generator scales the organisations and teams instead of looping forever."""
    from lms.reports.population import BENCH_ORG_STAFF, PopulationGenerator

    generator = PopulationGenerator(staff=staff, log=lambda _: None)
    sizes = generator._org_sizes()

    assert generator.organisations > 50 and len(sizes) == generator.organisations
    assert generator.teams >= 1_000 * generator.organisations // 50
    assert sum(sizes) == staff
    assert sizes[0] == BENCH_ORG_STAFF
    assert max(sizes[1:]) <= BENCH_ORG_STAFF * 0.9


def test_a_small_cap_spreads_staff_over_more_organisations(monkeypatch):
    from lms.reports import population

    monkeypatch.setattr(population, "BENCH_ORG_STAFF", 100)
    generator = population.PopulationGenerator(staff=20_000, organisations=5, log=lambda _: None)
    sizes = generator._org_sizes()

    assert sum(sizes) == 20_000 and sizes[0] == 100
    assert max(sizes[1:]) <= 90
    assert generator.organisations == len(sizes) >= 20_000 // 90


def test_the_default_population_keeps_its_shape():
    from lms.reports.population import PopulationGenerator

    generator = PopulationGenerator(staff=100_000, log=lambda _: None)
    sizes = generator._org_sizes()
    assert (generator.organisations, generator.teams) == (50, 1_000)
    assert sum(sizes) == 100_000
