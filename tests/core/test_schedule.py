"""The schedule: one queued run per job and slot however many schedulers run, missed daily runs
caught up once, and the worker's scheduler queueing what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from recoup.core import schedule
from recoup.core.management.commands import worker
from recoup.core.models import JobSlot
from recoup.core.schedule import (
    job_enqueue_now,
    schedule_ensure,
    schedule_ensure_all,
    scheduled_job,
)
from recoup.ingest.tasks import SCHEDULE as CLEANUP
from recoup.workspace.tasks import SCHEDULE as JUDGEMENT

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 7, 8, 12, 7, tzinfo=UTC)


def _runs(job: schedule.ScheduledJob) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=job.task_path))


def test_every_scheduled_job_is_found_by_its_key() -> None:
    assert {job.key for job in schedule.scheduled_jobs()} == {
        "okr-checkin-weekly",
        "judgement-daily",
        "import-leftovers",
        "notifications-flush",
        "okr-reminders-daily",
        "workspace-reminders-daily",
        "import-notifications",
        "dunning-daily",
        "reports-weekly-send",
    }
    assert scheduled_job("import-leftovers") is CLEANUP
    assert scheduled_job("no-such-job") is None


def test_interval_slots_are_the_same_in_every_process(settings: Settings) -> None:
    settings.IMPORT_LEFTOVERS_EVERY_MINUTES = 15
    assert CLEANUP.next_run(NOON) == datetime(2026, 7, 8, 12, 15, tzinfo=UTC)
    assert CLEANUP.next_run(NOON + timedelta(seconds=30)) == CLEANUP.next_run(NOON)
    assert CLEANUP.when() == "every 15 minutes"


def test_a_second_scheduler_that_read_before_the_first_wrote_queues_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_LEFTOVERS_EVERY_MINUTES = 15
    first = schedule_ensure(CLEANUP, now=NOON)
    # The other scheduler read "nothing waits" before this one's run was queued.
    monkeypatch.setattr(schedule, "waiting_run_after", lambda job: None)
    second = schedule_ensure(CLEANUP, now=NOON + timedelta(seconds=3))

    assert first == second == datetime(2026, 7, 8, 12, 15, tzinfo=UTC)
    [run] = _runs(CLEANUP)
    assert run.run_after == first
    [slot] = JobSlot.objects.filter(job="import-leftovers")
    assert slot.task_result_id == str(run.id)


def test_a_waiting_run_is_kept_and_nothing_more_is_queued() -> None:
    planned = schedule_ensure_all(now=NOON)
    again = schedule_ensure_all(now=NOON + timedelta(minutes=1))
    assert planned == again
    for job in schedule.scheduled_jobs():
        assert len(_runs(job)) == 1, job.key


def test_a_missed_daily_judgement_runs_at_once_and_only_once() -> None:
    # 12:07, and today's 05:15 judgement never ran: it is due now.
    due = schedule_ensure(JUDGEMENT, now=NOON)
    assert due == datetime(2026, 7, 8, 5, 15, tzinfo=UTC)
    [run] = _runs(JUDGEMENT)
    DBTaskResult.objects.filter(pk=run.pk).update(
        status="SUCCESSFUL", started_at=NOON, finished_at=NOON
    )
    # Once it ran, the next is tomorrow's.
    assert schedule_ensure(JUDGEMENT, now=NOON) == datetime(2026, 7, 9, 5, 15, tzinfo=UTC)
    assert len(_runs(JUDGEMENT)) == 2


def test_run_now_queues_one_run_due_at_once() -> None:
    first = job_enqueue_now(CLEANUP)
    assert first is not None
    assert job_enqueue_now(CLEANUP) is None  # the first has not started: nothing more
    [run] = _runs(CLEANUP)
    assert str(run.id) == first
    assert run in DBTaskResult.objects.ready()


def test_the_worker_queues_the_scheduled_jobs_then_runs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polled: list[str] = []

    def commands(name: str, *args: Any, **options: Any) -> None:
        if name == "db_worker":
            polled.append(name)
            return
        call_command(name, *args, stdout=StringIO(), **options)

    monkeypatch.setattr(worker, "call_command", commands)
    call_command("worker", "--batch")
    assert polled == ["db_worker"]
    for job in schedule.scheduled_jobs():
        assert len(_runs(job)) == 1, job.key


# The worker closes its connection between jobs, as in production: no test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_due_scheduled_job_to_the_end() -> None:
    schedule_ensure(JUDGEMENT)  # today's was missed: due at once
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    ran, waiting = sorted(_runs(JUDGEMENT), key=lambda run: run.run_after)
    assert ran.status == "SUCCESSFUL", ran.traceback
    assert waiting.status == "READY"  # the job queued its next run
