"""The import clean-up as a background job of `recoup worker`: it removes what stopped imports
left behind (`claims.import_leftovers_remove`) and schedules its own next run, so one enqueued
job keeps the schedule alive (as the weekly check-in does)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from django.conf import settings
from django.tasks import task

from recoup.core.schedule import ScheduledJob, every, schedule_ensure
from recoup.ingest.claims import import_leftovers_remove


@task()
def import_leftovers_clean() -> dict[str, int]:
    left = import_leftovers_remove()
    import_leftovers_schedule_ensure()
    return asdict(left)


_next_cleanup, _cleanup_when = every(lambda: settings.IMPORT_LEFTOVERS_EVERY_MINUTES)

SCHEDULE = ScheduledJob(
    key="import-leftovers",
    title="Clean up what stopped imports left behind",
    task=import_leftovers_clean,
    next_run=_next_cleanup,
    when=_cleanup_when,
)


def import_leftovers_schedule_ensure() -> datetime:
    """Enqueue the next clean-up unless one is already waiting; returns when it will run."""
    return schedule_ensure(SCHEDULE)
