"""Readers for the web shell: the login lock-out state."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from recoup.web.models import LoginAttempt


def login_window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_slots_taken(*, username: str, ip: str, now: datetime) -> dict[int, datetime]:
    """The slots of `username` from `ip` whose attempt is still in the window, with its time."""
    limit: int = settings.LOGIN_MAX_FAILURES
    return dict(
        LoginAttempt.objects.filter(
            username=username.lower(), ip=ip, slot__lte=limit, at__gt=now - login_window()
        ).values_list("slot", "at")
    )


def login_locked_until(*, username: str, ip: str, now: datetime | None = None) -> datetime | None:
    """When the lock on `username` from `ip` ends, or None if a log-in may be tried now.

    Locked while all `LOGIN_MAX_FAILURES` slots hold an attempt from the last
    `LOGIN_LOCKOUT_MINUTES` (failed, or still being checked); the lock lifts when the oldest of
    them leaves the window.
    """
    now = now or timezone.now()
    taken = login_slots_taken(username=username, ip=ip, now=now)
    if len(taken) < settings.LOGIN_MAX_FAILURES:
        return None
    return min(taken.values()) + login_window()
