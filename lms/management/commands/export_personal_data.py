"""``python manage.py export_personal_data EMAIL [--output FILE]``: the JSON file a person can
download from My account, for an administrator answering a subject access request from someone
who cannot sign in. Written to the audit log like a download."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms import privacy


class Command(BaseCommand):
    help = "Write everything held about one person (by email address) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, email, output=None, **options):
        person = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"Nobody signs in with {email}.")
        text = json.dumps(privacy.export_personal_data(user=person), indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            self.stdout.write(f"Wrote {output}.")
        else:
            self.stdout.write(text)
