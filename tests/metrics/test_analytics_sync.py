"""The analytics copy after an import: a background sync is queued, and the DuckDB file is
shared between processes by waiting for its lock."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django_tasks_db.models import DBTaskResult

from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import Customer
from recoup.metrics.engines import DuckDBEngine
from recoup.metrics.tasks import analytics_sync

INVOICES = """external_id,customer,issue_date,due_date,amount,currency,description
I-1,C-1,2024-01-05,2024-02-04,100.00,USD,first
"""


def _import(path: Path, **options: Any) -> int:
    """Imports `path` as invoices; returns the rows inserted."""
    Customer.objects.get_or_create(external_id="C-1", defaults={"name": "Acme"})
    outcome = ledger_file_import(
        kind="invoices", path=path, report_path=path.with_suffix(".report.csv"), **options
    )
    assert not outcome.problems, outcome.problems
    return outcome.run.inserted


def _queued() -> int:
    return DBTaskResult.objects.filter(task_path=analytics_sync.module_path).count()


def test_an_import_that_changes_the_ledger_queues_an_analytics_sync(
    db: None, tmp_path: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES)
    with django_capture_on_commit_callbacks(execute=True):
        assert _import(path) == 1
    assert _queued() == 1
    # The same file again changes nothing: nothing to sync.
    with django_capture_on_commit_callbacks(execute=True):
        assert _import(path) == 0
    assert _queued() == 1


def test_a_dry_run_queues_nothing(
    db: None, tmp_path: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES)
    with django_capture_on_commit_callbacks(execute=True):
        _import(path, dry_run=True)
    assert _queued() == 0


def test_the_sync_job_brings_the_analytics_copy_up_to_date(db: None, tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES)
    _import(path)
    result = analytics_sync.call()
    assert "rows from" in result["sync"]
    assert result["snapshots"] == 0


def test_a_second_process_waits_for_the_duckdb_files_lock(tmp_path: Path) -> None:
    target = tmp_path / "analytics.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(1.0); c.close()",
            str(target),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    engine = DuckDBEngine(target)
    waited = time.monotonic() - started
    engine.close()
    holder.wait(timeout=10)
    assert 0.3 < waited < 10
