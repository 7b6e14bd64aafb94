"""The history of imports: one `ImportRun` per `recoup import` or upload, whatever its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    # The file had problems: nothing was written to the ledger.
    REJECTED = "rejected", "Rejected, nothing written"
    DRY_RUN = "dry_run", "Dry run, nothing written"
    # Still going: in a thread of a web process, or in a `recoup import` process (`pid`, `host`).
    # At most one run is running at a time (`import_run_one_running`).
    RUNNING = "running", "Running"
    # The import stopped on an error that is not a problem in the data (an unreadable file, a
    # wrong mapping, a crash): nothing was written.
    FAILED = "failed", "Failed, nothing written"


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
    finished_at = models.DateTimeField(null=True, blank=True)  # None while running
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why a failed run stopped.
    error = models.TextField(blank=True)
    # The first problems of a rejected run, for the page (the full list is in the report file).
    problems = models.JSONField(default=list, blank=True)
    # The process running it, so a run whose process was killed is marked failed by the next start.
    pid = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="import_run_status_valid"
            ),
            # One import at a time is a constraint, not a check: of two starts in the same
            # instant the database lets one insert its running run (docs/decisions/0015).
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status=ImportStatus.RUNNING),
                name="import_run_one_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
