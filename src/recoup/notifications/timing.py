"""When a held message may go out: quiet hours and the digest hour, read in the person's own time
zone (a quiet night in Sydney is the middle of the day in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(at: time, *, quiet_from: time, quiet_until: time) -> bool:
    """Quiet hours may run over midnight (22:00 to 07:00); equal ends mean none."""
    if quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= at < quiet_until
    return at >= quiet_from or at < quiet_until


def _next_local(now: datetime, zone: ZoneInfo, at: time) -> datetime:
    """The first moment after `now` whose wall-clock time in `zone` is `at`, in UTC."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def quiet_until_after(
    now: datetime, *, zone: ZoneInfo, quiet_from: time | None, quiet_until: time | None
) -> datetime | None:
    """When the quiet hours `now` falls in end (UTC); None when `now` is not in quiet hours."""
    if quiet_from is None or quiet_until is None:
        return None
    local = now.astimezone(zone).time().replace(tzinfo=None)
    if not in_quiet_hours(local, quiet_from=quiet_from, quiet_until=quiet_until):
        return None
    return _next_local(now, zone, quiet_until)


def next_digest_at(
    now: datetime,
    *,
    zone: ZoneInfo,
    digest_at: time,
    quiet_from: time | None,
    quiet_until: time | None,
) -> datetime:
    """The next digest hour after `now`; moved to the end of quiet hours if it falls in them."""
    due = _next_local(now, zone, digest_at)
    return quiet_until_after(due, zone=zone, quiet_from=quiet_from, quiet_until=quiet_until) or due
