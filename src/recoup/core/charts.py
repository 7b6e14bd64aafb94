"""Vega-Lite specs, built as plain dicts: the browser draws them with vega-embed, and the weekly
report renders the very same specs offline with vl-convert (one spec for screen and paper).

Values travel as JSON strings of exact decimals (Django's JSON encoder writes `Decimal` as a
string) and each spec tells Vega to parse them as numbers, so Python never turns money into a
float. Every chart also has a data table on the page: the fallback without JavaScript and the
accessible view for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
ACCENT = "#1f56c2"
MUTED = "#4f5b70"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif'

Spec = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    on: date
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal
    href: str


def _base(description: str) -> Spec:
    # "$schema" is informational only: vega-embed never fetches it.
    return {
        "$schema": SCHEMA,
        "description": description,
        "background": None,
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelColor": MUTED,
                "titleColor": MUTED,
                "gridColor": "#e6e9f0",
                "domainColor": "#b8c0cf",
                "tickColor": "#b8c0cf",
                "labelFontSize": 11,
            },
        },
    }


def _values(points: Sequence[SeriesPoint]) -> list[dict[str, Any]]:
    return [{"on": p.on.isoformat(), "value": p.value} for p in points if p.value is not None]


def sparkline_spec(points: Sequence[SeriesPoint], *, title: str) -> Spec:
    """A small line without axes: the shape of the last months, for a KPI tile."""
    return {
        **_base(f"{title}: trend of the last {len(points)} months"),
        "width": "container",
        "height": 34,
        "autosize": {"type": "fit", "contains": "padding"},
        "padding": 2,
        "data": {"values": _values(points), "format": {"parse": {"value": "number", "on": "date"}}},
        "mark": {"type": "line", "color": ACCENT, "strokeWidth": 1.75, "interpolate": "monotone"},
        "encoding": {
            "x": {"field": "on", "type": "temporal", "axis": None},
            "y": {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}},
        },
    }


def bar_spec(bars: Sequence[Bar], *, title: str, x_title: str, y_title: str) -> Spec:
    """Bars in the given order; a click on a bar opens its `href` (see charts.js)."""
    return {
        **_base(title),
        "width": "container",
        "height": 240,
        "autosize": {"type": "fit", "contains": "padding"},
        "data": {
            "values": [{"label": b.label, "value": b.value, "href": b.href} for b in bars],
            "format": {"parse": {"value": "number"}},
        },
        "mark": {"type": "bar", "color": ACCENT, "cornerRadiusEnd": 3, "cursor": "pointer"},
        "encoding": {
            "x": {
                "field": "label",
                "type": "ordinal",
                "sort": [b.label for b in bars],
                "title": x_title,
                "axis": {"labelAngle": 0},
            },
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "tooltip": [
                {"field": "label", "title": x_title},
                {"field": "value", "title": y_title, "format": ",.2f"},
            ],
        },
    }


def trend_spec(points: Sequence[SeriesPoint], *, title: str, y_title: str) -> Spec:
    """A line over months with points, for a KPI's trend."""
    return {
        **_base(title),
        "width": "container",
        "height": 180,
        "autosize": {"type": "fit", "contains": "padding"},
        "data": {"values": _values(points), "format": {"parse": {"value": "number", "on": "date"}}},
        "mark": {"type": "line", "color": ACCENT, "point": {"color": ACCENT}, "strokeWidth": 2},
        "encoding": {
            "x": {
                "field": "on",
                "type": "temporal",
                "title": None,
                "timeUnit": "yearmonth",
                "axis": {"format": "%b %y", "labelAngle": 0},
            },
            # The card's heading names the measure and its unit; an axis title would repeat it.
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": None,
                "scale": {"zero": False},
            },
            "tooltip": [
                {"field": "on", "type": "temporal", "title": "as of", "format": "%d %b %Y"},
                {"field": "value", "type": "quantitative", "title": y_title, "format": ",.2f"},
            ],
        },
    }
