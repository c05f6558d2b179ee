"""Create the default supervision targets for tiers that have none (idempotent)."""

from django.core.management.base import BaseCommand

from supervision.services import ensure_default_targets


class Command(BaseCommand):
    help = "Create default supervision targets (T2, T3, T4) where missing; edits are kept."

    def handle(self, *args, **options):
        created = ensure_default_targets()
        if created:
            for target in created:
                self.stdout.write(f"Created target {target}")
        else:
            self.stdout.write("Supervision targets already in place.")
