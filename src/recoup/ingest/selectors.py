"""Readers of the import history, for pages and the API."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from recoup.accounts.access import AnyUser, can_see_all_import_runs, role_of
from recoup.core.exports import Sort
from recoup.ingest.models import ImportRun
from recoup.ingest.problem_sort import problems_sorted_from_report, problems_sorted_in_memory


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


def import_run_problems(
    *, run: ImportRun, limit: int = 50, sort: Sort | None = None
) -> list[dict[str, Any]]:
    """The first problems of a rejected run: kept on the run, else read from its report file
    (the run is marked rejected a moment before its problems are stored on it)."""
    return list(itertools.islice(import_run_problems_all(run=run, sort=sort), limit))


def import_run_problems_all(
    *, run: ImportRun, sort: Sort | None = None
) -> Iterator[dict[str, Any]]:
    """Every problem of a rejected run, one at a time, in the file's order or `sort`'s: from its
    report file when it has one (the run keeps only the first ones), else those kept on the run."""
    if sort is not None and run.report_path and Path(run.report_path).is_file():
        yield from problems_sorted_from_report(run.report_path, sort)
        return
    if sort is not None:
        yield from problems_sorted_in_memory(run.problems, sort)
        return
    if not run.report_path:
        yield from run.problems
        return
    try:
        with Path(run.report_path).open(newline="", encoding="utf-8") as report:
            rows = csv.reader(report)
            next(rows, None)  # the header
            for r in rows:
                if len(r) >= 6:
                    yield {
                        "row": r[1],
                        "record": r[2],
                        "column": r[3],
                        "value": r[4],
                        "expected": r[5],
                    }
    except OSError:
        yield from run.problems
