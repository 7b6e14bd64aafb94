"""The weekly reports as a background job: every hour on the hour, each list whose day and hour
have come this week and that has not been sent this week gets its report (`report_send`)."""

from __future__ import annotations

from typing import Any

from django.tasks import task
from django.utils import timezone

from recoup.core.schedule import ScheduledJob, every
from recoup.reports.services import report_send, subscriptions_due

_next_run, _when = every(lambda: 60)


@task()
def reports_weekly_send() -> dict[str, Any]:
    now = timezone.now()
    sent: list[str] = []
    passed_over: list[str] = []
    for subscription in subscriptions_due(now=now):
        delivery = report_send(subscription=subscription, now=now)
        (sent if delivery else passed_over).append(subscription.name)
    return {"sent": sent, "already_sent_or_no_recipients": passed_over}


SCHEDULE = ScheduledJob(
    key="reports-weekly-send",
    title="Weekly reports to their recipient lists",
    task=reports_weekly_send,
    next_run=_next_run,
    when=lambda: "every hour, for the lists due at that hour (UTC)",
)
