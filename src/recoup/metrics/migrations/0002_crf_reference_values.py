"""Industry reference values shipped with Recoup; editable in the admin."""

from django.db import migrations

CRF_Q3_2020 = [
    ("cei", "82.84"),
    ("dso", "39.25"),
    ("bpdso", "32.23"),
    ("add", "4.12"),
    ("pct_current", "88.31"),
    ("pct_90_plus", "0.67"),
]
SOURCE = "Credit Research Foundation, National Summary of Domestic Trade Receivables"
NOTE = "National median; medians are independent, so ADD is not DSO minus BPDSO here."


def seed(apps, schema_editor):
    ReferenceValue = apps.get_model("metrics", "ReferenceValue")
    for metric_id, value in CRF_Q3_2020:
        ReferenceValue.objects.get_or_create(
            metric_id=metric_id,
            period="2020-Q3",
            source=SOURCE,
            defaults={"value_text": value, "note": NOTE},
        )


def unseed(apps, schema_editor):
    apps.get_model("metrics", "ReferenceValue").objects.filter(
        period="2020-Q3", source=SOURCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
