"""The judgement of promises and plans as background work: after every change to the ledger
(an import of payments), and daily, because a promise also breaks by time passing with no
payment at all. The daily job schedules its own next run, so one queued job keeps it alive."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import Any

from django.tasks import task
from django.utils import timezone

from recoup.core.schedule import ScheduledJob, daily_at, schedule_ensure
from recoup.ingest.models import ImportRun
from recoup.workspace.services.judgement import accounts_judge

logger = logging.getLogger(__name__)

# Early morning UTC, after nightly imports and the day's change of date everywhere in Europe.
RUN_AT = time(5, 15, tzinfo=UTC)


@task()
def account_judgement(as_of: str | None = None) -> dict[str, Any]:
    on = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return accounts_judge(today=on, via="judgement-task").as_json()


@task()
def account_judgement_daily() -> dict[str, Any]:
    report = accounts_judge(today=timezone.localdate(), via="judgement-task").as_json()
    judgement_schedule_ensure()
    return report


# The kinds of record a judgement reads: an import that changed none of them (activities,
# contact points, disputes...) leaves every judgement as it was.
JUDGED_KINDS = frozenset({"payments", "promises", "payment-plans", "instalments"})


def judge_after_ledger_change(*, run_id: int | None = None, **_signal: Any) -> None:
    """Receiver of `recoup.ledger.signals.ledger_changed` (sent after an import committed): judge
    at once, so that the workspace shows a payment's effect on the next page. The import has
    committed whatever happens here; should the judgement fail, the worker tries again."""
    if run_id is not None and not _changed_judged_records(run_id):
        return
    try:
        accounts_judge(today=timezone.localdate(), via="judgement")
    except Exception:
        logger.exception("judging promises after a ledger change failed; queued for the worker")
        account_judgement.enqueue()


def _changed_judged_records(run_id: int) -> bool:
    details = ImportRun.objects.filter(pk=run_id).values_list("details", flat=True).first()
    if not isinstance(details, dict):
        return True  # not known: judge
    return any(
        isinstance(counts, dict) and (counts.get("inserted") or counts.get("updated"))
        for kind, counts in details.items()
        if kind in JUDGED_KINDS
    )


_next_day, _missed_day = daily_at(RUN_AT)

SCHEDULE = ScheduledJob(
    key="judgement-daily",
    title="Daily judgement of promises and payment plans",
    task=account_judgement_daily,
    next_run=_next_day,
    missed_run=_missed_day,
    when=lambda: "daily at 05:15 UTC",
)


def judgement_schedule_ensure() -> datetime:
    """Queue the next daily judgement unless one is waiting (today's at once if it was missed);
    returns when it will run."""
    return schedule_ensure(SCHEDULE)
