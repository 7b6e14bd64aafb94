"""The building blocks of a metric's plan: its measures, its formula and how the value is shown.

A catalogue entry (`recoup.metrics.catalogue`) carries a small function that turns its resolved
parameters into a `Plan` made of these blocks; the evaluator (`recoup.metrics.evaluate`) runs the
measures and applies the formula. This module sits below both: it imports the compiler and the
formulas, never the catalogue.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import ibis.expr.types as ir

from recoup.metrics import formulas as f
from recoup.metrics.compiler import Measure

Values = Mapping[str, Decimal]


class PointLike(Protocol):
    """The as-of date and period start a formula may read (`recoup.metrics.evaluate.Point`)."""

    @property
    def as_of(self) -> date: ...

    @property
    def period_from(self) -> date: ...


Formula = Callable[[Values, PointLike], Decimal | None]
Where = Callable[[ir.Table], ir.BooleanValue]


@dataclass(frozen=True, slots=True)
class Plan:
    measures: tuple[Measure, ...]
    formula: Formula
    unit: str
    money: bool = False
    extra_dims: tuple[str, ...] = ()
    # Inputs only ever recorded as positive amounts: a zero means nothing was recorded, and the
    # metric has no value rather than 0 (no cost booked says nothing about the cost to collect).
    needs: tuple[str, ...] = ()
    # Month columns m1..mN of the points table the measures read (countback's months of sales).
    months_back: int = 0


PlanFn = Callable[[Mapping[str, str]], Plan]


def edges(params: Mapping[str, str]) -> tuple[int, ...]:
    return tuple(int(e) for e in params.get("buckets", "30,60,90,120").split(","))


def open_rel(params: Mapping[str, str], at: str = "as_of") -> tuple[Any, ...]:
    """The relation of invoices open at point column `at`, aged by the metric's buckets."""
    return ("open", at, params.get("anchor", "due"), edges(params))


def sum_of(
    rel: tuple[Any, ...],
    name: str,
    col: str,
    where: Where | None = None,
    *,
    label: str,
    money: bool = True,
) -> Measure:
    def agg(t: ir.Table) -> ir.Value:
        cond = where(t) if where is not None else None
        return t[col].sum(where=cond).fill_null(0)

    return Measure(rel, name, agg, money=money, label=label)


def count_of(rel: tuple[Any, ...], name: str, where: Where | None = None, *, label: str) -> Measure:
    def agg(t: ir.Table) -> ir.Value:
        return t.as_of.count(where=where(t) if where is not None else None)

    return Measure(rel, name, agg, label=label)


def get(values: Values, name: str) -> Decimal:
    return values.get(name, Decimal(0))


def pct(num: str, den: str) -> Formula:
    return lambda v, _p: f.percent(get(v, num), get(v, den))


def mean(total: str, count: str) -> Formula:
    return lambda v, _p: f.mean(get(v, total), get(v, count))


def value(name: str) -> Formula:
    return lambda v, _p: get(v, name)


def amount(measure: Measure) -> Plan:
    """A money metric that is its one measure."""
    return Plan((measure,), value(measure.name), "money", money=True)


def count(measure: Measure) -> Plan:
    """A count metric that is its one measure."""
    return Plan((measure,), value(measure.name), "count")


def percent(num: Measure, den: Measure, **more: Any) -> Plan:
    """num / den x 100."""
    return Plan((num, den), pct(num.name, den.name), "percent", **more)


def days_mean(total: Measure, n: Measure) -> Plan:
    """total / n, in days."""
    return Plan((total, n), mean(total.name, n.name), "days")


def months_before(day: date, months: int) -> date:
    """Same day `months` earlier (clamped); a month's last day maps to that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, month + 1, last)
    return date(year, month + 1, min(day.day, last))


def months_touched(start: date, end: date) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
