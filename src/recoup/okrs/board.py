"""The OKR board as people read it: each key result from → to in its unit, owners by name, the
last check-in in words, a small trend, initiatives under their objective, and the filters by team
and "mine". Read-only, built on `selectors.cycle_status` (which computes every number).

Who may filter by which team follows `docs/access.md`: OKRs are open to everyone signed in, but a
filter that reaches outside a person's own teams (`team=South` for a collector of North) is
refused, not answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from recoup.accounts.access import AnyUser
from recoup.accounts.models import Team
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.numbers import DecimalMark
from recoup.core.quantities import quantity_text
from recoup.metrics.contracts import MetricInfo
from recoup.okrs import kpi
from recoup.okrs.honesty import Flag, flags_for
from recoup.okrs.kr_words import aim_text, kind_text, measure_of
from recoup.okrs.models import Confidence, Cycle, InitiativeStatus, Priority
from recoup.okrs.selectors import (
    CycleStatus,
    InitiativeView,
    KeyResultState,
    ObjectiveState,
    cycle_status,
)

SPARK_WIDTH = 100
SPARK_HEIGHT = 24
_TRUE = frozenset({"1", "on", "true", "yes"})


@dataclass(frozen=True, slots=True)
class BoardFilter:
    team: str | None
    mine: bool
    teams: list[str]  # the teams this person may filter by

    @property
    def active(self) -> bool:
        return bool(self.team) or self.mine


def board_filter(user: AnyUser, *, team: str, mine: str) -> BoardFilter:
    """The board's filters from the query string, held to the person's teams."""
    scope = scope_for(user)
    teams = Team.objects.order_by("name")
    if not scope.sees_all:
        teams = teams.filter(pk__in=scope.team_ids)
    names = list(teams.values_list("name", flat=True))
    team = team.strip()
    if team and team not in names:
        if scope.sees_all:
            raise NotFoundError(f"there is no team {team!r}")
        # Unknown and someone else's read alike: no probing of other teams.
        raise AccessDeniedError(
            f"team {team!r} is not one of yours: the board filters by your own teams"
        )
    return BoardFilter(team=team or None, mine=mine.strip().lower() in _TRUE, teams=names)


@dataclass(frozen=True, slots=True)
class Sparkline:
    points: str  # SVG polyline points in a 100 by 24 box
    last_x: float
    last_y: float
    summary: str  # the same trend in words, for screen readers and as a tooltip


@dataclass(frozen=True, slots=True)
class KeyResultRow:
    state: KeyResultState
    kind: str
    measure: str  # the bound KPI's catalogue title, or "checked in by hand"
    measure_help: str  # the catalogue's description of it
    from_to: str
    latest: str
    owner: str
    progress_text: str
    last_checkin: str  # "Nina North, 3 days ago, on track", or ""
    trend: Sparkline | None
    flag: Flag | None = None  # called on track while the data says otherwise


@dataclass(frozen=True, slots=True)
class InitiativeRow:
    title: str
    key_result: str
    owner: str
    due_on: date | None
    overdue: bool
    priority: str
    status: str


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    state: ObjectiveState
    owner: str
    progress: float | None  # never below zero on the page
    progress_text: str
    below_zero_text: str  # why 0 % is shown, when the weighted progress is negative
    key_results: list[KeyResultRow]
    initiatives: list[InitiativeRow]


@dataclass(frozen=True, slots=True)
class Board:
    status: CycleStatus
    objectives: list[ObjectiveRow]
    filter: BoardFilter

    @property
    def progress_text(self) -> str:
        progress = self.status.progress
        return percent_text(None if progress is None else max(0.0, progress))


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def when_text(day: date, today: date) -> str:
    """A past day in words: "today", "yesterday", "3 days ago", "2 weeks ago", "on 3 Jun"."""
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"on {day.day} {day:%b %Y}"


def sparkline(state: KeyResultState, *, mark: DecimalMark) -> Sparkline | None:
    """The counted check-in values in data-date order, scaled into a small box; None below two."""
    values = [v for _, v in state.trend]
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span = high - low or Decimal(1)
    step = Decimal(SPARK_WIDTH - 4) / (len(values) - 1)
    coords = [
        (
            float(2 + step * i),
            float(SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4)),
        )
        for i, v in enumerate(values)
    ]
    first, last = values[0], values[-1]
    direction = "rising" if last > first else "falling" if last < first else "flat"
    summary = (
        f"Trend of {len(values)} check-ins, {direction}: from "
        f"{quantity_text(first, state.unit, decimal_mark=mark)} to "
        f"{quantity_text(last, state.unit, decimal_mark=mark)}"
    )
    return Sparkline(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        last_x=round(coords[-1][0], 1),
        last_y=round(coords[-1][1], 1),
        summary=summary,
    )


def _key_result_row(
    s: KeyResultState, today: date, mark: DecimalMark, kpis: Mapping[str, MetricInfo]
) -> KeyResultRow:
    measure = measure_of(s, kpis)
    last = ""
    if s.last_checkin_on is not None:
        parts = [s.last_checkin_by or "", when_text(s.last_checkin_on, today)]
        if s.last_checkin_confidence:
            c = s.last_checkin_confidence
            parts.append(Confidence(c).label.lower() if c in Confidence.values else c)
        last = ", ".join(p for p in parts if p)
    progress = None if s.progress is None else max(0.0, s.progress)
    return KeyResultRow(
        state=s,
        kind=kind_text(s.kind),
        measure=measure.title,
        measure_help=measure.description,
        from_to=aim_text(s, mark=mark),
        latest=quantity_text(s.latest_value, s.unit, decimal_mark=mark),
        owner=s.owner_name or "nobody yet",
        progress_text=percent_text(progress),
        last_checkin=last,
        trend=sparkline(s, mark=mark),
    )


def _initiative_row(i: InitiativeView, key_result: str, today: date) -> InitiativeRow:
    open_ = i.status in (InitiativeStatus.TO_DO, InitiativeStatus.IN_PROGRESS)
    return InitiativeRow(
        title=i.title,
        key_result=key_result,
        owner=i.owner_name or "nobody yet",
        due_on=i.due_on,
        overdue=open_ and i.due_on is not None and i.due_on < today,
        priority=Priority(i.priority).label if i.priority in Priority.values else i.priority,
        status=InitiativeStatus(i.status).label
        if i.status in InitiativeStatus.values
        else i.status,
    )


def _objective_row(
    o: ObjectiveState, today: date, mark: DecimalMark, kpis: Mapping[str, MetricInfo]
) -> ObjectiveRow:
    below_zero = ""
    progress = o.progress
    if progress is not None and progress < 0:
        below_zero = (
            f"Weighted over its key results, this objective has moved away from its targets "
            f"({round(progress * 100)} % of the way). Progress is shown as 0 %: it counts from "
            f"where the cycle started, and the key results below say which ones went backwards."
        )
        progress = 0.0
    return ObjectiveRow(
        state=o,
        owner=o.owner_name or "nobody yet",
        progress=progress,
        progress_text=percent_text(progress),
        below_zero_text=below_zero,
        key_results=[_key_result_row(k, today, mark, kpis) for k in o.key_results],
        initiatives=[
            _initiative_row(i, k.title, today) for k in o.key_results for i in k.initiatives
        ],
    )


def _is_mine(o: ObjectiveState, username: str) -> ObjectiveState | None:
    """`o` as "mine" sees it: whole when I own it, else only the key results I own or hold an
    initiative of; None when nothing in it is mine."""
    if o.owner == username:
        return o
    krs = [
        k
        for k in o.key_results
        if k.owner == username or any(i.owner == username for i in k.initiatives)
    ]
    if not krs:
        return None
    return replace(o, key_results=krs)


def board_read(
    *,
    cycle: Cycle,
    chosen: BoardFilter,
    username: str,
    mark: DecimalMark,
    today: date | None = None,
) -> Board:
    status = cycle_status(cycle=cycle, today=today, team=chosen.team)
    states = status.objectives
    if chosen.mine:
        states = [m for o in states if (m := _is_mine(o, username)) is not None]
    on = status.as_of
    kpis = kpi.kpi_definitions()
    rows = [_objective_row(o, on, mark, kpis) for o in states]
    flags = flags_for([r.state for o in rows for r in o.key_results], today=on)
    for o in rows:
        o.key_results[:] = [replace(r, flag=flags.get(r.state.id)) for r in o.key_results]
    return Board(status=status, objectives=rows, filter=chosen)
