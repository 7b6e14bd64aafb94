"""The weekly report's content: headline KPIs against target, last week and last year, the OKR
board, what is at risk and why, the drivers and movements of the week, and the accounts that
rolled into 90+ days.

Every number is asked of the KPI engine through `recoup.metrics.selectors`, the readers the
dashboard calls, with the same default variants and the same periods (stocks as of the day, flows
month to date), so a figure here equals the dashboard's tile for the same day. Nothing here
computes a KPI: it only chooses the days and groups to ask about and compares the answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from recoup.accounts.models import Team, User
from recoup.accounts.names import person_name
from recoup.accounts.scope import Scope, scope_check_filters, scope_team_names
from recoup.core.charts import Bar, SeriesPoint, bar_spec, trend_spec
from recoup.core.errors import NotFoundError
from recoup.core.formatting import delta_text, unit_label, with_unit
from recoup.ledger.models import Customer
from recoup.metrics.catalogue import CATALOGUE, MetricInputError
from recoup.metrics.compiler import bucket_labels
from recoup.metrics.contracts import Direction
from recoup.metrics.evaluate import Result, months_before
from recoup.metrics.selectors import (
    AnyEngine,
    metric_defaults,
    metric_drivers,
    metric_engine,
    metric_query,
    metric_series,
    with_defaults,
)
from recoup.okrs.honesty import Flag, flags_for
from recoup.okrs.models import Cycle
from recoup.okrs.scoring import Status
from recoup.okrs.selectors import CycleStatus, KeyResultState, cycle_status
from recoup.worklist.forecast import cash_forecast_kept
from recoup.worklist.forecast_display import (
    SourceTotal,
    forecast_sentence,
    forecast_spec,
    source_totals,
)

# The headline, in the dashboard's own metrics and variants.
HEADLINE = ("cash_collected", "dso", "cei", "ar_90_plus", "pct_90_plus")
TREND_METRICS = ("dso", "cei", "cash_collected")
TREND_MONTHS = 13
WEEK = timedelta(days=7)
# The same weekday a year earlier: 52 weeks, so a Monday compares with a Monday.
YEAR = timedelta(days=364)
TOP = 10
SHORT_TITLES = {
    "cash_collected": "Cash collected, month to date",
    "dso": "DSO",
    "cei": "CEI, month to date",
    "ar_90_plus": "90+ days balance",
    "pct_90_plus": "90+ days share",
}
WEEK_CASH_TITLE = "Cash collected this week"
RISKY = (Status.AT_RISK, Status.OFF_TRACK)


@dataclass(frozen=True, slots=True)
class Figure:
    metric: str
    title: str
    unit: str
    value: Decimal | None
    week_ago: Decimal | None
    last_year: Decimal | None
    target: Decimal | None
    target_ref: str
    value_text: str
    change_text: str
    change_class: str  # good, bad or flat: the colour follows the metric's direction
    week_ago_text: str
    last_year_text: str
    target_text: str


@dataclass(frozen=True, slots=True)
class Movement:
    key: str  # team name or collector's person name
    cells: list[tuple[str, str, str]]  # per HEADLINE metric: value, change, change class


@dataclass(frozen=True, slots=True)
class Driver:
    metric: str
    title: str
    change_text: str
    parts: list[tuple[str, str]]  # team, its part of the change
    note: str


@dataclass(frozen=True, slots=True)
class Rolled:
    customer: str
    rolled_text: str
    balance_text: str
    rolled: Decimal


@dataclass(frozen=True, slots=True)
class RiskItem:
    ref: str
    title: str
    objective: str
    owner: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class BoardRow:
    objective: str
    team: str
    status: str
    progress_text: str
    key_results: list[tuple[str, str, str, str]]  # title, status, progress, latest value


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    as_of: date
    week_from: date
    data_as_of: date | None
    organisation_label: str
    team: str | None
    figures: list[Figure]
    cycle: str
    board: list[BoardRow]
    risks: list[RiskItem]
    drivers: list[Driver]
    movement_headers: list[str]
    by_team: list[Movement]
    by_collector: list[Movement]
    rolled: list[Rolled]
    aging_spec: dict[str, Any]
    trend_specs: list[tuple[str, dict[str, Any]]]
    headline_values: dict[str, Decimal | None] = field(default_factory=dict)
    # What we will collect: the cash forecast of the report's debtors (the dashboard's card).
    forecast_sentence: str = ""
    forecast_spec: dict[str, Any] = field(default_factory=dict)
    forecast_sources: list[SourceTotal] = field(default_factory=list)
    # Reported green, data red: key results a person calls on track while the data does not.
    green_red: list[Flag] = field(default_factory=list)


def report_team(scope: Scope, team: str) -> str | None:
    """The team a report is about: the one asked for (refused beyond `scope`), else a scoped
    reader's only team, else None for everything `scope` sees."""
    team = team.strip()
    if team:
        if scope.sees_all and not Team.objects.filter(name=team).exists():
            raise NotFoundError(f"there is no team {team!r}")
        scope_check_filters(scope, {"team": (team,)})
        return team
    allowed = scope_team_names(scope)
    return allowed[0] if not scope.sees_all and len(allowed) == 1 else None


