"""A collector's day, told to them: the promises in their book that broke since they were last
told, and their call-backs due today. A daily job after the promise judgement (05:15 UTC) runs
both; the keys make a second run tell nobody twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import User
from recoup.core.money import Money
from recoup.core.schedule import ScheduledJob, daily_at
from recoup.ledger.models import Assignment
from recoup.notifications.models import EventKind
from recoup.notifications.selectors import last_notified_at
from recoup.notifications.services import notification_send
from recoup.workspace.models import AccountFlag, CallBack, FlagReason

RUN_AT = time(5, 45, tzinfo=UTC)
# Without an earlier message, broken promises flagged this long ago are still news.
FIRST_LOOK_BACK = timedelta(days=1)


def _collector_of(flag: AccountFlag, today: date) -> User | None:
    """The promise's collector, else whoever works the account today."""
    if flag.promise is not None and flag.promise.collector is not None:
        return flag.promise.collector
    assignment = (
        Assignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=today),
            customer_id=flag.customer_id,
            valid_from__lte=today,
            collector__isnull=False,
        )
        .select_related("collector")
        .order_by("-valid_from")
        .first()
    )
    return assignment.collector if assignment is not None else None


def broken_promises_notify(*, today: date, now: datetime | None = None) -> int:
    """One message per collector listing the broken promises flagged since their last one."""
    now = now or timezone.now()
    flags = (
        AccountFlag.objects.filter(
            reason=FlagReason.BROKEN_PROMISE,
            cleared_on__isnull=True,
            created_at__gte=now - timedelta(days=7),
        )
        .select_related("customer", "promise__collector")
        .order_by("created_at", "id")
    )
    by_collector: dict[User, list[AccountFlag]] = defaultdict(list)
    for flag in flags:
        collector = _collector_of(flag, today)
        if collector is not None and collector.is_active:
            by_collector[collector].append(flag)
    sent = 0
    for collector, found in by_collector.items():
        since = last_notified_at(collector, EventKind.PROMISE_BROKEN) or now - FIRST_LOOK_BACK
        news = [f for f in found if f.created_at > since]
        if not news:
            continue
        lines = []
        for flag in news:
            promise = flag.promise
            amount = (
                f" {Money(promise.amount_minor, promise.currency)}" if promise is not None else ""
            )
            due = f" due {promise.due_date:%d %b %Y}" if promise is not None else ""
            lines.append(f"- {flag.customer.name}:{amount}{due}")
        count = len(news)
        link = (
            reverse("workspace:account", args=[news[0].customer_id])
            if count == 1
            else reverse("worklist:index")
        )
        sent += (
            notification_send(
                event=EventKind.PROMISE_BROKEN,
                user=collector,
                subject=f"{count} promise{'s' if count != 1 else ''} to pay broken",
                body="Broken promises in your book:\n" + "\n".join(lines),
                link=link,
                key=f"promise_broken:{today.isoformat()}:flag{news[-1].pk}",
                now=now,
            )
            is not None
        )
    return sent


def call_backs_due_notify(*, today: date) -> int:
    """One message per owner listing their open call-backs due today (local time)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, time(0), tzinfo=zone)
    due = (
        CallBack.objects.filter(
            done_at__isnull=True,
            owner__isnull=False,
            owner__is_active=True,
            due_at__gte=start,
            due_at__lt=start + timedelta(days=1),
        )
        .select_related("owner", "customer")
        .order_by("due_at", "id")
    )
    by_owner: dict[User, list[CallBack]] = defaultdict(list)
    for call_back in due:
        if call_back.owner is not None:
            by_owner[call_back.owner].append(call_back)
    sent = 0
    for owner, items in by_owner.items():
        lines = [
            f"- {timezone.localtime(c.due_at):%H:%M} {c.customer.name}"
            + (f": {c.note}" if c.note else "")
            for c in items
        ]
        count = len(items)
        sent += (
            notification_send(
                event=EventKind.CALLBACK_DUE,
                user=owner,
                subject=f"{count} call-back{'s' if count != 1 else ''} due today",
                body="Call back today:\n" + "\n".join(lines),
                link=reverse("worklist:index"),
                key=f"callback_due:{today.isoformat()}",
            )
            is not None
        )
    return sent


@task()
def workspace_reminders_daily(as_of: str | None = None) -> dict[str, Any]:
    on = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return {
        "broken_promises": broken_promises_notify(today=on),
        "call_backs": call_backs_due_notify(today=on),
    }


_next_day, _missed_day = daily_at(RUN_AT)

SCHEDULE = ScheduledJob(
    key="workspace-reminders-daily",
    title="Collectors' broken promises and call-backs due today",
    task=workspace_reminders_daily,
    next_run=_next_day,
    missed_run=_missed_day,
    when=lambda: "daily at 05:45 UTC",
)
