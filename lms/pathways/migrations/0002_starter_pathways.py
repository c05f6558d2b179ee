"""The neutral default and the England and Northern Ireland examples (never overwritten)."""

from django.db import migrations


def create(apps, schema_editor):
    from lms.pathways.starter import ensure_starter_pathways

    ensure_starter_pathways(apps.get_model("pathways", "LocalPathways"))


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
