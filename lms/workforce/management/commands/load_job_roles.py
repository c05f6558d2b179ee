from django.core.management.base import BaseCommand, CommandError

from lms.workforce.services import DefaultJobRolesError, load_default_job_roles


class Command(BaseCommand):
    help = "Create the default job roles (and the tier each requires). Safe to run again."

    def handle(self, *args, **options):
        try:
            created, kept = load_default_job_roles()
        except DefaultJobRolesError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Job roles: {created} created, {kept} already present (left as they are)."
        )
