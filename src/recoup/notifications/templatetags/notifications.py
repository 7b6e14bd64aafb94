"""The bell in the top bar: a link to the notifications page with the unread count."""

from __future__ import annotations

from typing import Any

from django import template

from recoup.accounts.models import User
from recoup.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html")
def notification_bell(user: Any) -> dict[str, Any]:
    count = unread_count(user) if isinstance(user, User) and user.is_authenticated else 0
    return {"unread": count}