def weekly_report_build(*, scope: Scope, as_of: date | None = None, team: str = "") -> WeeklyReport:
    """The weekly report for the week ending `as_of` (default: the latest date in the data)."""
    chosen = report_team(scope, team)
    filters: dict[str, tuple[str, ...]] = {"team": (chosen,)} if chosen else {}
    with metric_engine() as engine:
        fresh = engine.freshness()
        day = as_of or fresh.data_as_of or timezone.localdate()
        days = (day, day - WEEK, day - YEAR)
        stocks = {d: _values(scope, HEADLINE, d, None, filters, engine) for d in days}
        weekly = {
            d: _values(scope, ("cash_collected",), d, d - WEEK + timedelta(days=1), filters, engine)
            for d in days
        }
        teams_now = _grouped(scope, "team", day, filters, engine)
        teams_before = _grouped(scope, "team", day - WEEK, filters, engine)
        coll_now = _grouped(scope, "collector", day, filters, engine)
        coll_before = _grouped(scope, "collector", day - WEEK, filters, engine)
        drivers = [_driver(scope, m, day, filters, engine) for m in HEADLINE]
        rolled = _rolled(scope, day, filters, engine)
        aging = metric_query(
            scope=scope,
            metrics=["ar_by_bucket"],
            as_of=day,
            dims=["bucket"],
            filters=filters,
            engine=engine,
        )
        series = metric_series(
            scope=scope,
            metrics=list(TREND_METRICS),
            start=months_before(day, TREND_MONTHS - 1).replace(day=1),
            end=day,
            grain="month",
            filters=filters,
            engine=engine,
        )
    statuses = _cycles(day, chosen)
    targets = _targets(statuses, chosen)
    figures = [
        _figure(
            "cash_collected",
            WEEK_CASH_TITLE,
            [weekly[d].get("cash_collected") for d in days],
            None,
        ),
        *(
            _figure(m, SHORT_TITLES[m], [stocks[d].get(m) for d in days], targets.get(m))
            for m in HEADLINE
        ),
    ]
    forecast = cash_forecast_kept(scope=scope, as_of=day, team=chosen)
    states = [kr for s in statuses for o in s.objectives for kr in o.key_results]
    flags = flags_for(states, today=day)
    return WeeklyReport(
        as_of=day,
        week_from=day - WEEK + timedelta(days=1),
        data_as_of=fresh.data_as_of,
        organisation_label=f"Team {chosen}" if chosen else _whole_label(scope),
        team=chosen,
        figures=figures,
        cycle=", ".join(s.cycle for s in statuses),
        board=_board(statuses),
        risks=_risks(statuses),
        drivers=drivers,
        movement_headers=[SHORT_TITLES[m] for m in HEADLINE],
        by_team=_movements(teams_now, teams_before, lambda k: k),
        by_collector=_movements(coll_now, coll_before, _collector_names(coll_now))[:TOP],
        rolled=rolled,
        aging_spec=_aging_spec(aging.results),
        trend_specs=[(_trend_title(m), _trend_spec(m, series.results)) for m in TREND_METRICS],
        headline_values={m: stocks[day].get(m) for m in HEADLINE},
        forecast_sentence=forecast_sentence(forecast),
        forecast_spec=forecast_spec(forecast),
        forecast_sources=source_totals(forecast),
        green_red=[flags[kr.id] for kr in states if kr.id in flags],
    )


def _whole_label(scope: Scope) -> str:
    if scope.sees_all:
        return "Whole organisation"
    return "Your teams (" + ", ".join(scope_team_names(scope)) + ")"


def _values(
    scope: Scope,
    metrics: Sequence[str],
    day: date,
    period_from: date | None,
    filters: Mapping[str, tuple[str, ...]],
    engine: AnyEngine,
) -> dict[str, Decimal | None]:
    result = metric_query(
        scope=scope,
        metrics=list(metrics),
        as_of=day,
        period_from=period_from,
        filters=filters,
        engine=engine,
    )
    return {r.metric: r.value for r in result.results}


