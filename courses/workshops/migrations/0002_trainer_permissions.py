"""Trainers schedule workshop sessions in the admin: give the Trainers group (if it exists) the
permissions to see, add and change them."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group = Group.objects.filter(name="Trainers").first()
    if group is None:
        return
    content_type, _ = ContentType.objects.get_or_create(
        app_label="workshops", model="workshopsession"
    )
    for action in ("view", "add", "change"):
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_workshopsession",
            defaults={"name": f"Can {action} workshop session"},
        )
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("workshops", "0001_initial"),
        ("content", "0012_course_delivery"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
