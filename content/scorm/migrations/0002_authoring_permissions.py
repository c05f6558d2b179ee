"""Trainers upload SCORM packages and rename them; reviewers may also delete unused ones."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "Trainers": ["view", "add", "change"],
    "Reviewers": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("scorm")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for name, actions in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="scorm",
                codename__in=[f"{action}_scormpackage" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scorm", "0001_initial"),
        ("content", "0005_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