def _grouped(
    scope: Scope, dim: str, day: date, filters: Mapping[str, tuple[str, ...]], engine: AnyEngine
) -> dict[str, dict[str, Decimal | None]]:
    result = metric_query(
        scope=scope, metrics=list(HEADLINE), as_of=day, dims=[dim], filters=filters, engine=engine
    )
    grouped: dict[str, dict[str, Decimal | None]] = defaultdict(dict)
    for r in result.results:
        grouped[r.dims.get(dim, "")][r.metric] = r.value
    return grouped


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return now - before if now is not None and before is not None else None


def _change_class(delta: Decimal | None, metric: str) -> str:
    if delta is None or delta == 0:
        return "flat"
    lower = CATALOGUE[metric].direction == Direction.LOWER_IS_BETTER
    return "good" if (delta < 0) == lower else "bad"


def _figure(
    metric: str, title: str, values: list[Decimal | None], target: KeyResultState | None
) -> Figure:
    unit = CATALOGUE[metric].unit
    now, week_ago, last_year = values
    delta = _change(now, week_ago)
    return Figure(
        metric=metric,
        title=title,
        unit=unit,
        value=now,
        week_ago=week_ago,
        last_year=last_year,
        target=target.target if target else None,
        target_ref=target.ref if target else "",
        value_text=with_unit(now, unit, compact=True),
        change_text=delta_text(delta, unit) or "—",
        change_class=_change_class(delta, metric),
        week_ago_text=with_unit(week_ago, unit, compact=True),
        last_year_text=with_unit(last_year, unit, compact=True),
        target_text=(
            f"{with_unit(target.target, unit, compact=True)} by {target.due_on:%d %b %Y}"
            if target and target.target is not None
            else "no key result"
        ),
    )


def _cycles(day: date, team: str | None) -> list[CycleStatus]:
    """Every cycle running on `day` (an organisation may run several side by side)."""
    running = Cycle.objects.filter(starts_on__lte=day, ends_on__gte=day).order_by("name")
    return [cycle_status(cycle=cycle, today=day, team=team) for cycle in running]


def _targets(statuses: list[CycleStatus], team: str | None) -> dict[str, KeyResultState]:
    """The key result bound to each headline KPI as the report counts it: the same metric and
    variant, over the same debtors (the team's, or everyone's)."""
    wanted = {"team": [team]} if team else {}
    defaults = metric_defaults()
    found: dict[str, KeyResultState] = {}
    for objective in (o for s in statuses for o in s.objectives):
        for kr in objective.key_results:
            if kr.metric not in HEADLINE or kr.metric in found or kr.target is None:
                continue
            same_variant = with_defaults(kr.metric, kr.metric_params, defaults) == with_defaults(
                kr.metric, {}, defaults
            )
            if same_variant and dict(kr.metric_filters) == wanted and not kr.metric_window_days:
                found[kr.metric] = kr
    return found


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _board(statuses: list[CycleStatus]) -> list[BoardRow]:
    return [
        BoardRow(
            objective=o.title,
            team=o.team or "Organisation",
            status=str(o.status),
            progress_text=_percent(o.progress),
            key_results=[
                (
                    kr.title,
                    str(kr.status),
                    _percent(kr.progress),
                    with_unit(kr.latest_value, kr.unit, compact=True)
                    if kr.unit in {"money", "days", "percent", "count", "ratio"}
                    else ("—" if kr.latest_value is None else f"{kr.latest_value}"),
                )
                for kr in o.key_results
            ],
        )
        for s in statuses
        for o in s.objectives
    ]


def _risk_reason(kr: KeyResultState) -> str:
    if kr.override_status and kr.override_reason:
        return kr.override_reason
    if kr.outdated:
        last = f" since {kr.last_checkin_on:%d %b %Y}" if kr.last_checkin_on else " yet"
        return f"no check-in{last}"
    return f"progress {_percent(kr.progress)} where {_percent(kr.expected)} was expected by now"


def _risks(statuses: list[CycleStatus]) -> list[RiskItem]:
    return [
        RiskItem(
            ref=kr.ref,
            title=kr.title,
            objective=o.title,
            owner=kr.owner_name or kr.owner or "",
            status=str(kr.status),
            reason=_risk_reason(kr),
        )
        for s in statuses
        for o in s.objectives
        for kr in o.key_results
        if kr.status in RISKY
    ]


