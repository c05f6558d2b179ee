"""``python manage.py rebuild_coverage``: recompute the coverage read models from the live tables
(after a bulk load or a restore), or ``--check`` that they match them."""

import time

from django.core.management.base import BaseCommand, CommandError

from lms.reports import facts


class Command(BaseCommand):
    help = "Recompute the coverage read models (CoverageEntry, CourseTally) from the live tables."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; list differences between the read models and the live tables.",
        )
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Only renew the rows time has overtaken (what the daily task does).",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["check"]:
            problems = facts.drift()
            for problem in problems:
                self.stderr.write(problem)
            if problems:
                raise CommandError(
                    f"The read models differ from the live tables ({len(problems)}"
                    " differences shown). Run rebuild_coverage to repair them."
                )
            self.stdout.write(self.style.SUCCESS("The read models match the live tables."))
            return
        result = facts.refresh_stale() if options["stale"] else facts.rebuild()
        took = time.perf_counter() - started
        summary = ", ".join(f"{value:,} {name}" for name, value in result.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {took:.1f} s: {summary}."))
