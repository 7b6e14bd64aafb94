"""What a notification says on the outward channels: the e-mail's two parts and the chat text,
each with an absolute link and a signed unsubscribe address."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.notifications.channels import Message
from recoup.notifications.models import EventKind, Notification

UNSUBSCRIBE_SALT = "recoup.notifications.unsubscribe"
# In an unsubscribe token: every event's e-mail (a digest mixes several events).
ALL_EVENTS = "*"


def absolute(link: str) -> str:
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    return settings.BASE_URL + "/" + link.lstrip("/")


def unsubscribe_token(*, user_id: int, event: str) -> str:
    # Unsigned time: an unsubscribe link in an old e-mail must still work.
    return signing.dumps({"u": user_id, "e": event}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, event or ALL_EVENTS) from a token; raises signing.BadSignature when forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict):
        raise signing.BadSignature("not an unsubscribe token")
    user_id, event = data.get("u"), data.get("e")
    if not isinstance(user_id, int) or not isinstance(event, str):
        raise signing.BadSignature("not an unsubscribe token")
    if event != ALL_EVENTS and event not in EventKind.values:
        raise signing.BadSignature("not an unsubscribe token")
    return user_id, event


def unsubscribe_url(*, user_id: int, event: str) -> str:
    token = unsubscribe_token(user_id=user_id, event=event)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def single_message(notification: Notification, user: User) -> Message:
    event_label = EventKind(notification.event).label
    unsubscribe = unsubscribe_url(user_id=user.pk, event=notification.event)
    context = {
        "name": person_name(user),
        "subject": notification.subject,
        "body": notification.body,
        "url": absolute(notification.link),
        "event_label": event_label,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute(reverse("notifications:settings")),
    }
    return Message(
        subject=notification.subject,
        text=render_to_string("notifications/email.txt", context),
        html=render_to_string("notifications/email.html", context),
        url=context["url"],
        unsubscribe_url=unsubscribe,
    )


def digest_message(notifications: Sequence[Notification], user: User) -> Message:
    unsubscribe = unsubscribe_url(user_id=user.pk, event=ALL_EVENTS)
    items = [{"subject": n.subject, "body": n.body, "url": absolute(n.link)} for n in notifications]
    count = len(items)
    subject = f"Recoup digest: {count} notification{'s' if count != 1 else ''}"
    context = {
        "name": person_name(user),
        "subject": subject,
        "items": items,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute(reverse("notifications:settings")),
    }
    return Message(
        subject=subject,
        text=render_to_string("notifications/digest.txt", context),
        html=render_to_string("notifications/digest.html", context),
        url=absolute(reverse("notifications:index")),
        unsubscribe_url=unsubscribe,
    )