def _driver(
    scope: Scope, metric: str, day: date, filters: Mapping[str, tuple[str, ...]], engine: AnyEngine
) -> Driver:
    unit = CATALOGUE[metric].unit
    try:
        found = metric_drivers(
            metric=metric,
            from_day=day - WEEK,
            to_day=day,
            by="team",
            scope=scope,
            filters=filters,
            engine=engine,
        )
    except MetricInputError as error:
        return Driver(metric, SHORT_TITLES[metric], "—", [], str(error))
    if found.change is None:
        return Driver(metric, SHORT_TITLES[metric], "—", [], "not defined on one of the days")
    parts = [
        (c.dims.get("team", ""), delta_text(c.value, unit) or "±0") for c in found.contributions[:3]
    ]
    return Driver(metric, SHORT_TITLES[metric], delta_text(found.change, unit) or "±0", parts, "")


def _movements(
    now: dict[str, dict[str, Decimal | None]],
    before: dict[str, dict[str, Decimal | None]],
    name: Any,
) -> list[Movement]:
    """Each group's headline KPIs and their change over the week, largest 90+ change first."""
    rows = []
    for key, values in now.items():
        cells = []
        for m in HEADLINE:
            delta = _change(values.get(m), before.get(key, {}).get(m))
            unit = CATALOGUE[m].unit
            cells.append(
                (
                    with_unit(values.get(m), unit, compact=True),
                    delta_text(delta, unit) or "—",
                    _change_class(delta, m),
                )
            )
        moved = _change(values.get("ar_90_plus"), before.get(key, {}).get("ar_90_plus"))
        rows.append((-(abs(moved) if moved is not None else Decimal(-1)), name(key), cells))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [Movement(key, cells) for _, key, cells in rows]


def _collector_names(groups: Mapping[str, object]) -> Any:
    users = {u.username: person_name(u) for u in User.objects.filter(username__in=list(groups))}
    return lambda key: users.get(key, key or "(unassigned)")


def _rolled(
    scope: Scope, day: date, filters: Mapping[str, tuple[str, ...]], engine: AnyEngine
) -> list[Rolled]:
    """The accounts whose 90+ days balance grew most this week: invoices that crossed 90 days."""
    balances = {}
    for on in (day - WEEK, day):
        result = metric_query(
            scope=scope,
            metrics=["ar_90_plus"],
            as_of=on,
            dims=["customer"],
            filters=filters,
            engine=engine,
        )
        balances[on] = {r.dims.get("customer", ""): r.value or Decimal(0) for r in result.results}
    grown = {
        key: now - balances[day - WEEK].get(key, Decimal(0)) for key, now in balances[day].items()
    }
    top = sorted((k for k, v in grown.items() if v > 0), key=lambda k: (-grown[k], k))[:TOP]
    ids = [int(k) for k in top if k.isdigit()]
    names = dict(Customer.objects.filter(id__in=ids).values_list("id", "name"))
    return [
        Rolled(
            customer=names.get(int(k), k) if k.isdigit() else k,
            rolled_text=with_unit(grown[k], "money"),
            balance_text=with_unit(balances[day][k], "money"),
            rolled=grown[k],
        )
        for k in top
    ]


def _aging_spec(results: Sequence[Result]) -> dict[str, Any]:
    # The dashboard's chart: the same builder, the same buckets in the same order.
    params = dict(results[0].params) if results else {}
    edges = [int(e) for e in params.get("buckets", "30,60,90,120").split(",")]
    amounts = {r.dims.get("bucket", ""): r.value or Decimal(0) for r in results}
    bars = [
        Bar(label, amounts.get(label, Decimal(0)), "")
        for label in bucket_labels(edges, params.get("anchor", "due"))
    ]
    return bar_spec(
        bars,
        title="Open receivables by aging bucket",
        x_title="Days past due",
        y_title=f"Open amount ({unit_label('money')})",
    )


def _trend_title(metric: str) -> str:
    label = unit_label(CATALOGUE[metric].unit)
    return f"{CATALOGUE[metric].title} ({label})" if label else CATALOGUE[metric].title


def _trend_spec(metric: str, results: Sequence[Result]) -> dict[str, Any]:
    points = sorted((r for r in results if r.metric == metric), key=lambda r: r.as_of)
    return trend_spec(
        [SeriesPoint(p.as_of, p.value) for p in points],
        title=CATALOGUE[metric].title,
        y_title=SHORT_TITLES[metric],
    )
