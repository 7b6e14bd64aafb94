"""The small frozen contract other apps use to ask the KPI engine for numbers.

OKRs, reports and pages call `recoup.metrics.selectors.metric_evaluate(request)` and
`recoup.metrics.selectors.metric_definitions()`; they never read ledger tables to compute a KPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


@dataclass(frozen=True, slots=True)
class MetricInfo:
    id: str
    title: str
    description: str
    unit: str  # "money", "days", "percent", "ratio", "count", or a custom unit
    direction: Direction
    dimensions: tuple[str, ...]
    params: Mapping[str, str]  # parameter name -> default, as text
    is_flow: bool  # flows (cash_collected) need a period; stocks (ar_total) an as-of date


@dataclass(frozen=True, slots=True)
class MetricRequest:
    metric: str
    as_of: date
    params: Mapping[str, str] = field(default_factory=dict)
    # dimension -> accepted values, e.g. {"team": ("North",), "segment": ("SMB", "Mid")}
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # For flows: the period [period_from, as_of]; None means the metric's default period.
    period_from: date | None = None


@dataclass(frozen=True, slots=True)
class MetricValue:
    metric: str
    # In `unit`: money in major units of the base currency (exact), days, percent, counts.
    # None when the metric is undefined for the data (e.g. a ratio with a zero denominator).
    value: Decimal | None
    unit: str
    as_of: date
    data_as_of: date | None  # the latest ledger date the engine had; None for an empty ledger
    params: Mapping[str, str]
    filters: Mapping[str, tuple[str, ...]]
