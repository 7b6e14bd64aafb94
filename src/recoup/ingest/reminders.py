"""Import finished or failed, told to the person who started it. A job every few minutes reads
the runs that ended lately; the key (one per run) tells each run's end once, whichever pass or
worker sees it first. Runs started by a command (no person) tell nobody."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from recoup.core.schedule import ScheduledJob, every
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.notifications.models import EventKind
from recoup.notifications.services import notification_send

# Runs that ended this long ago are still told about (a worker that was down for a weekend).
LOOK_BACK = timedelta(days=3)
ENDED = (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED)


def _count(n: int) -> str:
    return f"{n:,}"


def _words(run: ImportRun) -> tuple[EventKind, str, str]:
    name = run.file_name.rsplit("/", 1)[-1]
    if run.status == ImportStatus.SUCCEEDED:
        body = (
            f"{_count(run.rows)} rows of {run.kind}: {_count(run.inserted)} new, "
            f"{_count(run.updated)} changed, {_count(run.unchanged)} unchanged."
        )
        return EventKind.IMPORT_FINISHED, f"Import finished: {name}", body
    if run.status == ImportStatus.REJECTED:
        body = (
            f"{_count(run.errors)} problem{'s' if run.errors != 1 else ''} in the file; "
            "nothing was written. The run's page lists them."
        )
        return EventKind.IMPORT_FAILED, f"Import rejected: {name}", body
    reason = run.error.strip().splitlines()[0] if run.error.strip() else "an error"
    return (
        EventKind.IMPORT_FAILED,
        f"Import failed: {name}",
        f"It stopped on {reason}; nothing was written.",
    )


def import_runs_notify(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    runs = (
        ImportRun.objects.filter(
            status__in=ENDED,
            dry_run=False,
            started_by__isnull=False,
            finished_at__gte=now - LOOK_BACK,
        )
        .select_related("started_by")
        .order_by("finished_at", "id")
    )
    sent = 0
    for run in runs:
        if run.started_by is None:
            continue
        event, subject, body = _words(run)
        sent += (
            notification_send(
                event=event,
                user=run.started_by,
                subject=subject,
                body=body,
                link=reverse("ingest:run_detail", args=[run.pk]),
                key=f"import:run{run.pk}",
                now=now,
            )
            is not None
        )
    return sent


@task()
def import_runs_notify_task() -> dict[str, Any]:
    return {"notified": import_runs_notify()}


_next_run, _when = every(lambda: int(settings.NOTIFY_FLUSH_EVERY_MINUTES))

SCHEDULE = ScheduledJob(
    key="import-notifications",
    title="Tell people their imports finished or failed",
    task=import_runs_notify_task,
    next_run=_next_run,
    when=_when,
)
