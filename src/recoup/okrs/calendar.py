"""OKR dates as iCalendar (RFC 5545), written by the `icalendar` library so that text is escaped
and long lines are folded as calendar apps expect.

A calendar holds a cycle's cadence (planning session, weekly check-ins, mid-cycle review,
end-of-cycle evaluation) and the due dates of key results and initiatives: all of them, only
those a person owns, or only those of one team. Every event is all-day and has a UID made of
what it is about, so a calendar app that reads the feed again updates its events instead of
adding new ones. Read-only, like `selectors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q
from icalendar import Calendar, Event, vRecur

from recoup.accounts.models import User
from recoup.okrs import scoring
from recoup.okrs.models import Cycle, Initiative, KeyResult
from recoup.okrs.selectors import LIVE_KEY_RESULTS

_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PRODUCT_ID = "-//Recoup//OKRs//EN"


@dataclass(frozen=True, slots=True)
class CalendarScope:
    """Whose due dates a calendar holds: everyone's (neither set), one person's own (the key
    results and initiatives they own, and the key results of objectives they own), or one
    team's. The cadence is in every calendar. Who may ask for which team is the caller's
    business (`board.board_filter`)."""

    owner: User | None = None
    team: str | None = None


EVERYONE = CalendarScope()


def _event(*, uid: str, day: date, summary: str, stamp: datetime, description: str = "") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    return event


def _cadence(cycle: Cycle, host: str, stamp: datetime) -> list[Event]:
    events = []
    if cycle.planning_on:
        events.append(
            _event(
                uid=f"okr-cycle-{cycle.pk}-planning@{host}",
                day=cycle.planning_on,
                summary=f"{cycle.name}: planning session",
                stamp=stamp,
            )
        )
    checkins = scoring.checkin_due_dates(
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        weekday=cycle.checkin_weekday,
        until=cycle.ends_on,
    )
    if checkins:
        weekly = _event(
            uid=f"okr-cycle-{cycle.pk}-checkin@{host}",
            day=checkins[0],
            summary=f"{cycle.name}: weekly check-in",
            stamp=stamp,
        )
        weekly.add(
            "rrule",
            vRecur(freq="WEEKLY", byday=_ICAL_DAYS[cycle.checkin_weekday], until=cycle.ends_on),
        )
        events.append(weekly)
    if cycle.midcycle_review_on:
        events.append(
            _event(
                uid=f"okr-cycle-{cycle.pk}-review@{host}",
                day=cycle.midcycle_review_on,
                summary=f"{cycle.name}: mid-cycle review",
                stamp=stamp,
            )
        )
    if cycle.evaluation_on:
        events.append(
            _event(
                uid=f"okr-cycle-{cycle.pk}-evaluation@{host}",
                day=cycle.evaluation_on,
                summary=f"{cycle.name}: end-of-cycle evaluation",
                stamp=stamp,
            )
        )
    return events


def _key_results(cycle: Cycle, scope: CalendarScope) -> Iterable[KeyResult]:
    found = KeyResult.objects.filter(LIVE_KEY_RESULTS, objective__cycle=cycle)
    if scope.owner is not None:
        found = found.filter(Q(owner=scope.owner) | Q(objective__owner=scope.owner))
    if scope.team is not None:
        found = found.filter(objective__team__name=scope.team)
    return found.select_related("objective").order_by("objective__position", "position", "id")


def _initiatives(cycle: Cycle, scope: CalendarScope) -> Iterable[Initiative]:
    found = Initiative.objects.filter(
        archived_at__isnull=True,
        due_on__isnull=False,
        key_result__archived_at__isnull=True,
        key_result__objective__archived_at__isnull=True,
        key_result__objective__cycle=cycle,
    )
    if scope.owner is not None:
        found = found.filter(owner=scope.owner)
    if scope.team is not None:
        found = found.filter(key_result__objective__team__name=scope.team)
    return found.select_related("key_result").order_by("due_on", "id")


def _due_dates(cycle: Cycle, scope: CalendarScope, host: str, stamp: datetime) -> list[Event]:
    events = []
    for kr in _key_results(cycle, scope):
        events.append(
            _event(
                uid=f"okr-key-result-{kr.pk}-due@{host}",
                # No due date of its own: the key result is due when the cycle ends.
                day=kr.due_on or cycle.ends_on,
                summary=f"Key result due: {kr.title}",
                description=f"Objective: {kr.objective.title}\nCycle: {cycle.name}",
                stamp=stamp,
            )
        )
    for initiative in _initiatives(cycle, scope):
        assert initiative.due_on is not None  # filtered above
        events.append(
            _event(
                uid=f"okr-initiative-{initiative.pk}-due@{host}",
                day=initiative.due_on,
                summary=f"Initiative due: {initiative.title}",
                description=f"Key result: {initiative.key_result.title}\nCycle: {cycle.name}",
                stamp=stamp,
            )
        )
    return events


def calendar_build(
    *, cycles: Sequence[Cycle], name: str, host: str, scope: CalendarScope = EVERYONE
) -> bytes:
    """The iCalendar text of `cycles`' cadence and of the due dates in `scope`."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for cycle in cycles:
        # The stamp is the cycle's creation: the same feed reads the same, byte for byte, until
        # something in it changes.
        stamp = cycle.created_at.astimezone(UTC)
        for event in [*_cadence(cycle, host, stamp), *_due_dates(cycle, scope, host, stamp)]:
            calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def cycle_calendar(*, cycle: Cycle, host: str = "recoup", scope: CalendarScope = EVERYONE) -> str:
    """One cycle's calendar: its cadence and the due dates in `scope` (everyone's by default)."""
    return calendar_build(
        cycles=[cycle], name=f"OKRs {cycle.name}", host=host, scope=scope
    ).decode()


def feed_cycles(*, today: date) -> list[Cycle]:
    """The cycles a subscribed calendar follows: the running and coming ones, and those that
    ended within the last quarter (their evaluation may still be ahead)."""
    return list(
        Cycle.objects.filter(ends_on__gte=today - timedelta(days=92)).order_by("starts_on", "id")
    )


def feed_name(scope: CalendarScope) -> str:
    if scope.team is not None:
        return f"Recoup OKRs: team {scope.team}"
    return "Recoup OKRs: my dates"
