"""Coverage over time benchmark, on a database built by ``manage.py generate_population``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python bench/outcomes.py [--runs 7] [--rebuild]

Prints, side by side for the whole region (as the regional lead) and for the organisation
closest to 5,000 staff (as its manager), wall-clock medians of ``--runs`` calls after one
warm-up, with the SQL queries of one call:

1. today's figures, as the dashboard computes them (``selectors.coverage``);
2. coverage on a past date (the quarter end a year ago) from ``CoveragePeriod``
   (``outcomes.outcomes`` for one day), and its ratio to (1);
3. the eight-quarter trend (one grouped query over eight days), and with the supervision hours
   of the same quarters;
4. the outcomes page through ``django.test.Client`` (the whole stack).

It also checks that the past-date figure for today equals today's dashboard figure. With
``--rebuild`` it first writes the periods of everyone (``periods.rebuild_periods``) and prints
how long that took (a database built before the periods existed has none).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "false")  # no query log in memory, as in production


def setup():
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database built by generate_population.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def timed(fn, runs):
    """(median ms, min, max, queries of one call, result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    times.sort()
    return statistics.median(times), times[0], times[-1], len(ctx), result


def line(label, figures):
    median, low, high, queries, _ = figures
    print(f"   {label:<44} median {median:7.1f} ms  (min {low:.1f}, max {high:.1f})  "
          f"{queries:>2} queries")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from lms.reports.models import CoverageEntry, CoveragePeriod
    from lms.reports.outcomes import outcomes, quarter_ends
    from lms.reports.periods import rebuild_periods
    from lms.reports.permissions import coverage_scope
    from lms.reports.population import EMAIL_DOMAIN
    from lms.reports.selectors import Filters, coverage
    from lms.workforce.models import OrganisationUnit

    User = get_user_model()
    lead = User.objects.filter(email=f"lead@{EMAIL_DOMAIN}").first()
    if lead is None:
        sys.exit("No generated population here: run manage.py generate_population first.")
    if args.rebuild or not CoveragePeriod.objects.exists():
        started, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            written = rebuild_periods()
        print(f"Periods rebuilt: {written:,} rows in {time.perf_counter() - started:.1f} s "
              f"(Python CPU {time.process_time() - cpu:.1f} s)\n")  # fmt: skip
        with connection.cursor() as cursor:  # as autovacuum would, before measuring reads
            cursor.execute(f"VACUUM ANALYZE {CoveragePeriod._meta.db_table}")

    orgs = list(OrganisationUnit.objects.filter(depth=2))
    sizes = {
        u.pk: CoverageEntry.objects.filter(unit__path__startswith=u.path)
        .values("user")
        .distinct()
        .count()
        for u in orgs[:5]
    }
    org = next(u for u in orgs if u.pk == min(sizes, key=lambda pk: abs(sizes[pk] - 5000)))
    manager = User.objects.get(email=f"manager.{org.code.removeprefix('gen-')}@{EMAIL_DOMAIN}")

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    people = CoverageEntry.objects.values("user").distinct().count()
    periods = CoveragePeriod.objects.count()
    print(f"PostgreSQL {version}; {people:,} staff with a job role; {periods:,} coverage periods; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} "
          f"{os.getloadavg()[1]:.1f}; {args.runs} runs each\n")  # fmt: skip

    today = timezone.localdate()
    ends = quarter_ends(today)
    past = ends[-4]  # the quarter end a year before the latest
    for label, user in (("Whole region (regional lead)", lead),
                        (f"{org.name}, {sizes[org.pk]:,} staff (manager)", manager)):  # fmt: skip
        scope = coverage_scope(user)
        print(label)
        now = timed(lambda scope=scope: coverage(scope, Filters()), args.runs)
        line("1. today's figures (dashboard selectors)", now)
        then = timed(lambda scope=scope: outcomes(scope, Filters(), [past]), args.runs)
        line(f"2. coverage on {past:%d %b %Y}", then)
        print(f"      ratio to today's figures: {then[0] / now[0]:.2f}x (target under 2x)")
        trend = timed(lambda scope=scope: outcomes(scope, Filters(), ends), args.runs)
        line("3. eight quarter ends (trend)", trend)
        with_sup = timed(
            lambda scope=scope: outcomes(scope, Filters(), ends, supervision=True), args.runs
        )
        line("   eight quarters with supervision hours", with_sup)
        dashboard = now[4].total
        today_past = outcomes(scope, Filters(), [today]).total.cells[0]
        same = (today_past.total, today_past.holding) == (dashboard.total, dashboard.holding)
        print(f"      today from the periods: {today_past.holding:,} of {today_past.total:,}; "
              f"dashboard: {dashboard.holding:,} of {dashboard.total:,} "
              f"({'equal' if same else 'DIFFERENT'})")  # fmt: skip
        trend_figures = trend[4].total.cells
        print("      trend: " + ", ".join(f"{c.on:%b %Y} {c.share}%" for c in trend_figures))
        client = Client()
        client.force_login(user)
        page = timed(lambda client=client: client.get("/reports/outcomes/"), args.runs)
        line("4. outcomes page (full stack)", page)
        print()


if __name__ == "__main__":
    main()
