"""Key result and check-in numbers keep every digit on SQLite (decision 0022).

On SQLite the columns become TEXT holding the canonical decimal. Rebuilding the table would let
SQLite turn each old float into text its own way (15 digits, rounded half up), which can differ
from what the app read before (Django rounds half to even). So the values are read through the old
fields first and written back through the new ones: every number reads exactly as before. On
PostgreSQL the column type stays `numeric` and nothing is copied.
"""

from django.db import migrations

import recoup.core.exact_decimal

NUMBERS = {
    "keyresult": ("weight", "baseline", "target", "target_change_pct"),
    "checkin": ("value",),
}
# Filled by `_remember` and emptied by `_restore`, two steps of this one (atomic) migration.
_held = {}


def _remember(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for model, fields in NUMBERS.items():
        _held[model] = list(apps.get_model("okrs", model).objects.values_list("pk", *fields))


def _restore(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for model, fields in NUMBERS.items():
        Model = apps.get_model("okrs", model)
        rows = [
            Model(pk=pk, **dict(zip(fields, values, strict=True)))
            for pk, *values in _held.pop(model, [])
        ]
        Model.objects.bulk_update(rows, fields, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("okrs", "0004_archive"),
    ]

    operations = [
        migrations.RunPython(_remember, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="keyresult",
            name="weight",
            field=recoup.core.exact_decimal.ExactDecimalField(
                decimal_places=3, default=1, max_digits=8
            ),
        ),
        migrations.AlterField(
            model_name="keyresult",
            name="baseline",
            field=recoup.core.exact_decimal.ExactDecimalField(
                blank=True, decimal_places=6, max_digits=24, null=True
            ),
        ),
        migrations.AlterField(
            model_name="keyresult",
            name="target",
            field=recoup.core.exact_decimal.ExactDecimalField(
                blank=True, decimal_places=6, max_digits=24, null=True
            ),
        ),
        migrations.AlterField(
            model_name="keyresult",
            name="target_change_pct",
            field=recoup.core.exact_decimal.ExactDecimalField(
                blank=True, decimal_places=3, max_digits=9, null=True
            ),
        ),
        migrations.AlterField(
            model_name="checkin",
            name="value",
            field=recoup.core.exact_decimal.ExactDecimalField(
                blank=True, decimal_places=6, max_digits=24, null=True
            ),
        ),
        migrations.RunPython(_restore, migrations.RunPython.noop),
    ]
