"""Readers of the import history, for pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from recoup.ingest.models import ImportRun


def import_runs_recent(*, limit: int = 50) -> QuerySet[ImportRun]:
    """The latest runs first, whatever their outcome."""
    return ImportRun.objects.order_by("-started_at", "-id")[:limit]
