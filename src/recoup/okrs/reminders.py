"""The OKR events people are told about: check-ins due on the cycle's check-in day, key results
gone outdated, escalation to the team lead after missed weekly check-ins, initiatives due or
overdue, key results checked in at risk or off track, and "reported green, data red".

A daily job runs them all; each notification's key (event, object, day or week) makes a second
run on the same day tell nobody twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, time, timedelta
from typing import Any

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.accounts.names import person_name
from recoup.core.schedule import ScheduledJob, daily_at
from recoup.notifications.models import EventKind
from recoup.notifications.services import notification_send
from recoup.okrs import scoring
from recoup.okrs.models import CheckIn, Confidence, Cycle, Initiative, InitiativeStatus, KeyResult
from recoup.okrs.selectors import CHECKED_IN_KINDS, LIVE_KEY_RESULTS

# After the weekly automatic check-ins (05:00 UTC) have landed.
RUN_AT = time(6, 0, tzinfo=UTC)
OPEN_INITIATIVE = (InitiativeStatus.TO_DO, InitiativeStatus.IN_PROGRESS)
WORRYING = (Confidence.AT_RISK, Confidence.OFF_TRACK)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    checkin_due: int = 0
    outdated: int = 0
    escalations: int = 0
    initiatives: int = 0
    at_risk: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "checkin_due": self.checkin_due,
            "outdated": self.outdated,
            "escalations": self.escalations,
            "initiatives": self.initiatives,
            "at_risk": self.at_risk,
        }


def _kr_link(key_result_id: int) -> str:
    return reverse("okrs:key_result", args=[key_result_id])


def _running_key_results(today: date) -> list[KeyResult]:
    return list(
        KeyResult.objects.filter(
            LIVE_KEY_RESULTS,
            objective__cycle__starts_on__lte=today,
            objective__cycle__ends_on__gte=today,
            kind__in=CHECKED_IN_KINDS,
            owner__isnull=False,
            owner__is_active=True,
        )
        .select_related("owner", "objective__cycle", "objective__team")
        .order_by("objective__cycle_id", "objective__position", "position", "id")
    )


def _checkin_days(key_results: list[KeyResult]) -> dict[int, list[date]]:
    """The local days each key result was checked in on (counted check-ins), oldest first."""
    days: dict[int, list[date]] = defaultdict(list)
    for kr_id, made in (
        CheckIn.objects.counted()
        .filter(key_result__in=key_results)
        .order_by("created_at")
        .values_list("key_result_id", "created_at")
    ):
        days[kr_id].append(timezone.localdate(made))
    return days


def _checked_in_week_before(days: list[date], due: date) -> bool:
    return any(due - timedelta(days=7) < d <= due for d in days)


def checkin_due_notify(*, today: date) -> int:
    """On a cycle's check-in day: one message per owner naming their key results not checked in
    this week."""
    owed: dict[User, list[KeyResult]] = defaultdict(list)
    krs = [
        kr
        for kr in _running_key_results(today)
        if kr.objective.cycle.checkin_weekday == today.weekday()
    ]
    days = _checkin_days(krs)
    for kr in krs:
        if not _checked_in_week_before(days[kr.pk], today) and kr.owner is not None:
            owed[kr.owner].append(kr)
    sent = 0
    for owner, items in owed.items():
        titles = "\n".join(f"- {kr.title} ({kr.objective.cycle.name})" for kr in items)
        many = len(items) != 1
        sent += (
            notification_send(
                event=EventKind.CHECKIN_DUE,
                user=owner,
                subject=f"Check-in due today: {len(items)} key result{'s' if many else ''}",
                body=f"Today is check-in day. Not checked in this week:\n{titles}",
                link=reverse("okrs:mine") if many else _kr_link(items[0].pk),
                key=f"checkin_due:{today.isoformat()}",
            )
            is not None
        )
    return sent


def _missed_in_a_row(cycle: Cycle, days: list[date], today: date) -> tuple[int, date | None]:
    """How many weekly check-ins in a row were missed up to today (each judged once its grace
    has passed), and the latest missed due date."""
    due_dates = [
        d
        for d in scoring.checkin_due_dates(
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            weekday=cycle.checkin_weekday,
            until=today,
        )
        if d + timedelta(days=scoring.CHECKIN_GRACE_DAYS) <= today
    ]
    missed = 0
    for due in reversed(due_dates):
        if _checked_in_week_before(days, due):
            break
        missed += 1
    return missed, (due_dates[-1] if missed else None)


def _team_leads(kr: KeyResult) -> list[User]:
    """The leads of the objective's team (its managers if it has no lead), never the owner."""
    team = kr.objective.team
    if team is None:
        return []
    members = User.objects.filter(memberships__team=team, is_active=True)
    if kr.owner_id is not None:
        members = members.exclude(pk=kr.owner_id)
    leads = list(members.filter(memberships__is_lead=True))
    return leads or list(members.filter(role__in=[Role.MANAGER, Role.ADMIN]))


