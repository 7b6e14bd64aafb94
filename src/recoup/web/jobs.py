"""Readers of the Jobs page: the background jobs' runs (django-tasks-db's result rows) in words,
and the schedule (`recoup.core.schedule`) with each job's next and last run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from recoup.core.exports import Sort, order_empties_last
from recoup.core.schedule import ScheduledJob, scheduled_jobs, waiting_run_after

# Jobs queued on demand rather than on a schedule, in words (scheduled ones carry their title).
TITLES: dict[str, str] = {
    "recoup.metrics.tasks.analytics_sync": "Bring the analytics copy up to date",
    "recoup.workspace.tasks.account_judgement": "Judge promises and payment plans",
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "READY": ("Queued", "badge-muted"),
    "RUNNING": ("Running", "badge-warn"),
    "SUCCESSFUL": ("Succeeded", "badge-good"),
    "FAILED": ("Failed", "badge-bad"),
}


def job_title(task_path: str) -> str:
    for job in scheduled_jobs():
        if job.task_path == task_path:
            return job.title
    if task_path in TITLES:
        return TITLES[task_path]
    words = task_path.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words.capitalize() or "A background job"


def duration_words(seconds: float) -> str:
    """A duration for people: "0.3 s", "2.4 s", "12 s", "3 min", "2 h 5 min", "3 days"."""
    if seconds < 10:
        return f"{max(seconds, 0):.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} days"


@dataclass(frozen=True, slots=True)
class JobRunRow:
    id: str
    title: str
    status: str
    status_class: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    took: str
    error: str
    traceback: str
    seconds: Decimal | None = None  # how long it took, for a download


def _date_max() -> datetime:
    from django_tasks_db.models import get_date_max

    return get_date_max()


# The runs table's columns: label, sort key ("" for none), numeric; and each key's fields.
RUN_HEADERS = (
    ("Job", "", False),
    ("Status", "status", False),
    ("Queued", "queued", False),
    ("Started", "started", False),
    ("Finished", "finished", False),
    ("Took", "took", True),
)
RUN_SORTS: dict[str, tuple[str, ...]] = {
    "status": ("status", "-enqueued_at"),
    "queued": ("enqueued_at",),
    "started": ("started_at",),
    "finished": ("finished_at",),
    "took": ("took",),
}
NEWEST_FIRST = "-queued"
# Not started or not finished yet: at the bottom whichever way a column is sorted.
RUN_NULLABLE = ("started_at", "finished_at", "took")


def job_runs(sort: Sort | None = None) -> QuerySet[Any]:
    """The runs that ran, run or are due, newest first or in `sort`'s order (those waiting for a
    later time are the schedule's)."""
    from django_tasks_db.models import DBTaskResult

    waiting = Q(status="READY", run_after__gt=timezone.now(), run_after__lt=_date_max())
    runs = DBTaskResult.objects.exclude(waiting).annotate(
        took=ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    )
    if sort is None:
        return runs.order_by("-enqueued_at", "-id")
    return runs.order_by(*order_empties_last(sort, RUN_NULLABLE), "-id")


def _error_words(traceback: str, exception_class_path: str) -> str:
    last = next((line for line in reversed(traceback.splitlines()) if line.strip()), "")
    name = exception_class_path.rsplit(".", 1)[-1]
    if last.startswith((exception_class_path + ":", name + ":")):
        message = last.split(":", 1)[1].strip()
        return f"{message} ({name})" if message else name
    return last.strip() or name or "it failed without a message"


def job_run_row(run: Any) -> JobRunRow:
    label, css = STATUS_WORDS.get(run.status, (run.status.title(), "badge-muted"))
    took, seconds = "", None
    if run.started_at is not None:
        end = run.finished_at or timezone.now()
        took = duration_words((end - run.started_at).total_seconds())
        if run.finished_at is None:
            took = f"{took} so far"
        else:
            seconds = Decimal(str(round((end - run.started_at).total_seconds(), 3)))
    failed = run.status == "FAILED"
    return JobRunRow(
        id=str(run.id),
        title=job_title(run.task_path),
        status=label,
        status_class=css,
        queued_at=run.enqueued_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        took=took,
        error=_error_words(run.traceback, run.exception_class_path) if failed else "",
        traceback=run.traceback if failed else "",
        seconds=seconds,
    )


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    key: str
    title: str
    when: str
    next_run: datetime | None
    last_run: JobRunRow | None


def _last_run(job: ScheduledJob) -> JobRunRow | None:
    from django_tasks_db.models import DBTaskResult

    run = (
        DBTaskResult.objects.filter(task_path=job.task_path, started_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    return job_run_row(run) if run is not None else None


def schedule_rows() -> list[ScheduleRow]:
    return [
        ScheduleRow(
            key=job.key,
            title=job.title,
            when=job.when(),
            next_run=waiting_run_after(job),
            last_run=_last_run(job),
        )
        for job in scheduled_jobs()
    ]
