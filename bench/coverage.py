"""Coverage report benchmark, on a database built by ``manage.py generate_population``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python bench/coverage.py [--runs 7]

Requests go through Django's test ``Client`` (the whole stack: middleware, session, views,
templates), signed in with ``force_login``; times are wall-clock medians of ``--runs`` requests
after one warm-up request, with the number of SQL queries of one request. Measured:

1. the whole-region dashboard, as the regional lead;
2. one organisation of about 5,000 staff, as its manager;
3. a drill-down page (that organisation's overdue people, first page);
4. full CSV exports streamed: that organisation's people, and every person in the region (as an
   administrator): time to the first byte, total time, rows, and memory (tracemalloc peak of
   Python allocations during the export, and the process's peak RSS before and after);
5. the write path: refreshing one person's read-model rows after a change (what every
   completion, sign-off or membership change adds to its own transaction), and that the change
   shows in the figures at once.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
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


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def timed_get(client, url):
    """(milliseconds, queries, status, bytes) of one request, reading a streamed body."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = (
            sum(len(chunk) for chunk in response.streaming_content)
            if response.streaming
            else len(response.content)
        )
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu) * 1000
    return elapsed, len(ctx), response.status_code, body, cpu


def page(label, client, url, runs):
    timed_get(client, url)  # warm-up: templates, URL resolvers, connection
    results = [timed_get(client, url) for _ in range(runs)]
    times = sorted(r[0] for r in results)
    cpu = statistics.median(r[4] for r in results)
    status, size, queries = results[0][2], results[0][3], results[0][1]
    print(
        f"{label:<46} median {statistics.median(times):7.1f} ms  "
        f"(min {times[0]:.1f}, max {times[-1]:.1f}; Python CPU {cpu:.0f} ms)  "
        f"{queries:>3} queries  HTTP {status}, {size / 1024:.0f} KiB"
    )
    return statistics.median(times)


