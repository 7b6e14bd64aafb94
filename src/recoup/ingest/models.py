"""The history of imports: one `ImportRun` per `recoup import`, whatever its outcome."""

from __future__ import annotations

from django.db import models


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    # The file had problems: nothing was written to the ledger.
    REJECTED = "rejected", "Rejected, nothing written"
    DRY_RUN = "dry_run", "Dry run, nothing written"


class ImportRun(models.Model):
    kind = models.CharField(max_length=32)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    mapping = models.CharField(max_length=200, blank=True)
    rows = models.BigIntegerField(default=0)
    inserted = models.BigIntegerField(default=0)
    updated = models.BigIntegerField(default=0)
    unchanged = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)
    # Counts per kind of record when one file feeds several (a customer, an invoice, a payment).
    details = models.JSONField(default=dict, blank=True)
    report_path = models.CharField(max_length=1000, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="import_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
