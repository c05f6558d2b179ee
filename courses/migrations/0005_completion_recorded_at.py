import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models import F


def recorded_when_completed(apps, schema_editor):
    """Completions written before the field existed: recorded when they were completed (the
    closest known time), not all at the moment of the migration."""
    Completion = apps.get_model("courses", "Completion")
    Completion.objects.update(recorded_at=F("completed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_learning_from_elsewhere"),
    ]

    operations = [
        migrations.AddField(
            model_name="completion",
            name="recorded_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), editable=False
            ),
        ),
        migrations.RunPython(recorded_when_completed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="completion",
            index=models.Index(fields=["recorded_at", "id"], name="courses_completion_recorded"),
        ),
    ]
