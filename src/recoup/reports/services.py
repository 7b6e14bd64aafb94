"""The only writers of report subscriptions and of the sent log: audited, keyword-only.

Sending is idempotent per list and week: the delivery row is inserted in the transaction that
sends, and the unique (list, week) refuses a second insert, so two workers (or a run now beside
the scheduled run) send one e-mail; a failed send rolls the row back and a later run tries again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.accounts.models import Team, User
from recoup.accounts.scope import Scope
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.reports.mail import report_email
from recoup.reports.models import ReportDelivery, ReportFormat, ReportSubscription
from recoup.reports.weekly import weekly_report_build

AUDIT_TYPE = "report_subscription"


class SubscriptionError(RecoupError, ValueError):
    """A report list that cannot be saved as given; the message says why."""


@dataclass(frozen=True, slots=True)
class SubscriptionFields:
    name: str
    team: Team | None
    recipients: Sequence[User]
    emails: Sequence[str]
    weekday: int
    hour: int
    format: str
    active: bool = True
    time_zone: str = "UTC"


def emails_parse(text: str) -> list[str]:
    """Addresses one per line (or comma-separated), checked; a bad one is refused by name."""
    found = [part.strip() for line in text.splitlines() for part in line.split(",")]
    addresses = [a for a in found if a]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as error:
            raise SubscriptionError(f"{address!r} is not an e-mail address") from error
    return list(dict.fromkeys(addresses))


def _check(fields: SubscriptionFields) -> None:
    if not fields.name.strip():
        raise SubscriptionError("give the list a name")
    if not 0 <= fields.hour <= 23:
        raise SubscriptionError(f"hour {fields.hour} is not an hour of the day (0 to 23)")
    if not 0 <= fields.weekday <= 6:
        raise SubscriptionError(
            f"weekday {fields.weekday} is not a day of the week (0 Monday to 6 Sunday)"
        )
    if fields.time_zone not in available_timezones():
        raise SubscriptionError(
            f"{fields.time_zone!r} is not a time zone: use a name such as Europe/Berlin"
        )
    if fields.format not in ReportFormat.values:
        raise SubscriptionError(f"unknown format {fields.format!r}")
    if not fields.recipients and not fields.emails:
        raise SubscriptionError("name at least one recipient: a user or an e-mail address")


def _snapshot(s: ReportSubscription) -> dict[str, Any]:
    return {
        "name": s.name,
        "team": s.team.name if s.team else None,
        "recipients": sorted(s.recipients.values_list("username", flat=True)),
        "emails": s.emails.splitlines(),
        "weekday": s.weekday,
        "hour": s.hour,
        "time_zone": s.time_zone,
        "format": s.format,
        "active": s.active,
    }


def _apply(s: ReportSubscription, fields: SubscriptionFields) -> None:
    s.name = fields.name.strip()
    s.team = fields.team
    s.emails = "\n".join(fields.emails)
    s.weekday = fields.weekday
    s.hour = fields.hour
    s.time_zone = fields.time_zone
    s.format = fields.format
    s.active = fields.active


def subscription_create(
    *, fields: SubscriptionFields, actor: User, via: str = ""
) -> ReportSubscription:
    _check(fields)
    with transaction.atomic():
        if ReportSubscription.objects.filter(name=fields.name.strip()).exists():
            raise SubscriptionError(f"there is a list named {fields.name.strip()!r} already")
        subscription = ReportSubscription(created_by=actor)
        _apply(subscription, fields)
        subscription.save()
        subscription.recipients.set(fields.recipients)
        audit_record(
            action="report_subscription_create",
            object_type=AUDIT_TYPE,
            object_id=subscription.pk,
            after=_snapshot(subscription),
            actor=actor,
            via=via,
        )
    return subscription


def subscription_update(
    *, subscription: ReportSubscription, fields: SubscriptionFields, actor: User, via: str = ""
) -> ReportSubscription:
    _check(fields)
    with transaction.atomic():
        clash = ReportSubscription.objects.filter(name=fields.name.strip()).exclude(
            pk=subscription.pk
        )
        if clash.exists():
            raise SubscriptionError(f"there is a list named {fields.name.strip()!r} already")
        before = _snapshot(subscription)
        _apply(subscription, fields)
        subscription.save()
        subscription.recipients.set(fields.recipients)
        audit_record(
            action="report_subscription_update",
            object_type=AUDIT_TYPE,
            object_id=subscription.pk,
            before=before,
            after=_snapshot(subscription),
            actor=actor,
            via=via,
        )
    return subscription


def subscription_delete(*, subscription: ReportSubscription, actor: User, via: str = "") -> None:
    with transaction.atomic():
        before = _snapshot(subscription)
        pk = subscription.pk
        subscription.delete()
        audit_record(
            action="report_subscription_delete",
            object_type=AUDIT_TYPE,
            object_id=pk,
            before=before,
            actor=actor,
            via=via,
        )


def subscription_addresses(subscription: ReportSubscription) -> list[str]:
    users = subscription.recipients.filter(is_active=True).exclude(email="")
    found = [*users.values_list("email", flat=True), *subscription.emails.splitlines()]
    return list(dict.fromkeys(a.strip() for a in found if a.strip()))


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def report_send(
    *, subscription: ReportSubscription, now: datetime | None = None, as_of: date | None = None
) -> ReportDelivery | None:
    """Sends this week's report to the list unless it went out already this week (then None).

    The report is the list's team's (or the organisation's), computed for the list, not for a
    person: only managers and admins make lists (`accounts.access.can_manage_report_lists`).
    """
    moment = now or timezone.now()
    addresses = subscription_addresses(subscription)
    if not addresses:
        return None
    week = week_of(_local(moment, subscription).date())
    if ReportDelivery.objects.filter(subscription=subscription, week_of=week).exists():
        return None
    scope = Scope.organisation(f"weekly report list {subscription.name}")
    team = subscription.team.name if subscription.team else ""
    report = weekly_report_build(scope=scope, as_of=as_of, team=team)
    message = report_email(
        report, to=addresses, attach_pdf=subscription.format == ReportFormat.HTML_AND_PDF
    )
    try:
        with transaction.atomic():
            delivery = ReportDelivery.objects.create(
                subscription=subscription,
                week_of=week,
                as_of=report.as_of,
                sent_at=moment,
                recipients="\n".join(addresses),
            )
            # Sent inside the transaction: a refused send leaves no row, and is retried.
            message.send()
    except IntegrityError:
        return None  # another worker sent it in the meantime
    return delivery


def subscriptions_due(*, now: datetime) -> Iterable[ReportSubscription]:
    """Active lists whose day and hour this week, in the list's time zone, have come and that
    were not sent this week (the week as the list's readers count it)."""
    lists = list(ReportSubscription.objects.filter(active=True).select_related("team"))
    weeks = {s.pk: week_of(_local(now, s).date()) for s in lists}
    sent = set(
        ReportDelivery.objects.filter(
            subscription__in=lists, week_of__in=set(weeks.values())
        ).values_list("subscription_id", "week_of")
    )
    for s in lists:
        local = _local(now, s)
        if (s.pk, weeks[s.pk]) not in sent and (local.weekday(), local.hour) >= (
            s.weekday,
            s.hour,
        ):
            yield s


def _local(moment: datetime, subscription: ReportSubscription) -> datetime:
    return moment.astimezone(ZoneInfo(subscription.time_zone))
