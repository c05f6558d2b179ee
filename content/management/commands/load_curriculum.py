"""``manage.py load_curriculum``: load or update the starter framework and courses."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.loader import DEFAULT_SOURCE, CurriculumError, load_curriculum


class Command(BaseCommand):
    help = (
        "Load the tiers, competency areas, courses and pages of content/curriculum/ into the "
        "site. Safe to run again: unchanged items are left as they are, changed files update "
        "their pages, and pages a trainer has edited in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_SOURCE,
            help="The curriculum folder (default: content/curriculum).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and report what would change, without saving anything.",
        )
        parser.add_argument(
            "--restore-deleted",
            action="store_true",
            help="Recreate pages that were deleted in the admin since the last load.",
        )

    def handle(self, *args, source, dry_run, restore_deleted, verbosity, **options):
        try:
            report = load_curriculum(
                source_dir=source, dry_run=dry_run, restore_deleted=restore_deleted
            )
        except CurriculumError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines:
            if verbosity >= 2 or not line.lstrip().startswith("unchanged"):
                self.stdout.write(line)
        if report.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.kept)} item(s) were kept as they are in the site (see "
                    '"kept" above): trainers\' work in the admin wins. To bring a change from '
                    "the files to such a page, make it in the admin."
                )
            )
        self.stdout.write(self.style.SUCCESS(report.summary()))