def outdated_and_escalation_notify(*, today: date) -> tuple[int, int]:
    """Owners of outdated key results, once per missed check-in day; and the team lead when an
    owner missed `NOTIFY_ESCALATE_AFTER_MISSED` weekly check-ins in a row."""
    krs = _running_key_results(today)
    days = _checkin_days(krs)
    outdated = escalations = 0
    for kr in krs:
        missed, due = _missed_in_a_row(kr.objective.cycle, days[kr.pk], today)
        if due is None or kr.owner is None:
            continue
        outdated += (
            notification_send(
                event=EventKind.KEY_RESULT_OUTDATED,
                user=kr.owner,
                subject=f"Outdated: {kr.title}",
                body=f"“{kr.title}” has had no check-in since before {due:%d %b %Y}; its status "
                "shows as outdated until someone checks in.",
                link=_kr_link(kr.pk),
                key=f"key_result_outdated:kr{kr.pk}:{due.isoformat()}",
            )
            is not None
        )
        if missed < settings.NOTIFY_ESCALATE_AFTER_MISSED:
            continue
        owner = person_name(kr.owner)
        for lead in _team_leads(kr):
            escalations += (
                notification_send(
                    event=EventKind.CHECKIN_ESCALATION,
                    user=lead,
                    subject=f"{owner} missed {missed} check-ins: {kr.title}",
                    body=f"{owner} has missed {missed} weekly check-ins in a row on “{kr.title}” "
                    f"(team {kr.objective.team}).",
                    link=_kr_link(kr.pk),
                    key=f"checkin_escalation:kr{kr.pk}:{due.isoformat()}",
                )
                is not None
            )
    return outdated, escalations


def initiatives_due_notify(*, today: date) -> int:
    """Open initiatives due today (once) or overdue (once each ISO week)."""
    due = (
        Initiative.objects.filter(
            archived_at__isnull=True,
            key_result__archived_at__isnull=True,
            key_result__objective__archived_at__isnull=True,
            status__in=OPEN_INITIATIVE,
            due_on__lte=today,
            owner__isnull=False,
            owner__is_active=True,
        )
        .select_related("owner", "key_result")
        .order_by("due_on", "id")
    )
    sent = 0
    for initiative in due:
        if initiative.owner is None or initiative.due_on is None:
            continue
        if initiative.due_on == today:
            subject = f"Due today: {initiative.title}"
            key = f"initiative_due:i{initiative.pk}:{today.isoformat()}"
        else:
            late = (today - initiative.due_on).days
            subject = f"Overdue by {late} day{'s' if late != 1 else ''}: {initiative.title}"
            year, week, _ = today.isocalendar()
            key = f"initiative_overdue:i{initiative.pk}:{year}-W{week:02d}"
        sent += (
            notification_send(
                event=EventKind.INITIATIVE_DUE,
                user=initiative.owner,
                subject=subject,
                body=f"The initiative “{initiative.title}” for “{initiative.key_result.title}” was "
                f"due on {initiative.due_on:%d %b %Y} and is still "
                f"{initiative.get_status_display().lower()}.",
                link=_kr_link(initiative.key_result_id),
                key=key,
            )
            is not None
        )
    return sent


def at_risk_notify(*, today: date, within_days: int = 7) -> int:
    """Key results whose latest check-in (made in the last `within_days`) said at risk or off
    track when the one before did not: they became worrying. Once per check-in."""
    since = today - timedelta(days=within_days)
    recent = (
        CheckIn.objects.counted()
        .filter(
            key_result__archived_at__isnull=True,
            key_result__objective__archived_at__isnull=True,
            key_result__owner__isnull=False,
            created_at__date__gte=since,
        )
        .values_list("key_result_id", flat=True)
        .distinct()
    )
    sent = 0
    for kr in KeyResult.objects.filter(pk__in=list(recent)).select_related("owner"):
        last_two = list(
            CheckIn.objects.counted()
            .filter(key_result=kr)
            .order_by("-created_at", "-id")
            .values_list("pk", "confidence")[:2]
        )
        latest_id, latest = last_two[0]
        before = last_two[1][1] if len(last_two) > 1 else None
        if latest not in WORRYING or latest == before or kr.owner is None:
            continue
        label = Confidence(latest).label.lower()
        sent += (
            notification_send(
                event=EventKind.AT_RISK,
                user=kr.owner,
                subject=f"Now {label}: {kr.title}",
                body=f"“{kr.title}” was checked in {label}"
                + (f" (before: {Confidence(before).label.lower()})." if before else "."),
                link=_kr_link(kr.pk),
                key=f"at_risk:checkin{latest_id}",
            )
            is not None
        )
    return sent


def notify_reported_green_data_red(
    *, key_result_id: int, reported: str, data_status: str, today: date | None = None
) -> bool:
    """Tells a key result's owner that its reported confidence (on track) disagrees with what its
    data says (`data_status`, such as "off track"); once per key result and day. For the check
    that finds such key results."""
    today = today or timezone.localdate()
    kr = KeyResult.objects.select_related("owner").filter(pk=key_result_id).first()
    if kr is None or kr.owner is None:
        return False
    return (
        notification_send(
            event=EventKind.REPORTED_GREEN_DATA_RED,
            user=kr.owner,
            subject=f"Reported {reported}, data {data_status}: {kr.title}",
            body=f"“{kr.title}” was last reported {reported}, but its data says {data_status}. "
            "Check in again or explain the difference.",
            link=_kr_link(kr.pk),
            key=f"reported_green_data_red:kr{kr.pk}:{today.isoformat()}",
        )
        is not None
    )


def okr_reminders_run(*, today: date) -> ReminderReport:
    outdated, escalations = outdated_and_escalation_notify(today=today)
    return ReminderReport(
        checkin_due=checkin_due_notify(today=today),
        outdated=outdated,
        escalations=escalations,
        initiatives=initiatives_due_notify(today=today),
        at_risk=at_risk_notify(today=today),
    )


@task()
def okr_reminders_daily(as_of: str | None = None) -> dict[str, Any]:
    on = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return okr_reminders_run(today=on).as_json()


_next_day, _missed_day = daily_at(RUN_AT)

SCHEDULE = ScheduledJob(
    key="okr-reminders-daily",
    title="OKR reminders: check-ins due, outdated key results, initiatives, at risk",
    task=okr_reminders_daily,
    next_run=_next_day,
    missed_run=_missed_day,
    when=lambda: "daily at 06:00 UTC",
)
