from django.core.management.base import BaseCommand, CommandError

from lms.workforce.services import DefaultJobRolesError, load_default_job_roles


class Command(BaseCommand):
    help = (
        "Create the default job roles (and the tier each requires) and the courses each "
        "requires beyond its tier's core courses. Safe to run again."
    )

    def handle(self, *args, **options):
        report: list[str] = []
        try:
            created, kept = load_default_job_roles(report=report)
        except DefaultJobRolesError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Job roles: {created} created, {kept} already present (left as they are)."
        )
        for line in report:
            self.stdout.write(line)
