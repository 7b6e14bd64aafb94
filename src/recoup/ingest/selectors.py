"""Readers of the import history, for pages and the API."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from recoup.accounts.access import AnyUser, can_see_all_import_runs, role_of
from recoup.ingest.models import ImportRun


def import_runs_visible_to(user: AnyUser) -> QuerySet[ImportRun]:
    """The runs `user` may read (`can_see_import_run`): all of them, or those they started."""
    if can_see_all_import_runs(user):
        return ImportRun.objects.all()
    if role_of(user) is None:
        return ImportRun.objects.none()
    return ImportRun.objects.filter(started_by_id=user.pk)


def import_runs_recent(*, user: AnyUser, limit: int = 50) -> QuerySet[ImportRun]:
    """The latest runs `user` may read first, whatever their outcome."""
    return import_runs_visible_to(user).order_by("-started_at", "-id")[:limit]


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
