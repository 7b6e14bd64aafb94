"""The cash forecast for people: the total in words, the weeks as a chart (one Vega-Lite spec
for the dashboard and the weekly report) and as a table, split by source."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from recoup.core.charts import ACCENT, FONT, MUTED, SCHEMA
from recoup.core.money import Money
from recoup.worklist.cashflow import CashForecast

# Source field, the words for it, its colour in the chart.
SOURCES: tuple[tuple[str, str, str], ...] = (
    ("invoices", "Open invoices", ACCENT),
    ("promises", "Promises", "#2e8540"),
    ("instalments", "Payment plans", "#b26b00"),
    ("new_invoices", "New invoices", "#8a94a6"),
)
METHOD_WORDS = {
    "model": "the likelihood model",
    "scorecard": "the likelihood scorecard",
    "behaviour": "each customer's payment behaviour",
}


def _major(minor: int, currency: str) -> Decimal:
    return Money(minor, currency).to_decimal()


def short_amount(minor: int, currency: str) -> str:
    """An amount as people say it: 4.2M, 380k, 950."""
    value = _major(minor, currency)
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:,.0f}k"
    return f"{value:,.0f}"


def forecast_sentence(forecast: CashForecast) -> str:
    """ "About EUR 4.2M in the next 13 weeks, likely between 3.9M and 4.5M"."""
    c = forecast.currency
    return (
        f"About {c} {short_amount(forecast.total_minor, c)} in the next"
        f" {len(forecast.weeks)} weeks, likely between"
        f" {short_amount(forecast.low_total_minor, c)} and"
        f" {short_amount(forecast.high_total_minor, c)}"
    )


@dataclass(frozen=True, slots=True)
class SourceTotal:
    key: str
    label: str
    minor: int
    text: str
    share_text: str


def source_totals(forecast: CashForecast) -> list[SourceTotal]:
    total = forecast.total_minor
    out = []
    for key, label, _ in SOURCES:
        minor = forecast.source_total(key)
        share = f"{minor / total:.0%}" if total else "—"
        text = short_amount(minor, forecast.currency)
        out.append(SourceTotal(key, label, minor, text, share))
    return out


def forecast_columns(currency: str = "") -> list[str]:
    """The weeks' columns; amounts name their currency when one is given (downloads)."""
    unit = f" ({currency})" if currency else ""
    return [
        "Week from",
        "Week to",
        f"Expected{unit}",
        f"Low{unit}",
        f"High{unit}",
        *(f"{label}{unit}" for _, label, _ in SOURCES),
    ]


def forecast_rows(forecast: CashForecast) -> list[list[Any]]:
    """The weeks as exact amounts in major units, for the table and downloads."""
    c = forecast.currency
    return [
        [
            w.starts_on,
            w.ends_on,
            _major(w.expected_minor, c),
            _major(w.low_minor, c),
            _major(w.high_minor, c),
            *(_major(int(getattr(w, f"{key}_minor")), c) for key, _, _ in SOURCES),
        ]
        for w in forecast.weeks
    ]


def forecast_spec(forecast: CashForecast) -> dict[str, Any]:
    """Stacked bars by source per week, with a line from the low to the high end of the range."""
    c = forecast.currency
    bars = [
        {
            "week": w.starts_on.isoformat(),
            "source": label,
            "order": i,
            "value": _major(int(getattr(w, f"{key}_minor")), c),
        }
        for w in forecast.weeks
        for i, (key, label, _) in enumerate(SOURCES)
    ]
    ranges = [
        {
            "week": w.starts_on.isoformat(),
            "low": _major(w.low_minor, c),
            "high": _major(w.high_minor, c),
            "expected": _major(w.expected_minor, c),
        }
        for w in forecast.weeks
    ]
    x = {
        "field": "week",
        "type": "ordinal",
        "title": None,
        "timeUnit": "yearmonthdate",
        "axis": {"format": "%d %b", "labelAngle": -45},
    }
    return {
        "$schema": SCHEMA,
        "description": f"Cash expected per week, by source, with its likely range ({c})",
        "background": None,
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelColor": MUTED, "titleColor": MUTED, "gridColor": "#e6e9f0"},
            "legend": {"labelColor": MUTED, "orient": "bottom", "title": None, "columns": 2},
        },
        "width": "container",
        "height": 240,
        "autosize": {"type": "fit", "contains": "padding"},
        "layer": [
            {
                "data": {"values": bars, "format": {"parse": {"value": "number"}}},
                "mark": {"type": "bar"},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "stack": "zero", "title": c},
                    "color": {
                        "field": "source",
                        "type": "nominal",
                        "scale": {
                            "domain": [label for _, label, _ in SOURCES],
                            "range": [colour for _, _, colour in SOURCES],
                        },
                    },
                    "order": {"field": "order", "type": "quantitative"},
                    "tooltip": [
                        {"field": "week", "type": "temporal", "title": "week from"},
                        {"field": "source", "title": "source"},
                        {"field": "value", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
            {
                "data": {
                    "values": ranges,
                    "format": {"parse": {"low": "number", "high": "number", "expected": "number"}},
                },
                "mark": {"type": "rule", "color": "#1b2333", "strokeWidth": 1.5},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "tooltip": [
                        {"field": "week", "type": "temporal", "title": "week from"},
                        {"field": "expected", "type": "quantitative", "format": ",.0f"},
                        {"field": "low", "type": "quantitative", "format": ",.0f"},
                        {"field": "high", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
        ],
    }
