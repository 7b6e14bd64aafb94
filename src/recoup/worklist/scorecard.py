"""The collector scorecard: each collector's figures for a period, against the targets a manager
set, beside the previous period.

Every figure is a metric of the KPI catalogue or one of its measures, grouped by the `collector`
dimension (for activity metrics the collector who logged the activity; for balances and cash the
collector the customer is assigned to), counted in the asker's scope: the numbers a collector
sees here are the ones the explain page shows for them. Nothing here computes a KPI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.scope import Scope
from recoup.core.errors import RecoupError
from recoup.metrics.contracts import Direction, MetricInfo
from recoup.metrics.selectors import metric_definitions, metric_engine, metric_series
from recoup.worklist.models import CollectorTarget, TargetPeriod

PERIODS: tuple[str, ...] = tuple(TargetPeriod.values)
PERIOD_WORDS = {"week": "week", "month": "month", "quarter": "quarter"}


class ScorecardInputError(RecoupError, ValueError):
    """A scorecard request names an unknown period or figure."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One column of the scorecard: a catalogue metric, or one measure of it."""

    key: str  # the column's name in the API and the target form
    label: str
    metric: str  # the catalogue's id
    measure: str  # one of the metric's measures (the numerator of a rate), or "" for its value
    # An amount that adds up through the period (contacts, cash): its target is for a period
    # kind. A rate or a balance reads alike whatever the period.
    per_period: bool
    words: str  # what it counts, for the formulas under the table


FIGURES: tuple[Figure, ...] = (
    Figure(
        "contacts",
        "Contacts",
        "contact_rate",
        "contacts",
        True,
        "outbound calls, e-mails, letters and visits that reached someone (every outcome but "
        "no answer and a message left): the numerator of the contact rate",
    ),
    Figure(
        "right_party_contacts",
        "Right-party contacts",
        "rpc_rate",
        "rpc_out",
        True,
        "outbound contacts that reached the debtor (a right-party contact, a promise, a refusal, "
        "a dispute or a payment): the numerator of the right-party contact rate",
    ),
    Figure(
        "promises",
        "Promises",
        "ptp_rate",
        "promises",
        True,
        "contacts, outbound or inbound, that ended in a promise to pay: the numerator of the "
        "promise-to-pay rate",
    ),
    Figure(
        "promise_kept_rate",
        "Promises kept",
        "promise_kept_rate",
        "",
        False,
        "promises due in the period that were paid in full by their date plus the grace days, "
        "over the promises due",
    ),
    Figure(
        "cash_collected",
        "Cash collected",
        "cash_collected",
        "",
        True,
        "payments applied to the invoices of the collector's customers, by payment date",
    ),
    Figure(
        "ar_90_plus",
        "90+ days past due",
        "ar_90_plus",
        "",
        False,
        "the open balance of the collector's customers more than 90 days past due, at the end "
        "of the period",
    ),
)
FIGURES_BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}


def figure_of(metric: str, measure: str = "") -> Figure:
    """The scorecard's figure for a catalogue metric (and measure), or a sentence naming them."""
    for figure in FIGURES:
        if (figure.metric, figure.measure) == (metric, measure):
            return figure
    known = ", ".join(f"{f.metric}.{f.measure}" if f.measure else f.metric for f in FIGURES)
    named = f"{metric}.{measure}" if measure else metric
    raise ScorecardInputError(f"metric {named!r} is not on the scorecard: expected one of {known}")


def figure_info(figure: Figure, infos: Mapping[str, MetricInfo] | None = None) -> MetricInfo:
    """The catalogue's entry behind `figure`; it says which way is good."""
    found = (infos or _infos()).get(figure.metric)
    if found is None:
        raise ScorecardInputError(f"metric {figure.metric!r} is not in the KPI catalogue")
    return found


def _infos() -> dict[str, MetricInfo]:
    return {m.id: m for m in metric_definitions()}


def figure_unit(figure: Figure, info: MetricInfo) -> str:
    # The measures on the scorecard are counts of activities.
    return "count" if figure.measure else info.unit


# -- periods --------------------------------------------------------------------------------------


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ScorecardInputError(f"period {period!r}: expected one of {', '.join(PERIODS)}")


@dataclass(frozen=True, slots=True)
class Cell:
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None
    target_period: str  # the period kind the target counts over ("" for a rate or a balance)
    met: bool | None  # None: no target, or no value to compare with it
    explain: str  # the explain page of the metric for this collector ("" for the total)

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True, slots=True)
class Row:
    username: str  # "" for the total
    name: str
    cells: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class Column:
    figure: Figure
    title: str  # the catalogue metric's title
    unit: str
    direction: Direction


@dataclass(frozen=True, slots=True)
class Scorecard:
    period: str
    start: date
    as_of: date
    previous_start: date
    previous_end: date
    data_as_of: date | None
    columns: list[Column]
    rows: list[Row]
    total: Row | None  # the rows together, when there are several


def _explain_url(metric: str, username: str, as_of: date) -> str:
    query = urlencode({"collector": username, "as_of": as_of.isoformat()})
    return f"{reverse('web:explain', args=[metric])}?{query}"


def _met(value: Decimal | None, target: Decimal | None, direction: Direction) -> bool | None:
    if value is None or target is None:
        return None
    if direction == Direction.LOWER_IS_BETTER:
        return value <= target
    return value >= target


def targets_for(collector_ids: Sequence[int]) -> dict[tuple[int | None, str], CollectorTarget]:
    """The targets of `collector_ids` and everyone's, by (collector id or None, figure key)."""
    found: dict[tuple[int | None, str], CollectorTarget] = {}
    rows = CollectorTarget.objects.filter(collector_id__in=list(collector_ids)) | (
        CollectorTarget.objects.filter(collector__isnull=True)
    )
    for target in rows:
        try:
            figure = figure_of(target.metric, target.measure)
        except ScorecardInputError:
            continue  # a figure since taken off the scorecard
        found[(target.collector_id, figure.key)] = target
    return found


