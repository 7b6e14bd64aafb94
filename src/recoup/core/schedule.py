"""The schedule of background jobs: which jobs run on their own, when each runs next, and the
scheduler that keeps one run of each queued.

A scheduled job is declared beside its task (`SCHEDULE` in an app's `tasks.py`) and listed in
`settings.SCHEDULED_JOBS` by dotted path, so this module imports no app. Every `recoup worker`
(and the one `recoup serve` starts) runs the scheduler; several may run at once, on several
machines. What keeps a slot from being queued twice is the database, not a check: the run of a
slot is queued in the transaction that inserts its `JobSlot`, and the unique (job, slot) refuses
the second insert. Claiming a queued run is django-tasks-db's (`select_for_update(skip_locked=True)`
on PostgreSQL, an exclusive transaction on SQLite), so no run runs twice either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from recoup.core.models import JobSlot

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: intervals align to it


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A job that runs on its own. `next_run(now)` is the first slot after `now`, the same in
    every process (slots must agree for the unique slot to refuse a second queueing). With
    `missed_run`, the latest slot at or before `now`: a slot that passed while no worker ran is
    run at once (a server down at 05:15 still judges today's promises)."""

    key: str
    title: str
    task: Task[Any, Any]
    next_run: Callable[[datetime], datetime]
    when: Callable[[], str]
    missed_run: Callable[[datetime], datetime] | None = None

    @property
    def task_path(self) -> str:
        return self.task.module_path


def every(minutes: Callable[[], int]) -> tuple[Callable[[datetime], datetime], Callable[[], str]]:
    """`next_run` and `when` of a job run every few minutes, on boundaries counted from EPOCH."""

    def next_run(now: datetime) -> datetime:
        step = timedelta(minutes=minutes())
        return EPOCH + ((now - EPOCH) // step + 1) * step

    def when() -> str:
        n = minutes()
        return "every minute" if n == 1 else f"every {n} minutes"

    return next_run, when


def daily_at(at: time) -> tuple[Callable[[datetime], datetime], Callable[[datetime], datetime]]:
    """`next_run` and `missed_run` of a job run once a day at `at` (a UTC time)."""

    def next_run(now: datetime) -> datetime:
        today = datetime.combine(now.astimezone(UTC).date(), at)
        return today if today > now else today + timedelta(days=1)

    def missed_run(now: datetime) -> datetime:
        return next_run(now) - timedelta(days=1)

    return next_run, missed_run


def scheduled_jobs() -> tuple[ScheduledJob, ...]:
    return tuple(import_string(path) for path in settings.SCHEDULED_JOBS)


def scheduled_job(key: str) -> ScheduledJob | None:
    return next((job for job in scheduled_jobs() if job.key == key), None)


def _date_max() -> datetime:
    from django_tasks_db.models import get_date_max

    return get_date_max()


def waiting_run_after(job: ScheduledJob) -> datetime | None:
    """When the queued run of `job` that waits for its time will run; None if none waits."""
    from django_tasks_db.models import DBTaskResult

    waiting: datetime | None = (
        DBTaskResult.objects.filter(
            task_path=job.task_path, status="READY", finished_at__isnull=True
        )
        .exclude(run_after=_date_max())
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    return waiting


def _ran_since(job: ScheduledJob, since: datetime) -> bool:
    from django_tasks_db.models import DBTaskResult

    if JobSlot.objects.filter(job=job.key, slot__gte=since).exists():
        return True
    return (
        DBTaskResult.objects.filter(task_path=job.task_path)
        .filter(Q(enqueued_at__gte=since) | Q(run_after__gte=since, run_after__lt=_date_max()))
        .exists()
    )


def schedule_ensure(job: ScheduledJob, *, now: datetime | None = None) -> datetime:
    """Queue the next run of `job` unless one waits; returns when it will run."""
    now = now or timezone.now()
    waiting = waiting_run_after(job)
    if waiting is not None:
        return waiting
    slot = job.next_run(now)
    if job.missed_run is not None:
        missed = job.missed_run(now)
        if not _ran_since(job, missed):
            slot = missed
    try:
        with transaction.atomic():
            queued = JobSlot.objects.create(job=job.key, slot=slot)
            result = job.task.using(run_after=slot).enqueue()
            queued.task_result_id = str(result.id)
            queued.save(update_fields=["task_result_id"])
    except IntegrityError:
        pass  # another scheduler queued this slot's run first
    return slot


def schedule_ensure_all(*, now: datetime | None = None) -> dict[str, datetime]:
    """What the scheduler does on each turn: one run of every scheduled job queued. A job whose
    scheduling fails is logged and tried again on the next turn; the others go on."""
    planned: dict[str, datetime] = {}
    for job in scheduled_jobs():
        try:
            planned[job.key] = schedule_ensure(job, now=now)
        except Exception:
            logger.exception("scheduling %s failed; trying again on the next turn", job.key)
    return planned


def job_enqueue_now(job: ScheduledJob) -> str | None:
    """Queue a run of `job` due at once, unless one due at once has not started yet; returns the
    id of the queued run, or None when one was already waiting to start."""
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        due = DBTaskResult.objects.filter(
            task_path=job.task_path, status="READY", finished_at__isnull=True
        ).filter(Q(run_after=_date_max()) | Q(run_after__lte=timezone.now()))
        if due.exists():
            return None
        return str(job.task.enqueue().id)
