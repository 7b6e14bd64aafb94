"""The KPI engine's background job: the analytics copy brought up to date after the ledger
changed, so the next dashboard does not pay for the sync (see docs/decisions/0009)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.tasks import task

from recoup.metrics.engines import DuckDBEngine
from recoup.metrics.services import snapshot_refresh_changed


@task()
def analytics_sync() -> dict[str, Any]:
    """Syncs the DuckDB copy, then recomputes the stored snapshots the changes reach back to."""
    if settings.KPI_ENGINE != "duckdb":
        return {"skipped": "the KPI engine reads the operational database directly"}
    engine = DuckDBEngine()
    try:
        report = engine.sync()
    finally:
        engine.close()
    refreshed = snapshot_refresh_changed(
        earliest_changed=report.earliest_changed, via="analytics-sync"
    )
    return {"sync": report.describe(), "snapshots": refreshed}


def analytics_sync_soon(**_signal: Any) -> None:
    """Receiver of `recoup.ledger.signals.ledger_changed`: queue a sync for the worker. Without
    a worker nothing is lost: the first evaluation syncs, as it always does."""
    analytics_sync.enqueue()
