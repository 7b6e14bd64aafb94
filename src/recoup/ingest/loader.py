"""The database side of an import: a staging table, set-based checks, and the merge.

Parsed rows go into a temporary staging table (`staging`). Checks that need other rows or the
ledger (duplicates, unknown references, currencies, FX rates, amounts applied beyond what is open)
are SQL over that table and return row numbers (`stage_checks`). Only when the whole file is clean
are staged rows merged into the ledger (`stage_merge`). Which of these hold the write lock:
`pipeline` and docs/decisions/0015.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from recoup.ingest.stage_checks import StageChecks
from recoup.ingest.stage_merge import StageMerge
from recoup.ingest.staging import STAGE, Finding, MergeCounts, q


class Stage(StageChecks, StageMerge):
    """The staging table of one record mapping, and everything done with it."""


def ledger_mark(tables: Sequence[str]) -> tuple[int | None, ...]:
    """The highest id of each table: it moves when anything inserts. Ledger facts change only by
    imports (one at a time) otherwise, so an unmoved mark means checks made on an earlier
    snapshot still hold (docs/decisions/0015)."""
    with connection.cursor() as cursor:
        marks = []
        for table in tables:
            cursor.execute(f"SELECT MAX(id) FROM {q(table)}")
            marks.append(cursor.fetchone()[0])
    return tuple(marks)


__all__ = ["STAGE", "Finding", "MergeCounts", "Stage", "ledger_mark"]
