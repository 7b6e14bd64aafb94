"""Readers for the web shell: the login lock-out state."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from recoup.web.models import LoginFailure


def login_window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_locked_until(*, username: str, ip: str, now: datetime | None = None) -> datetime | None:
    """When the lock on `username` from `ip` ends, or None if a log-in may be tried now.

    Locked once `LOGIN_MAX_FAILURES` failures fall within the last `LOGIN_LOCKOUT_MINUTES`; the
    lock lifts when the oldest of those failures leaves the window.
    """
    now = now or timezone.now()
    limit: int = settings.LOGIN_MAX_FAILURES
    recent = list(
        LoginFailure.objects.filter(username=username.lower(), ip=ip, at__gt=now - login_window())
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + login_window()
