"""Runs record their process, and at most one run is running (docs/decisions/0015)."""

from typing import Any

from django.db import migrations, models
from django.utils import timezone


def _fail_surplus_running_runs(apps: Any, schema_editor: Any) -> None:
    # Before the constraint, two uploads in the same instant could both be running: keep the
    # latest running, the others stopped long ago with their web process.
    run_model = apps.get_model("ingest", "ImportRun")
    running = list(
        run_model.objects.filter(status="running")
        .order_by("-started_at", "-id")
        .values_list("id", flat=True)
    )
    run_model.objects.filter(id__in=running[1:]).update(
        status="failed",
        error="the import stopped without finishing (the server stopped or restarted)",
        finished_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0002_import_run_background_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="pid",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importrun",
            name="host",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(_fail_surplus_running_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="importrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="import_run_one_running",
            ),
        ),
    ]
