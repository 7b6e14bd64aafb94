"""The weekly automatic check-in as a background job: it runs the check-in and schedules its
next run for the following check-in day, so one enqueued job keeps the schedule alive."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.tasks import task
from django.utils import timezone

from recoup.core.schedule import ScheduledJob, schedule_ensure
from recoup.okrs.models import Cycle
from recoup.okrs.services import checkin_auto_run

# Early morning UTC, after nightly imports have landed.
RUN_AT = time(5, 0, tzinfo=UTC)


def next_run_after(now: datetime) -> datetime:
    """The next check-in day of any running or future cycle, at RUN_AT; a week on if none."""
    today = now.astimezone(UTC).date()
    weekdays = set(
        Cycle.objects.filter(ends_on__gte=today).values_list("checkin_weekday", flat=True)
    ) or {0}
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        if day.weekday() in weekdays:
            return datetime.combine(day, RUN_AT)
    return datetime.combine(today + timedelta(days=7), RUN_AT)


@task()
def okr_checkin_weekly(as_of: str | None = None) -> dict[str, Any]:
    on = date.fromisoformat(as_of) if as_of else timezone.localdate()
    report = checkin_auto_run(today=on, via="okr-checkin-task")
    okr_schedule_ensure()
    return {
        "as_of": report.as_of.isoformat(),
        "created": len(report.created),
        "baselines": len(report.baselines),
        "skipped": report.skipped,
    }


SCHEDULE = ScheduledJob(
    key="okr-checkin-weekly",
    title="Weekly automatic check-ins of the key results",
    task=okr_checkin_weekly,
    next_run=next_run_after,
    when=lambda: "weekly, on each running cycle's check-in day, at 05:00 UTC",
)


def okr_schedule_ensure() -> datetime:
    """Enqueue the next weekly run unless one is already waiting; returns when it will run."""
    return schedule_ensure(SCHEDULE)


def okr_schedule_refresh() -> int:
    """Move the waiting weekly run to the next check-in day after a cycle's cadence changed
    (it was scheduled for the old weekday); returns how many waiting runs moved."""
    from django_tasks_db.models import DBTaskResult

    run_after = next_run_after(timezone.now())
    return (
        DBTaskResult.objects.filter(
            task_path=okr_checkin_weekly.module_path, status="READY", finished_at__isnull=True
        )
        .exclude(run_after=run_after)
        .update(run_after=run_after)
    )
