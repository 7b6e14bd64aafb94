"""The KPI engine's background job: the analytics copy brought up to date after the ledger
changed, so the next dashboard does not pay for the sync (see docs/decisions/0009)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.tasks import task


@task()
def analytics_sync() -> dict[str, Any]:
    """Syncs the DuckDB copy, then recomputes the stored snapshots the changes reach back to."""
    # Imported here: this module is loaded at start-up (the signal receiver below), and the
    # engines bring Ibis, DuckDB and Arrow (about 70 MB and a second) into every process.
    from recoup.metrics.engines import analytics_refresh, analytics_store, published_mode
    from recoup.metrics.services import snapshot_refresh_changed

    if settings.KPI_ENGINE != "duckdb":
        return {"skipped": "the KPI engine reads the operational database directly"}
    report = analytics_refresh()
    if report is not None:
        described, earliest = report.describe(), report.earliest_changed
    else:
        # A server's reader synced first and published what changed: recompute from there.
        current = analytics_store().current() if published_mode() else None
        described = current.report if current is not None else "already current"
        changed = current.earliest_changed if current is not None else None
        earliest = date.fromisoformat(changed) if changed else None
    refreshed = snapshot_refresh_changed(earliest_changed=earliest, via="analytics-sync")
    return {"sync": described, "snapshots": refreshed}


def analytics_sync_soon(**_signal: Any) -> None:
    """Receiver of `recoup.ledger.signals.ledger_changed`: queue a sync for the worker. Without
    a worker nothing is lost: the first evaluation syncs, as it always does."""
    analytics_sync.enqueue()
