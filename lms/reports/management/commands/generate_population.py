"""``python manage.py generate_population --staff 100000``: a realistic region for benchmarks.

PostgreSQL only; see ``lms.reports.population`` for what it builds and bench/README.md for how
the benchmark uses it.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from content.models import CoursePage
from lms.reports.population import PopulationGenerator, population_figures, verify_sample
from lms.workforce.models import JobRole


class Command(BaseCommand):
    help = (
        "Generate a realistic region (organisations, teams, staff, enrolments, completions, "
        "supervision) on PostgreSQL for benchmarks. Deterministic for a given --seed and day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=100_000, help="People with a job role.")
        parser.add_argument("--organisations", type=int, default=50)
        parser.add_argument("--teams", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--attempt-share",
            type=float,
            default=0.1,
            help="Share of completed enrolments that get knowledge-check attempts with "
            "per-question responses (the rest get a score only). Default 0.1.",
        )
        parser.add_argument(
            "--password",
            help="Give the regional lead and the organisation managers this password (and a "
            "verified address) so that a demo can sign in as them.",
        )
        parser.add_argument(
            "--verify",
            type=int,
            default=25,
            help="People whose SQL-computed standing is checked against the courses services "
            "afterwards (0 to skip). Default 25.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_population needs PostgreSQL: it writes with COPY and the benchmarks it "
                "feeds are about PostgreSQL. Point DATABASE_URL at a PostgreSQL database, e.g. "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench (createdb it first)."
            )
        if options["staff"] < 1:
            raise CommandError("--staff must be at least 1.")
        started = time.perf_counter()
        if not CoursePage.objects.live().exists():
            self.stdout.write("Loading the curriculum first…")
            call_command("load_curriculum", verbosity=0)
        if not JobRole.objects.exists():
            call_command("load_job_roles", verbosity=0)
        generator = PopulationGenerator(
            staff=options["staff"],
            seed=options["seed"],
            organisations=options["organisations"],
            teams=options["teams"],
            attempt_share=options["attempt_share"],
            password=options["password"],
            log=self.stdout.write,
        )
        self.stdout.write(f"Generating {options['staff']:,} staff (seed {options['seed']})…")
        try:
            generator.run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        logins = generator.set_manager_passwords()
        for name, value in population_figures().items():
            self.stdout.write(f"  {name}: {value:,}")
        if options["verify"]:
            t0 = time.perf_counter()
            problems = verify_sample(size=options["verify"], seed=options["seed"])
            took = time.perf_counter() - t0
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(
                    f"{len(problems)} differences between the SQL standings and "
                    "courses.services.refresh_standing (listed above)."
                )
            self.stdout.write(
                f"  standings and summaries of {options['verify']} people match "
                f"refresh_standing ({took:.1f} s)"
            )
        if logins:
            self.stdout.write(
                f"  sign in as {logins[0]} (regional lead) or an organisation manager"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
