"""``manage.py check_curriculum``: the quality figures of every course, failing on any problem.

The figures and thresholds are defined in ``content.curriculum_check``. By default the command
reads the curriculum files (what ``load_curriculum`` would load); ``--live`` reads the live
course pages instead, trainers' edits included. Exits non-zero when a course has a problem, so
CI can run it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.curriculum_check import report_from_page, report_from_source
from content.loader import DEFAULT_SOURCE, CurriculumError
from content.loader.source import read_curriculum


class Command(BaseCommand):
    help = (
        "Report, per course, how often the answer is the longest option, where answers sit, "
        "the question bank against the questions per attempt, reading time against the stated "
        "duration and CPD hours, references, and alt text and transcripts. Fails on a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_SOURCE,
            help="The curriculum folder (default: content/curriculum).",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Check the live course pages in the database instead of the files.",
        )

    def handle(self, *args, source, live, verbosity, **options):
        if live:
            from content.models import CoursePage

            reports = [
                report_from_page(course)
                for course in CoursePage.objects.live().select_related("tier").order_by("path")
            ]
        else:
            try:
                curriculum = read_curriculum(source)
            except CurriculumError as exc:
                raise CommandError(str(exc)) from exc
            reports = [report_from_source(course) for course in curriculum.courses]
            reports.sort(key=lambda r: r.slug)

        failing = 0
        for report in reports:
            problems = report.problems()
            failing += bool(problems)
            mark = "FAIL" if problems else "ok"
            self.stdout.write(f"{mark:4}  {report.title} ({report.slug})")
            if verbosity >= 2 or problems:
                for line in report.summary_lines():
                    self.stdout.write(f"      {line}")
            for problem in problems:
                self.stdout.write(self.style.ERROR(f"      - {problem}"))
        if failing:
            raise CommandError(
                f"{failing} of {len(reports)} course{'s' if len(reports) != 1 else ''} "
                "failed the curriculum check."
            )
        self.stdout.write(self.style.SUCCESS(f"All {len(reports)} courses pass."))
