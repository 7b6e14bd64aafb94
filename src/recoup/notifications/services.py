"""The only writers of notifications: sending one (to every channel the person chose, once per
key), reading them, and changing a person's choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.accounts.models import Team, User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.notifications.delivery import deliveries_send
from recoup.notifications.messages import ALL_EVENTS
from recoup.notifications.models import (
    Channel,
    ChatFormat,
    Delivery,
    DeliveryStatus,
    EventChoice,
    EventKind,
    Notification,
    Preference,
    TeamWebhook,
)
from recoup.notifications.selectors import channels_by_event, channels_for, preference_of, zone_of
from recoup.notifications.timing import next_digest_at, quiet_until_after


class NotificationRuleError(RecoupError, ValueError):
    """A choice that cannot be saved (an unknown time zone, a webhook that is no web address)."""


def _first_status(
    channel: Channel, preference: Preference, now: datetime
) -> tuple[DeliveryStatus, datetime | None]:
    if channel == Channel.IN_APP:
        return DeliveryStatus.SENT, None
    zone = zone_of(preference)
    quiet = (preference.quiet_from, preference.quiet_until)
    if preference.digest:
        due = next_digest_at(
            now,
            zone=zone,
            digest_at=preference.digest_at,
            quiet_from=quiet[0],
            quiet_until=quiet[1],
        )
        return DeliveryStatus.DIGEST, due
    held_until = quiet_until_after(now, zone=zone, quiet_from=quiet[0], quiet_until=quiet[1])
    if held_until is not None:
        return DeliveryStatus.HELD, held_until
    return DeliveryStatus.PENDING, None


def notification_send(
    *,
    event: EventKind | str,
    user: User,
    subject: str,
    body: str,
    link: str = "",
    key: str,
    now: datetime | None = None,
) -> Notification | None:
    """Tell `user` about `event` through the channels they chose. `key` names the event, its
    object and its day ("checkin_due:kr:12:2026-07-06"): the same key to the same person is
    told once, however often a producer runs. Returns the new notification, or None when it
    was already told, the person chose no channel for this event, or cannot log in.

    E-mail and chat go out after the transaction commits (held for quiet hours or gathered into
    the digest if the person chose so); a failing channel is logged on its delivery."""
    kind = EventKind(event)
    if not user.is_active:
        return None
    channels = channels_for(user, kind)
    if not channels:
        return None
    now = now or timezone.now()
    preference = preference_of(user)
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user,
                    event=kind,
                    key=key[:200],
                    subject=subject[:200],
                    body=body,
                    link=link[:500],
                    created_at=now,
                    in_app=Channel.IN_APP in channels,
                )
        except IntegrityError:
            return None
        rows = []
        for channel in sorted(channels):
            status, due = _first_status(Channel(channel), preference, now)
            rows.append(
                Delivery(
                    notification=notification,
                    channel=channel,
                    status=status,
                    due_at=due,
                    updated_at=now,
                    sent_at=now if status == DeliveryStatus.SENT else None,
                )
            )
        Delivery.objects.bulk_create(rows)
        pending = [
            d.pk
            for d in Delivery.objects.filter(
                notification=notification, status=DeliveryStatus.PENDING
            )
        ]
        if pending:
            transaction.on_commit(lambda: deliveries_send(ids=pending), robust=True)
    return notification


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Marks one of the person's own notifications read; False when there is no such unread one."""
    return bool(
        Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise NotificationRuleError(f"{name!r} is not a time zone such as Europe/Berlin") from error
    return name


def _webhook(url: str) -> str:
    url = url.strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise NotificationRuleError("A chat webhook must be an http:// or https:// address.")
    return url


def _preference_json(preference: Preference) -> dict[str, object]:
    return {
        "time_zone": preference.time_zone,
        "quiet_from": preference.quiet_from.isoformat() if preference.quiet_from else None,
        "quiet_until": preference.quiet_until.isoformat() if preference.quiet_until else None,
        "digest": preference.digest,
        "digest_at": preference.digest_at.isoformat()
        if isinstance(preference.digest_at, time)
        else str(preference.digest_at),
        # The address is a secret of sorts (anyone with it can post): only whether there is one.
        "chat_webhook": bool(preference.chat_webhook_url),
        "chat_format": preference.chat_format,
    }


def _choices_json(choices: Mapping[EventKind, frozenset[Channel]]) -> dict[str, list[str]]:
    return {event.value: sorted(ch.value for ch in chosen) for event, chosen in choices.items()}


def preference_set(
    *,
    user: User,
    time_zone: str,
    quiet_from: time | None,
    quiet_until: time | None,
    digest: bool,
    digest_at: time,
    chat_webhook_url: str,
    chat_format: str,
    choices: Mapping[EventKind, Sequence[Channel]],
    actor: User | None = None,
    via: str = "",
) -> Preference:
    """Saves a person's choices: general ones and the channels per event (events not in
    `choices` keep theirs)."""
    if (quiet_from is None) != (quiet_until is None):
        raise NotificationRuleError("Quiet hours need both a start and an end.")
    if chat_format not in ChatFormat.values:
        raise NotificationRuleError(f"{chat_format!r} is not a chat format")
    with transaction.atomic():
        before_pref = _preference_json(preference_of(user))
        before_choices = _choices_json(channels_by_event(user))
        preference, _ = Preference.objects.update_or_create(
            user=user,
            defaults={
                "time_zone": _zone_name(time_zone),
                "quiet_from": quiet_from,
                "quiet_until": quiet_until,
                "digest": digest,
                "digest_at": digest_at,
                "chat_webhook_url": _webhook(chat_webhook_url),
                "chat_format": chat_format,
                "updated_at": timezone.now(),
            },
        )
        for event, channels in choices.items():
            EventChoice.objects.update_or_create(
                user=user,
                event=EventKind(event),
                defaults={
                    "email": Channel.EMAIL in channels,
                    "chat": Channel.CHAT in channels,
                    "in_app": Channel.IN_APP in channels,
                },
            )
        after_pref = _preference_json(preference)
        after_choices = _choices_json(channels_by_event(user))
        if (before_pref, before_choices) != (after_pref, after_choices):
            audit_record(
                action="notify_preference_set",
                object_type="user",
                object_id=user.pk,
                before={**before_pref, "channels": before_choices},
                after={**after_pref, "channels": after_choices},
                actor=actor,
                via=via,
            )
    return preference


def email_unsubscribe(*, user: User, event: str, via: str = "unsubscribe") -> list[EventKind]:
    """Turns e-mail off for one event (or every event, `ALL_EVENTS`); returns the events whose
    e-mail was on. Other channels stay as they were."""
    events = list(EventKind) if event == ALL_EVENTS else [EventKind(event)]
    with transaction.atomic():
        current = channels_by_event(user)
        turned_off = [e for e in events if Channel.EMAIL in current[e]]
        for e in turned_off:
            EventChoice.objects.update_or_create(
                user=user,
                event=e,
                defaults={
                    "email": False,
                    "chat": Channel.CHAT in current[e],
                    "in_app": Channel.IN_APP in current[e],
                },
            )
        if turned_off:
            audit_record(
                action="notify_unsubscribe",
                object_type="user",
                object_id=user.pk,
                before={"email": [e.value for e in turned_off]},
                after={"email": []},
                actor=user,
                via=via,
            )
    return turned_off


def team_webhook_set(
    *, team: Team, url: str, chat_format: str, actor: User | None = None, via: str = ""
) -> TeamWebhook | None:
    """Sets (or with an empty `url`, removes) a team's chat webhook."""
    url = _webhook(url)
    if chat_format not in ChatFormat.values:
        raise NotificationRuleError(f"{chat_format!r} is not a chat format")
    with transaction.atomic():
        existing = TeamWebhook.objects.filter(team=team).first()
        before = {"chat_format": existing.chat_format} if existing else None
        if not url:
            if existing is None:
                return None
            existing.delete()
            audit_record(
                action="notify_team_webhook_set",
                object_type="team",
                object_id=team.pk,
                before=before,
                after=None,
                actor=actor,
                via=via,
            )
            return None
        hook, _ = TeamWebhook.objects.update_or_create(
            team=team,
            defaults={"url": url, "chat_format": chat_format, "updated_at": timezone.now()},
        )
        audit_record(
            action="notify_team_webhook_set",
            object_type="team",
            object_id=team.pk,
            before=before,
            after={"chat_format": hook.chat_format},
            actor=actor,
            via=via,
        )
    return hook
