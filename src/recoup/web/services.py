"""Writers for the web shell: recording and clearing failed log-ins."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recoup.accounts.services import audit_record
from recoup.web.models import LoginFailure
from recoup.web.selectors import login_locked_until, login_window


@transaction.atomic
def login_failure_record(*, username: str, ip: str, now: datetime | None = None) -> datetime | None:
    """Count one failed log-in; return when the resulting lock ends, if this failure locked it."""
    now = now or timezone.now()
    key = username.lower()
    # Expired failures of this key no longer count: drop them so the table stays small.
    LoginFailure.objects.filter(username=key, ip=ip, at__lte=now - login_window()).delete()
    LoginFailure.objects.create(username=key, ip=ip, at=now)
    locked_until = login_locked_until(username=key, ip=ip, now=now)
    audit_record(
        action="login_locked" if locked_until else "login_failed",
        object_type="login",
        object_id=key,
        after={"ip": ip, **({"locked_until": locked_until.isoformat()} if locked_until else {})},
        via="web",
    )
    return locked_until


@transaction.atomic
def login_failures_clear(*, username: str, ip: str) -> int:
    """Forget the failures of `username` from `ip` after a successful log-in."""
    deleted, _ = LoginFailure.objects.filter(username=username.lower(), ip=ip).delete()
    return deleted
