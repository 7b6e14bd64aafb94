"""The notifications job: every few minutes it sends what quiet hours held, the digests whose hour
came and failed messages worth another try. It reads nothing above notifications; the producers
of events have their own jobs in the apps whose data they read (`okrs`, `workspace`, `ingest`
`reminders.py`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.tasks import task

from recoup.core.schedule import ScheduledJob, every
from recoup.notifications.delivery import deliveries_flush


@task()
def notifications_flush() -> dict[str, Any]:
    return deliveries_flush().as_json()


_next_run, _when = every(lambda: int(settings.NOTIFY_FLUSH_EVERY_MINUTES))

SCHEDULE = ScheduledJob(
    key="notifications-flush",
    title="Notifications held for quiet hours, daily digests and retries",
    task=notifications_flush,
    next_run=_next_run,
    when=_when,
)
