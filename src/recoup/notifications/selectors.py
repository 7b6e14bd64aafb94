"""Reading notifications and choices. Everything here is about one person: their own
notifications, their own choices; nobody reads another's."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from recoup.accounts.models import User
from recoup.notifications.events import DEFAULT_CHANNELS
from recoup.notifications.models import (
    Channel,
    EventChoice,
    EventKind,
    Notification,
    Preference,
    TeamWebhook,
)

PAGE_SIZE = 100


def preference_of(user: User) -> Preference:
    """The person's saved choices, or the defaults (not saved) when they have none."""
    found = Preference.objects.filter(user=user).first()
    if found is not None:
        return found
    return Preference(
        user=user, time_zone=settings.TIME_ZONE, digest_at=time(8, 0), updated_at=timezone.now()
    )


def zone_of(preference: Preference) -> ZoneInfo:
    try:
        return ZoneInfo(preference.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def channels_by_event(user: User) -> dict[EventKind, frozenset[Channel]]:
    chosen = {
        c.event: frozenset(
            ch
            for ch, on in (
                (Channel.EMAIL, c.email),
                (Channel.CHAT, c.chat),
                (Channel.IN_APP, c.in_app),
            )
            if on
        )
        for c in EventChoice.objects.filter(user=user)
    }
    return {event: chosen.get(event.value, DEFAULT_CHANNELS) for event in EventKind}


def channels_for(user: User, event: EventKind) -> frozenset[Channel]:
    return channels_by_event(user)[event]


def chat_target(user: User, preference: Preference) -> tuple[str, str] | None:
    """(webhook address, format) for the person's chat messages: their own webhook, else the
    first of their teams' webhooks; None when there is none."""
    if preference.chat_webhook_url:
        return preference.chat_webhook_url, preference.chat_format
    team_hook = (
        TeamWebhook.objects.filter(team__memberships__user=user).order_by("team__name").first()
    )
    if team_hook is None:
        return None
    return team_hook.url, team_hook.chat_format


def notifications_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    found = Notification.objects.filter(user=user, in_app=True)
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return notifications_of(user, unread_only=True).count()


def team_webhooks() -> QuerySet[TeamWebhook]:
    return TeamWebhook.objects.select_related("team").order_by("team__name")


def last_notified_at(user: User, event: EventKind) -> datetime | None:
    """When `user` was last told about `event`: producers that report "what is new since"
    start from here."""
    found: datetime | None = (
        Notification.objects.filter(user=user, event=event)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return found
