"""Staff import benchmark: N new staff (with their enrolments and the coverage read model) from
a CSV, end to end, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres lms_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_import \\
        .venv/bin/python bench/imports.py --staff 5000 [--worker]

The database is migrated and the curriculum and default job roles loaded (``load_curriculum``,
which the release step runs). Then an organisation of 40 teams is created and a file of
``--staff`` new people, spread over the teams and the default job roles, is checked and
imported. Without ``--worker`` the import's job runs in this process (the same code a worker
runs); with it, a real ``celery -A lms worker`` (concurrency 1) is started on ``REDIS_URL`` and
the time runs until the job reports that it has finished. Prints: the check's time, the
import's time, rows per second, SQL statements per row (in-process only), the peak memory of
the process that ran the job, and the enrolments and read-model rows written.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "false")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="then import this many past completions for the new staff (in-process)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Point DATABASE_URL at an empty PostgreSQL database.")
    call_command("migrate", verbosity=0)
    call_command("load_curriculum", verbosity=0)
    call_command("load_job_roles", verbosity=0)

    from courses.models import Enrolment
    from lms.reports.models import CoverageEntry
    from lms.workforce import services
    from lms.workforce.models import JobRole, Membership, OrganisationUnit, StaffImport

    run_id = str(int(time.time()))
    region = OrganisationUnit.add_root(
        name=f"Bench {run_id}", code=f"bench-{run_id}", kind="region"
    )
    org = region.add_child(name=f"Trust {run_id}", code=f"trust-{run_id}", kind="organisation")
    teams = [
        org.add_child(name=f"Team {i} {run_id}", code=f"t{i}-{run_id}", kind="team")
        for i in range(40)
    ]
    roles = list(JobRole.objects.filter(is_active=True).values_list("code", flat=True))
    User = django.contrib.auth.get_user_model()
    admin = User.objects.create_superuser(email=f"bench-{run_id}@example.org", display_name="B")
    lines = ["email,name,unit,job_role,start_date,staff_number"]
    for i in range(args.staff):
        lines.append(
            f"p{i}-{run_id}@example.org,Person {i},{teams[i % 40].code},{roles[i % len(roles)]},"
            f"2026-01-05,{run_id}{i:07d}"
        )
    content = "\n".join(lines) + "\n"

    started = time.perf_counter()
    checked = services.staff_import_check(
        uploaded_by=admin,
        filename="bench.csv",
        content=content,
        organisation=org,
        send_invitations=False,
    )
    check_s = time.perf_counter() - started
    assert checked.report["good"] == args.staff, checked.report["problems"]

    queries = None
    if args.worker:
        env = {**os.environ, "DEBUG": "false"}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
        )
        time.sleep(3)
        started = time.perf_counter()
        services.staff_import_confirm(staff_import=checked, by=admin)
        while StaffImport.objects.get(pk=checked.pk).status != StaffImport.Status.IMPORTED:
            time.sleep(0.2)
        import_s = time.perf_counter() - started
        worker.terminate()
        worker.wait()
        peak = "(in the worker)"
    else:
        StaffImport.objects.filter(pk=checked.pk).update(status=StaffImport.Status.QUEUED)
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            services.staff_import_run(staff_import_id=checked.pk)
        import_s = time.perf_counter() - started
        queries = statements[0]
        peak = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    done = StaffImport.objects.get(pk=checked.pk)
    memberships = Membership.objects.filter(unit__path__startswith=org.path).count()
    enrolments = Enrolment.objects.filter(user__email__endswith=f"-{run_id}@example.org").count()
    entries = CoverageEntry.objects.filter(unit__path__startswith=org.path).count()
    print(f"staff rows:          {args.staff:,}")
    print(f"check (preview):     {check_s:.1f} s")
    print(f"import:              {import_s:.1f} s ({'worker' if args.worker else 'in-process'})")
    print(f"rows per second:     {args.staff / import_s:,.0f}")
    if queries is not None:
        print(f"queries per row:     {queries / args.staff:.3f} ({queries:,} statements)")
    print(f"peak memory:         {peak}")
    print(
        f"written:             {memberships:,} memberships, {enrolments:,} enrolments, "
        f"{entries:,} coverage entries; status {done.status}, counts {done.counts}"
    )
    if args.history:
        history(args, admin, org, run_id)


def history(args, admin, org, run_id) -> None:
    """Past completions for the staff just imported: each person gets one per catalogue course
    (completed two years apart per cycle) until ``--history`` rows."""
    from django.db import connection

    from content.models import CoursePage
    from courses.history import history_import_check
    from courses.models import Completion
    from lms.workforce import services
    from lms.workforce.models import StaffImport

    titles = list(CoursePage.objects.live().values_list("slug", flat=True))  # or titles
    rows = ["email,course,completed_on"]
    person = 0
    while len(rows) <= args.history:
        for title in titles:
            if len(rows) > args.history:
                break
            month = 1 + person // args.staff % 9
            rows.append(f"p{person % args.staff}-{run_id}@example.org,{title},2025-0{month}-15")
        person += 1
    content = "\n".join(rows) + "\n"
    started = time.perf_counter()
    checked = history_import_check(uploaded_by=admin, filename="h.csv", content=content)
    check_s = time.perf_counter() - started
    assert checked.report["bad"] == 0, checked.report["rows"][:3]
    StaffImport.objects.filter(pk=checked.pk).update(status=StaffImport.Status.QUEUED)
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        services.staff_import_run(staff_import_id=checked.pk)
    run_s = time.perf_counter() - started
    done = StaffImport.objects.get(pk=checked.pk)
    print(f"history rows:        {args.history:,} (check {check_s:.1f} s)")
    print(
        f"history import:      {run_s:.1f} s, {args.history / run_s:,.0f} rows/s, "
        f"{statements[0] / args.history:.2f} statements per row; counts {done.counts}"
    )
    imported = Completion.objects.filter(
        source="imported", user__email__endswith=f"-{run_id}@example.org"
    ).count()
    print(f"imported completions: {imported:,}")


if __name__ == "__main__":
    main()
