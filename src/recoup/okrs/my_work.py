"""What one person has to do in the running cycles: their key results whose check-in is due and
their open initiatives, soonest due first. Read-only, like `selectors`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.okrs.models import CheckIn, Initiative, InitiativeStatus, KeyResult
from recoup.okrs.selectors import CHECKED_IN_KINDS, LIVE_KEY_RESULTS

# Cycles check in weekly (`Cycle.checkin_weekday`): a key result whose latest check-in is older
# than a week is due again.
CADENCE = timedelta(days=7)
OPEN_STATUSES = (InitiativeStatus.TO_DO, InitiativeStatus.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class KeyResultDue:
    id: int
    title: str
    objective: str
    cycle: str
    last_checkin_on: date | None
    due: bool


@dataclass(frozen=True, slots=True)
class InitiativeItem:
    id: int
    title: str
    key_result_id: int
    key_result: str
    owner: str | None
    due_on: date | None
    overdue: bool
    priority: str
    status: str


@dataclass(frozen=True, slots=True)
class MyWork:
    to_check_in: list[KeyResultDue]
    checked_in: list[KeyResultDue]
    initiatives: list[InitiativeItem]


def my_work(*, user: User, today: date) -> MyWork:
    running = Q(objective__cycle__starts_on__lte=today, objective__cycle__ends_on__gte=today)
    krs = (
        KeyResult.objects.filter(running, LIVE_KEY_RESULTS, owner=user, kind__in=CHECKED_IN_KINDS)
        .select_related("objective__cycle")
        .order_by("objective__cycle__ends_on", "objective__position", "position", "id")
    )
    latest = dict(
        CheckIn.objects.counted()
        .filter(key_result__in=krs)
        .values("key_result")
        .annotate(last=Max("created_at"))
        .values_list("key_result", "last")
    )
    rows = []
    for kr in krs:
        last = latest.get(kr.pk)
        last_on = timezone.localtime(last).date() if last is not None else None
        rows.append(
            KeyResultDue(
                id=kr.pk,
                title=kr.title,
                objective=kr.objective.title,
                cycle=kr.objective.cycle.name,
                last_checkin_on=last_on,
                due=last_on is None or today - last_on >= CADENCE,
            )
        )
    found = (
        Initiative.objects.filter(
            owner=user,
            status__in=OPEN_STATUSES,
            archived_at__isnull=True,
            key_result__archived_at__isnull=True,
            key_result__objective__archived_at__isnull=True,
            key_result__objective__cycle__ends_on__gte=today,
        )
        .select_related("key_result", "owner")
        .order_by("due_on", "id")
    )
    # Undated initiatives after the dated ones (databases disagree on where NULL sorts).
    initiatives = sorted(found, key=lambda i: (i.due_on is None, i.due_on or today))
    return MyWork(
        to_check_in=[r for r in rows if r.due],
        checked_in=[r for r in rows if not r.due],
        initiatives=_items(initiatives, today),
    )


def key_result_initiatives(*, key_result: KeyResult, today: date) -> list[InitiativeItem]:
    """A key result's initiatives, in the order they were planned."""
    found = Initiative.objects.filter(key_result=key_result, archived_at__isnull=True)
    found = found.select_related("key_result", "owner")
    return _items(found.order_by("position", "id"), today)


def _items(initiatives: Iterable[Initiative], today: date) -> list[InitiativeItem]:
    return [
        InitiativeItem(
            id=i.pk,
            title=i.title,
            key_result_id=i.key_result_id,
            key_result=i.key_result.title,
            owner=person_name(i.owner) if i.owner else None,
            due_on=i.due_on,
            overdue=i.due_on is not None and i.due_on < today and i.status in OPEN_STATUSES,
            priority=i.get_priority_display(),
            status=i.get_status_display(),
        )
        for i in initiatives
    ]
