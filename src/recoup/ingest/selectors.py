"""Readers of the import history, for pages and the API."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from recoup.ingest.models import ImportRun


def import_runs_recent(*, limit: int = 50) -> QuerySet[ImportRun]:
    """The latest runs first, whatever their outcome."""
    return ImportRun.objects.order_by("-started_at", "-id")[:limit]


def import_run_problems(*, run: ImportRun, limit: int = 50) -> list[dict[str, Any]]:
    """The first problems of a rejected run: kept on the run, else read from its report file
    (the run is marked rejected a moment before its problems are stored on it)."""
    if run.problems or not run.report_path:
        return list(run.problems)[:limit]
    try:
        with Path(run.report_path).open(newline="", encoding="utf-8") as report:
            rows = csv.reader(report)
            next(rows, None)  # the header
            return [
                {"row": r[1], "record": r[2], "column": r[3], "value": r[4], "expected": r[5]}
                for r in itertools.islice(rows, limit)
                if len(r) >= 6
            ]
    except OSError:
        return []