def _target(
    targets: Mapping[tuple[int | None, str], CollectorTarget],
    collector_id: int | None,
    figure: Figure,
    period: str,
) -> tuple[Decimal | None, str]:
    """The target that applies: the collector's own, else everyone's; an amount's only when it
    counts over the period shown."""
    chosen = targets.get((collector_id, figure.key)) if collector_id is not None else None
    chosen = chosen or targets.get((None, figure.key))
    if chosen is None:
        return None, ""
    if figure.per_period and chosen.period != period:
        return None, chosen.period
    return chosen.target, chosen.period


def scorecard_for(
    scope: Scope,
    *,
    collectors: Sequence[User],
    period: str = "month",
    as_of: date | None = None,
) -> Scorecard:
    """The scorecard of `collectors` for the `period` (week, month or quarter) to date `as_of`
    (today by default), against the previous whole period, counting the debtors `scope` may
    see. The callers choose `collectors` among `collectors_visible(scope)`.

    One engine, two passes: every figure by collector, then every figure for the collectors
    together (a rate of the team is not the sum of its collectors' rates)."""
    as_of = as_of or timezone.localdate()
    start = period_start(as_of, period)
    previous_end = start - timedelta(days=1)
    previous_start = period_start(previous_end, period)
    infos = _infos()
    columns = [
        Column(f, (info := figure_info(f, infos)).title, figure_unit(f, info), info.direction)
        for f in FIGURES
    ]
    metrics = list(dict.fromkeys(f.metric for f in FIGURES))
    usernames = tuple(c.username for c in collectors)
    by_collector: dict[tuple[str, str, date], Any] = {}
    together: dict[tuple[str, date], Any] = {}
    data_as_of = None
    if usernames:
        with metric_engine() as engine:
            grouped = metric_series(
                scope=scope,
                metrics=metrics,
                start=previous_start,
                end=as_of,
                grain=period,
                dims=("collector",),
                filters={"collector": usernames},
                engine=engine,
            )
            whole = metric_series(
                scope=scope,
                metrics=metrics,
                start=previous_start,
                end=as_of,
                grain=period,
                filters={"collector": usernames},
                engine=engine,
            )
        data_as_of = grouped.data_as_of
        for result in grouped.results:
            by_collector[(result.dims.get("collector", ""), result.metric, result.as_of)] = result
        for result in whole.results:
            together[(result.metric, result.as_of)] = result
    targets = targets_for([c.pk for c in collectors])

    def cell(results: Mapping[date, Any], column: Column, collector: User | None) -> Cell:
        figure = column.figure
        now = _figure_value(results.get(as_of), figure, column.unit)
        before = _figure_value(results.get(previous_end), figure, column.unit)
        target, target_period = _target(
            targets, collector.pk if collector else None, figure, period
        )
        return Cell(
            value=now,
            previous=before,
            target=target,
            target_period=target_period,
            met=_met(now, target, column.direction),
            explain=_explain_url(figure.metric, collector.username, as_of) if collector else "",
        )

    rows = [
        Row(
            username=c.username,
            name=person_name(c),
            cells={
                col.figure.key: cell(
                    {
                        day: by_collector.get((c.username, col.figure.metric, day))
                        for day in (as_of, previous_end)
                    },
                    col,
                    c,
                )
                for col in columns
            },
        )
        for c in collectors
    ]
    total = None
    if len(rows) > 1:
        total = Row(
            username="",
            name="The team",
            cells={
                col.figure.key: cell(
                    {day: together.get((col.figure.metric, day)) for day in (as_of, previous_end)},
                    col,
                    None,
                )
                for col in columns
            },
        )
    return Scorecard(
        period=period,
        start=start,
        as_of=as_of,
        previous_start=previous_start,
        previous_end=previous_end,
        data_as_of=data_as_of,
        columns=columns,
        rows=rows,
        total=total,
    )


def _figure_value(result: Any, figure: Figure, unit: str) -> Decimal | None:
    """The figure in a metric's result. No result: nothing was counted for the collector, which
    is 0 for an amount and no value for a rate."""
    if result is None:
        return None if unit == "percent" else Decimal(0)
    if figure.measure:
        return Decimal(result.measures.get(figure.measure, Decimal(0)))
    return result.value if result.value is not None or unit == "percent" else Decimal(0)


# -- as data (the API and the CLI) ----------------------------------------------------------------


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {
        "value": _number(cell.value),
        "previous": _number(cell.previous),
        "change": _number(cell.change),
        "target": _number(cell.target),
        "target_period": cell.target_period or None,
        "met": cell.met,
        "explain": cell.explain or None,
    }


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "collector": row.username or None,
        "collector_name": row.name,
        "figures": {key: _cell_json(cell) for key, cell in row.cells.items()},
    }


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    return {
        "period": card.period,
        "from": card.start.isoformat(),
        "to": card.as_of.isoformat(),
        "previous_from": card.previous_start.isoformat(),
        "previous_to": card.previous_end.isoformat(),
        "data_as_of": card.data_as_of.isoformat() if card.data_as_of else None,
        "figures": [
            {
                "key": c.figure.key,
                "label": c.figure.label,
                "metric": c.figure.metric,
                "measure": c.figure.measure or None,
                "unit": c.unit,
                "direction": c.direction.value,
                "per_period": c.figure.per_period,
            }
            for c in card.columns
        ],
        "rows": [_row_json(r) for r in card.rows],
        "total": _row_json(card.total) if card.total else None,
    }