def export(label, client, url, runs):
    """Time to first byte, total, rows and memory of a streamed CSV export."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first_bytes, first_rows, totals, rows, peaks = [], [], [], 0, []
    rss_before = rss_mb()
    for _ in range(runs):
        tracemalloc.start()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            lines = 0
            for chunk in response.streaming_content:
                if not lines:
                    first_bytes.append((time.perf_counter() - started) * 1000)
                lines += chunk.count(b"\n")
                if lines > 1 and len(first_rows) < len(first_bytes):
                    first_rows.append((time.perf_counter() - started) * 1000)
            totals.append((time.perf_counter() - started) * 1000)
            response.close()
        peaks.append(tracemalloc.get_traced_memory()[1] / 1024 / 1024)
        tracemalloc.stop()
        rows = lines - 1
    print(
        f"{label:<46} first byte {statistics.median(first_bytes):6.1f} ms, first row "
        f"{statistics.median(first_rows):6.1f} ms, "
        f"total {statistics.median(totals) / 1000:5.2f} s, {rows:,} rows, {len(ctx)} queries; "
        f"tracemalloc peak {statistics.median(peaks):.1f} MiB; "
        f"peak RSS {rss_before:.0f} -> {rss_mb():.0f} MiB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--export-runs", type=int, default=3)
    args = parser.parse_args()
    setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Count

    from lms.reports import facts
    from lms.reports.models import CoverageEntry
    from lms.reports.permissions import coverage_scope
    from lms.reports.population import EMAIL_DOMAIN
    from lms.reports.selectors import Filters, course_completion, coverage
    from lms.workforce.models import OrganisationUnit

    User = get_user_model()
    lead = User.objects.filter(email=f"lead@{EMAIL_DOMAIN}").first()
    if lead is None:
        sys.exit("No generated population here: run manage.py generate_population first.")
    from django.db.models.functions import Left

    by_org = dict(
        CoverageEntry.objects.annotate(org=Left("unit__path", 2 * OrganisationUnit.steplen))
        .values("org")
        .annotate(n=Count("user", distinct=True))
        .values_list("org", "n")
    )
    orgs = {u.pk: u for u in OrganisationUnit.objects.filter(depth=2, path__in=list(by_org))}
    staff = {pk: by_org[u.path] for pk, u in orgs.items()}
    org = OrganisationUnit.objects.get(pk=min(staff, key=lambda pk: abs(staff[pk] - 5000)))
    manager_email = f"manager.{org.code.removeprefix('gen-')}@{EMAIL_DOMAIN}"
    manager = User.objects.get(email=manager_email)
    admin, _ = User.objects.get_or_create(
        email=f"bench-admin@{EMAIL_DOMAIN}",
        defaults={"display_name": "Benchmark administrator", "is_superuser": True},
    )

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    people = CoverageEntry.objects.values("user").distinct().count()
    print(f"PostgreSQL {version}; {people:,} staff with a job role; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")  # fmt: skip
    print(f"Organisation: {org.name} ({staff[org.pk]:,} staff); {args.runs} runs each, "
          "through django.test.Client (full stack)\n")  # fmt: skip

    def figures(label, user):
        scope = coverage_scope(user)
        times = []
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            coverage(scope, Filters())
            course_completion(scope, Filters())
            times.append((time.perf_counter() - started) * 1000)
        times = sorted(times[1:])
        print(f"{label:<46} median {statistics.median(times):7.1f} ms  "
              f"(min {times[0]:.1f}, max {times[-1]:.1f})")  # fmt: skip

    print("Figures only (selectors: coverage, course completion, supervision; no page):")
    figures("   whole region", lead)
    figures(f"   one organisation, {staff[org.pk]:,} staff", manager)
    print("\nPages:")
    page("1. Whole-region dashboard (regional lead)", client_for(lead), "/reports/", args.runs)
    org_client = client_for(manager)
    page(f"2. One organisation, {staff[org.pk]:,} staff (manager)", org_client, "/reports/",
         args.runs)  # fmt: skip
    page("3. Drill-down: overdue people, first page", org_client,
         "/reports/people/?status=overdue", args.runs)  # fmt: skip
    page("   Person record", org_client,
         f"/reports/people/{CoverageEntry.objects.filter(unit__path__startswith=org.path).first().user_id}/",
         args.runs)  # fmt: skip
    page("   Course analytics (trainer view, admin)", client_for(admin),
         f"/reports/courses/{_first_course()}/", args.runs)  # fmt: skip
    from lms.reports.services import refresh_course_analytics

    took = []
    for _ in range(3):
        took.append(refresh_course_analytics(_first_course()).took_ms)
    print(f"   Course analytics worked out from the live tables (the background refresh the "
          f"page asks for when its figures are over {settings.ANALYTICS_MAX_AGE_SECONDS} s old):"
          f" median {statistics.median(took)} ms")  # fmt: skip
    print()
    export(f"4. CSV export: {org.name[:20]}… people", org_client,
           "/reports/export/people.csv", args.export_runs)  # fmt: skip
    export("   CSV export: everyone in the region (admin)", client_for(admin),
           "/reports/export/people.csv", args.export_runs)  # fmt: skip
    started = time.perf_counter()
    response = org_client.get("/reports/export/people.xlsx")
    size = sum(len(c) for c in response.streaming_content)
    took = time.perf_counter() - started
    print(f"   XLSX export: organisation's people{'':<9}total {took:.2f} s, "
          f"{size / 1024 / 1024:.1f} MiB file")  # fmt: skip

    print("\n5. Write path and freshness")
    scope = coverage_scope(manager)
    person = (
        CoverageEntry.objects.filter(unit__path__startswith=org.path, multi=False,
                                     standing_until__isnull=True, started=True)
        .select_related("tier")
        .first()
    )  # fmt: skip
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        with transaction.atomic():
            facts.refresh_people([person.user_id])
        times.append((time.perf_counter() - started) * 1000)
    print(f"   refresh one person's facts and their units' tallies: median "
          f"{statistics.median(times):.1f} ms")  # fmt: skip
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import TierStanding

    with transaction.atomic():
        before = coverage(scope, Filters()).total
        TierStanding.objects.update_or_create(
            user_id=person.user_id, tier=person.tier,
            defaults={"valid_until": timezone.localdate() + timedelta(days=400)},
        )  # fmt: skip
        started = time.perf_counter()
        after = coverage(scope, Filters()).total
        read = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    print(f"   a standing written -> organisation 'meets' {before.meets:,} -> {after.meets:,} "
          f"in the next read ({read:.0f} ms), no batch (rolled back afterwards)")  # fmt: skip


def _first_course() -> int:
    from content.models import CoursePage

    return CoursePage.objects.live().order_by("path").values_list("pk", flat=True).first()


if __name__ == "__main__":
    main()
