"""The chart of one key result (a Vega-Lite spec, drawn by `recoup/charts.js`) and the numbers
behind it: the counted check-ins, the expected path from the baseline at cycle start to the
target at the due date, the target line, and the forecast's likely range from the last check-in
to the due date. A legend names each series in plain words; every check-in point has a tooltip.

Values travel as exact decimals (JSON strings, parsed as numbers by the spec) except the
forecast's, which are floats from the simulation. What a tooltip shows is text made here with
`quantity_text`, so the chart and the page read numbers the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from recoup.core.numbers import DecimalMark
from recoup.core.quantities import quantity_text
from recoup.okrs import scoring
from recoup.okrs.forecast import Forecast
from recoup.okrs.forecast_text import as_decimal
from recoup.okrs.kr_words import aim_text
from recoup.okrs.models import CheckInSource, Confidence, KeyResultKind
from recoup.okrs.selectors import CheckInView, KeyResultState

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
SERIES = {
    "Check-ins": "#1f56c2",
    "Expected path": "#8a94a6",
    "Target": "#2f7d3b",
    "Likely range": "#c26a00",
}
_PATH_KINDS = (KeyResultKind.INCREASE_TO, KeyResultKind.DECREASE_TO)
_STAY_KINDS = (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW)


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One line of the table behind the chart: a counted check-in and where it was expected."""

    on: date
    when: str
    value: str
    expected: str


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def counted_points(history: Sequence[CheckInView]) -> list[CheckInView]:
    """One reading per data date (the latest made wins, as the forecast reads them), by date."""
    by_date: dict[date, CheckInView] = {}
    for c in history:
        if c.withdrawn_at is None and c.value is not None:
            by_date[c.data_date] = c
    return [by_date[d] for d in sorted(by_date)]


def expected_at(state: KeyResultState, starts_on: date, on: date) -> Decimal | None:
    """The value expected on `on` along the path from baseline to target (the same expected
    progress, linear or learned, that the status is computed against)."""
    if state.kind not in _PATH_KINDS or state.baseline is None or state.target is None:
        return None
    if state.due_on <= starts_on:
        return state.target
    share = scoring.expected_progress_seasonal(
        curve=state.expected_curve, starts_on=starts_on, ends_on=state.due_on, on=on
    )
    return state.baseline + (state.target - state.baseline) * Decimal(repr(share))


def _path(state: KeyResultState, starts_on: date) -> list[dict[str, Any]]:
    if expected_at(state, starts_on, starts_on) is None or state.due_on <= starts_on:
        return []
    days = [starts_on, state.due_on]
    if state.expected_curve:  # a learned curve bends: one point a week
        weeks = (state.due_on - starts_on).days // 7
        days = [starts_on + timedelta(weeks=w) for w in range(weeks + 1)] + [state.due_on]
    return [
        {"on": d.isoformat(), "value": expected_at(state, starts_on, d), "series": "Expected path"}
        for d in sorted(set(days))
    ]


def _by(c: CheckInView) -> str:
    automatic = c.source == CheckInSource.AUTOMATIC
    return c.author_name or c.author or ("the weekly KPI reading" if automatic else "not recorded")


def _confidence(code: str) -> str:
    return str(Confidence(code).label) if code in Confidence.values else code


def chart_rows(
    points: Sequence[CheckInView], state: KeyResultState, starts_on: date, *, mark: DecimalMark
) -> list[ChartRow]:
    # A stay-above/below key result expects its band ("at most 5 %") all along.
    band = aim_text(state, mark=mark) if state.kind in _STAY_KINDS else None

    def expected(on: date) -> str:
        if band is not None:
            return band
        return quantity_text(expected_at(state, starts_on, on), state.unit, decimal_mark=mark)

    return [
        ChartRow(
            on=c.data_date,
            when=day_text(c.data_date),
            value=quantity_text(c.value, state.unit, decimal_mark=mark),
            expected=expected(c.data_date),
        )
        for c in points
    ]


def _colour(domain: list[str]) -> dict[str, Any]:
    return {
        "field": "series",
        "type": "nominal",
        "scale": {"domain": domain, "range": [SERIES[s] for s in domain]},
        "legend": {"orient": "top", "title": None},
    }


def _data(rows: list[dict[str, Any]], *numbers: str) -> dict[str, Any]:
    return {
        "values": rows,
        "format": {"parse": {"on": "date", **dict.fromkeys(numbers, "number")}},
    }


def _x() -> dict[str, Any]:
    return {"field": "on", "type": "temporal", "title": None}


def _y(field: str, unit: str) -> dict[str, Any]:
    return {"field": field, "type": "quantitative", "title": unit or None, "scale": {"zero": False}}


