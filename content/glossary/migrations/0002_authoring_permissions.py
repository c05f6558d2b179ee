"""Trainers keep the glossary up to date (view, add, change); Reviewers may also delete terms.
Added to the authoring groups made by ``content``'s moderation migration. Historical models
only, so the migration keeps working as the code changes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "Trainers": ("view", "add", "change"),
    "Reviewers": ("view", "add", "change", "delete"),
}


def grant(apps, schema_editor):
    # Django creates model permissions after all migrations; this one needs them now.
    app_config = apps.get_app_config("glossary")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    for name, actions in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="glossary",
                codename__in=[f"{action}_glossaryterm" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0001_initial"),
        ("content", "0005_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
