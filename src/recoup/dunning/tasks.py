"""The day's dunning run, prepared by the worker each morning for a manager to approve (a
policy that sends on its own is sent at once). The daily job schedules its own next run."""

from __future__ import annotations

from datetime import UTC, date, time
from typing import Any

from django.tasks import task
from django.utils import timezone

from recoup.core.schedule import ScheduledJob, daily_at, schedule_ensure
from recoup.dunning.models import Policy
from recoup.dunning.services import run_counts, run_prepare

# After the nightly imports and the promise judgement (05:15 UTC), before debtors' mornings.
RUN_AT = time(5, 45, tzinfo=UTC)


def _prepare(on: date) -> dict[str, Any]:
    """A run per policy that sends by itself (sent at once), then one for approval of the rest:
    a customer the first took today is left out of the second (one step a day)."""
    runs = [
        run_prepare(actor=None, as_of=on, policy=policy, via="dunning-task")
        for policy in Policy.objects.filter(auto_send=True).order_by("name")
    ]
    runs.append(run_prepare(actor=None, as_of=on, via="dunning-task"))
    return {"runs": [{"id": r.pk, **run_counts(r)} for r in runs]}


@task()
def dunning_prepare(as_of: str | None = None) -> dict[str, Any]:
    return _prepare(date.fromisoformat(as_of) if as_of else timezone.localdate())


@task()
def dunning_prepare_daily() -> dict[str, Any]:
    report = _prepare(timezone.localdate())
    schedule_ensure(SCHEDULE)
    return report


_next_day, _missed_day = daily_at(RUN_AT)

SCHEDULE = ScheduledJob(
    key="dunning-daily",
    title="Daily dunning run, prepared for approval",
    task=dunning_prepare_daily,
    next_run=_next_day,
    missed_run=_missed_day,
    when=lambda: "daily at 05:45 UTC",
)
