"""``python manage.py apply_retention [--apply]``: the retention rules of docs/data-protection.md.

Without ``--apply`` it only reports what it would do. With it, it erases the people whose every
membership ended more than ``RETENTION_YEARS_AFTER_LEAVING`` years ago (``lms.privacy``), and
deletes training-record files, old invitations, old staff import files and abandoned drafts
past their periods.
Safe to run any number of times (a cron job or a scheduled task, e.g. monthly).
"""

from django.core.management.base import BaseCommand

from lms import privacy


class Command(BaseCommand):
    help = "Apply the data retention rules (dry run unless --apply is given)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Erase and delete (default: only report)."
        )

    def handle(self, *args, apply=False, **options):
        result = privacy.apply_retention(apply=apply)
        years = privacy.retention_years()
        if apply:
            self.stdout.write(
                f"Erased {result.erased} of {len(result.leavers)} people who left more than "
                f"{years} years ago."
            )
        else:
            self.stdout.write(
                f"Dry run (nothing changed; add --apply to act). "
                f"{len(result.leavers)} people left more than {years} years ago and would be "
                "erased:"
            )
            for pk, left_on in result.leavers:
                self.stdout.write(f"  account {pk}, last membership ended {left_on}")
        verb = "Deleted" if apply else "Would delete"
        self.stdout.write(
            f"{verb} {result.training_records} training-record files, "
            f"{result.invitations} old invitations, {result.staff_imports} old staff "
            f"import files and {result.drafts} abandoned drafts."
        )
