"""Default supervision targets for the tiers that exist when migrations run.

On a fresh install tiers are created later by ``load_curriculum``; ``ensure_default_targets``
(called lazily and by ``manage.py ensure_supervision_targets``) fills them in then.
"""

from decimal import Decimal

from django.db import migrations

DEFAULTS = {
    "T2": {"hours": Decimal("12"), "window_months": 12, "max_gap_days": None},
    "T3": {"hours": Decimal("26"), "window_months": 12, "max_gap_days": 28},
    "T4": {"hours": Decimal("26"), "window_months": 12, "max_gap_days": 28},
}


def create_defaults(apps, schema_editor):
    Tier = apps.get_model("content", "Tier")
    SupervisionTarget = apps.get_model("supervision", "SupervisionTarget")
    for tier in Tier.objects.filter(code__in=DEFAULTS):
        SupervisionTarget.objects.get_or_create(tier=tier, defaults=DEFAULTS[tier.code])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("content", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
