"""Readers of the report lists and their sent log (the report's content is `weekly.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from recoup.accounts.names import person_name
from recoup.reports.models import ReportSubscription


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    name: str
    team: str
    recipients: list[str]
    when: str
    format: str
    active: bool
    last_sent: datetime | None


def subscriptions_list() -> list[ListRow]:
    found = (
        ReportSubscription.objects.select_related("team")
        .prefetch_related("recipients")
        .annotate(last_sent=Max("deliveries__sent_at"))
    )
    return [
        ListRow(
            id=s.pk,
            name=s.name,
            team=s.team.name if s.team else "Whole organisation",
            recipients=[person_name(u) for u in s.recipients.all()] + s.emails.splitlines(),
            when=f"{s.get_weekday_display()}s at {s.hour:02d}:00 {s.time_zone.replace('_', ' ')}",
            format=s.get_format_display(),
            active=s.active,
            last_sent=s.last_sent,
        )
        for s in found
    ]
