"""Reporting API benchmark, on a database built by ``manage.py generate_population``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python bench/api.py [--runs 7]

Requests go through Django's test ``Client`` (the whole stack: middleware, token check, audit
log entry, rate-limit count, JSON), against the same data as the coverage dashboard. Measured:

1. coverage for the whole region (100,000 staff) through ``/api/v1/coverage/`` with a token
   for the region, against the coverage dashboard (``/reports/``) as the regional lead: medians
   of ``--runs`` requests after a warm-up, and their ratio (target: the API within 1.5 times the
   dashboard's time); the same for one organisation of about 5,000 staff;
2. the changed-since feed ``/api/v1/completions/`` streaming 100,000 completions in one page
   with a token for every organisation, and 10,000 for comparison: time to first byte, total,
   rows, and memory (tracemalloc peak of Python allocations while the page streams, and the
   process's peak RSS before and after): the same peak for 10,000 and 100,000 rows is flat
   memory; then the same 100,000 read as pages of 10,000 following the cursors.

The tokens it makes stay in the database (with their audit-log entries).
"""

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "false")  # no query log in memory, as in production


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--feed-rows", type=int, default=100_000)
    args = parser.parse_args()

    from coverage import client_for, page, rss_mb, setup  # bench/coverage.py

    setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import Left
    from django.test import Client

    from courses.models import Completion
    from lms.api import services
    from lms.reports.models import CoverageEntry
    from lms.reports.population import EMAIL_DOMAIN
    from lms.workforce.models import OrganisationUnit

    settings.API_RATE_LIMIT = "1000000/m"  # the benchmark, not the limit, is measured here
    settings.API_FEED_MAX_LIMIT = max(settings.API_FEED_MAX_LIMIT, args.feed_rows)
    User = get_user_model()
    lead = User.objects.filter(email=f"lead@{EMAIL_DOMAIN}").first()
    if lead is None:
        sys.exit("No generated population here: run manage.py generate_population first.")
    admin, _ = User.objects.get_or_create(
        email=f"bench-admin@{EMAIL_DOMAIN}",
        defaults={"display_name": "Benchmark administrator", "is_superuser": True},
    )
    region = OrganisationUnit.objects.get(depth=1, code__startswith="gen")
    by_org = dict(
        CoverageEntry.objects.annotate(org=Left("unit__path", 2 * OrganisationUnit.steplen))
        .values("org")
        .annotate(n=Count("user", distinct=True))
        .values_list("org", "n")
    )
    orgs = list(OrganisationUnit.objects.filter(depth=2, path__in=list(by_org)))
    org = min(orgs, key=lambda u: abs(by_org[u.path] - 5000))
    manager = User.objects.get(email=f"manager.{org.code.removeprefix('gen-')}@{EMAIL_DOMAIN}")

    def token(*units, name):
        created = services.create_token(by=admin, name=name, units=units, expires_in_days=1)
        return Client(HTTP_AUTHORIZATION=f"Bearer {created.secret}")

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    staff = CoverageEntry.objects.values("user").distinct().count()
    print(
        f"PostgreSQL {version}; {staff:,} staff with a job role; "
        f"{Completion.objects.count():,} completions; {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}; {args.runs} runs each\n"
    )

    print("1. Coverage: API against the dashboard, same data")
    dashboard = page("   dashboard, whole region (regional lead)", client_for(lead), "/reports/",
                     args.runs)  # fmt: skip
    region_api = token(region, name="Bench region")
    api = page("   API /api/v1/coverage/, region token", region_api, "/api/v1/coverage/",
               args.runs)  # fmt: skip
    print(f"   ratio API / dashboard: {api / dashboard:.2f} (target <= 1.5)")
    org_dashboard = page(f"   dashboard, {by_org[org.path]:,} staff (manager)",
                         client_for(manager), "/reports/", args.runs)  # fmt: skip
    org_token = token(org, name="Bench organisation")
    org_api = page("   API, organisation token", org_token, "/api/v1/coverage/",
                   args.runs)  # fmt: skip
    print(f"   ratio API / dashboard: {org_api / org_dashboard:.2f} (target <= 1.5)")
    page("   API /api/v1/coverage/courses/, region", region_api, "/api/v1/coverage/courses/",
         args.runs)  # fmt: skip
    page("   API /api/v1/people/, 500 of the organisation", org_token,
         "/api/v1/people/?limit=500", args.runs)  # fmt: skip
    page("   people page, first 50 (manager)", client_for(manager), "/reports/people/",
         args.runs)  # fmt: skip

    print("\n2. Changed-since feed, streamed (a token for every organisation)")
    feed = token(*orgs, name="Bench every organisation")
    for rows in sorted({min(10_000, args.feed_rows), args.feed_rows}):
        stream(feed, f"/api/v1/completions/?limit={rows}", rss_mb)
    started = time.perf_counter()
    cursor, total, pages = None, 0, 0
    while total < args.feed_rows:
        url = "/api/v1/completions/?limit=10000" + (f"&cursor={cursor}" if cursor else "")
        answer = json.loads(b"".join(feed.get(url).streaming_content))
        total += len(answer["results"])
        pages += 1
        cursor = answer["next_cursor"]
        if not answer["has_more"]:
            break
    took = time.perf_counter() - started
    print(f"   {total:,} rows as {pages} pages of 10,000 following the cursors, each parsed "
          f"whole by this client: {took:.2f} s ({total / took:,.0f} rows/s)")  # fmt: skip


def stream(client, url, rss_mb):
    """Time to first byte, total, rows and memory of one streamed page (read, not parsed):
    timed without tracemalloc (which slows Python down), then read again under it for the
    peak of Python allocations."""

    def read(traced):
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.get(url)
        first, size, rows = None, 0, 0
        for chunk in response.streaming_content:
            if first is None:
                first = (time.perf_counter() - started) * 1000
            size += len(chunk)
            rows += chunk.count(b'"person_id"')
        total = time.perf_counter() - started
        response.close()
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if traced else None
        if traced:
            tracemalloc.stop()
        return first, total, rows, size, peak

    rss_before = rss_mb()
    first, total, rows, size, _ = read(False)
    *_, peak = read(True)
    print(f"   {url:<40} first byte {first:6.1f} ms, total {total:5.2f} s "
          f"({rows / total:,.0f} rows/s), {rows:,} rows, {size / 1024 / 1024:.1f} MiB; "
          f"tracemalloc peak {peak:.1f} MiB; "
          f"peak RSS {rss_before:.0f} -> {rss_mb():.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