def _band(
    points: Sequence[CheckInView], state: KeyResultState, forecast: Forecast, mark: DecimalMark
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The likely range (area) and the likely end (dashed line), from the last check-in."""
    low, high, middle = forecast.low, forecast.high, forecast.projected_end_value
    if not points or low is None or high is None or middle is None:
        return [], []
    last = points[-1]
    if last.value is None or state.due_on <= last.data_date:
        return [], []

    def q(value: float) -> str:
        return quantity_text(as_decimal(value), state.unit, decimal_mark=mark)

    area = [
        {"on": last.data_date.isoformat(), "low": last.value, "high": last.value},
        {"on": state.due_on.isoformat(), "low": low, "high": high},
    ]
    # An area is one shape: whichever row the pointer picks, the tooltip is about the due date.
    words = {"when": day_text(state.due_on), "range": f"{q(low)} to {q(high)}", "likely": q(middle)}
    line = [
        {"on": last.data_date.isoformat(), "value": last.value},
        {"on": state.due_on.isoformat(), "value": middle},
    ]
    for row in area:
        row.update(words)
    for row in area + line:
        row["series"] = "Likely range"
    return area, line


def history_spec(
    history: Sequence[CheckInView],
    state: KeyResultState,
    starts_on: date,
    forecast: Forecast,
    *,
    mark: DecimalMark,
) -> dict[str, Any]:
    points = counted_points(history)
    unit = state.unit
    checkins = [
        {
            "on": c.data_date.isoformat(),
            "value": c.value,
            "series": "Check-ins",
            "when": day_text(c.data_date),
            "reading": quantity_text(c.value, unit, decimal_mark=mark),
            "by": _by(c),
            "confidence": _confidence(c.confidence),
        }
        for c in points
    ]
    path = _path(state, starts_on)
    area, likely = _band(points, state, forecast, mark)
    target = state.target if state.kind in (*_PATH_KINDS, *_STAY_KINDS) else None
    # One colour scale for every layer, so the legend lists each series once, in this order.
    domain = [
        s
        for s, shown in zip(SERIES, (True, bool(path), target is not None, bool(area)), strict=True)
        if shown
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": _data(checkins, "value"),
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {"x": _x(), "y": _y("value", unit), "color": _colour(domain)},
        },
        {
            "data": _data(checkins, "value"),
            "mark": {"type": "point", "filled": True, "size": 60},
            "encoding": {
                "x": _x(),
                "y": _y("value", unit),
                "color": _colour(domain),
                "tooltip": [
                    {"field": "when", "title": "Date"},
                    {"field": "reading", "title": "Value"},
                    {"field": "by", "title": "By"},
                    {"field": "confidence", "title": "Confidence"},
                ],
            },
        },
    ]
    if path:
        layers.append(
            {
                "data": _data(path, "value"),
                "mark": {"type": "line", "strokeDash": [5, 4], "strokeWidth": 1.5},
                "encoding": {"x": _x(), "y": _y("value", unit), "color": _colour(domain)},
            }
        )
    if target is not None:
        label = f"Target {quantity_text(target, unit, decimal_mark=mark)}"
        rows = [{"value": target, "series": "Target", "label": label}]
        layers += [
            {
                "data": {"values": rows, "format": {"parse": {"value": "number"}}},
                "mark": {"type": "rule", "strokeWidth": 1.5},
                "encoding": {"y": _y("value", unit), "color": _colour(domain)},
            },
            {
                "data": {"values": rows, "format": {"parse": {"value": "number"}}},
                "mark": {"type": "text", "align": "right", "baseline": "bottom", "dy": -3},
                "encoding": {
                    "x": {"value": "width"},
                    "y": _y("value", unit),
                    "text": {"field": "label"},
                    "color": {"value": SERIES["Target"]},
                },
            },
        ]
    if area:
        layers += [
            {
                "data": _data(area, "low", "high"),
                "mark": {"type": "area", "opacity": 0.2},
                "encoding": {
                    "x": _x(),
                    "y": _y("low", unit),
                    "y2": {"field": "high"},
                    "color": _colour(domain),
                    "tooltip": [
                        {"field": "when", "title": "By"},
                        {"field": "likely", "title": "Likely end"},
                        {"field": "range", "title": "Likely range"},
                    ],
                },
            },
            {
                "data": _data(likely, "value"),
                "mark": {"type": "line", "strokeDash": [6, 3], "strokeWidth": 1.5},
                "encoding": {"x": _x(), "y": _y("value", unit), "color": _colour(domain)},
            },
        ]
    return {
        "$schema": SCHEMA,
        "description": f"Check-ins of {state.title} against the expected path and the target",
        "background": None,
        "width": "container",
        "height": 240,
        "autosize": {"type": "fit", "contains": "padding"},
        "layer": layers,
        "config": {"view": {"stroke": None}},
    }
