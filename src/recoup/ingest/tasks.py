"""The import clean-up as a background job of `recoup worker`: it removes what stopped imports
left behind (`claims.import_leftovers_remove`) and schedules its own next run, so one enqueued
job keeps the schedule alive (as the weekly check-in does)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from recoup.ingest.claims import import_leftovers_remove


@task()
def import_leftovers_clean() -> dict[str, int]:
    left = import_leftovers_remove()
    import_leftovers_schedule_ensure()
    return asdict(left)


def import_leftovers_schedule_ensure() -> datetime:
    """Enqueue the next clean-up unless one is already waiting; returns when it will run."""
    from django_tasks_db.models import DBTaskResult

    pending = (
        DBTaskResult.objects.filter(
            task_path=import_leftovers_clean.module_path,
            status="READY",
            finished_at__isnull=True,
        )
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    if pending is not None:
        return pending
    run_after = timezone.now() + timedelta(minutes=settings.IMPORT_LEFTOVERS_EVERY_MINUTES)
    import_leftovers_clean.using(run_after=run_after).enqueue()
    return run_after
