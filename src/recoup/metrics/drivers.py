"""Why a number moved: the change of a KPI between two days split exactly into parts by group.

The KPI engine evaluates the metric at both days, once as a whole and once grouped by the
dimension, keeping each group's formula inputs (`Result.measures`). The catalogue entry's `Split`
says how the value is made of those inputs:

- a sum (amounts, counts): each group's part is its own change;
- a ratio R = N / D x k with N and D sums over the groups: group g's part is
  k x ((N1_g - R0 x D1_g) / D1 - (N0_g - R0 x D0_g) / D0), with R0 = N0 / D0; the parts add up to
  R1 - R0 exactly (the second terms sum to zero, the first to R1 - R0).

Arithmetic is in fractions, so the parts add up with no rounding at all; each part is rounded
once for display, the rounding distributed so the shown parts add up to the shown change. What
the groups do not add up to (a count of distinct customers split by bucket counts a customer in
each of their buckets) is shown as its own part, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from recoup.core.money import currency_exponent
from recoup.metrics.catalogue import MetricDef, MetricInputError, Split
from recoup.metrics.compiler import Book
from recoup.metrics.evaluate import (
    Engine,
    Plan,
    Point,
    Result,
    Spec,
    evaluate,
    plan_metric,
    validate,
)

OVERLAP = "(in more than one group)"
NONE_LABEL = "(none)"
DRIVER_DIMENSIONS = ("team", "collector", "segment", "bucket", "country", "currency", "agency")

Measures = tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class Contribution:
    dims: dict[str, str]
    # In the metric's unit, rounded as the metric is shown; the parts add up to `Drivers.change`.
    value: Decimal
    exact: Fraction = field(compare=False)


@dataclass(frozen=True, slots=True)
class Drivers:
    metric: str
    unit: str
    by: str
    from_day: date
    to_day: date
    # As the metric is shown (money in major units of the base currency, 2 decimals for ratios);
    # None when the metric is undefined on that day (a zero denominator).
    from_value: Decimal | None
    to_value: Decimal | None
    change: Decimal | None
    contributions: list[Contribution]  # largest part first; empty when the change is undefined

    @property
    def largest(self) -> Contribution | None:
        named = [c for c in self.contributions if c.dims.get(self.by) != OVERLAP]
        return named[0] if named else None


def drivers_compute(
    engine: Engine,
    *,
    metric: str,
    from_day: date,
    to_day: date,
    by: str,
    params: Mapping[str, str],
    filters: Mapping[str, tuple[str, ...]],
    book: Book | None,
    base_currency: str,
    window_days: int | None = None,
) -> Drivers:
    """The drivers on an open engine; `recoup.metrics.selectors.metric_drivers` is the reader."""
    if from_day >= to_day:
        raise MetricInputError(f"from {from_day} must be before to {to_day}")
    if by not in DRIVER_DIMENSIONS:
        raise MetricInputError(
            f"cannot split by {by!r}: choose one of {', '.join(DRIVER_DIMENSIONS)}"
        )
    mdef, resolved = validate(Spec(metric, dict(params), (by,), dict(filters)))
    plan = plan_metric(mdef, resolved)
    split = _split_for(mdef, plan, resolved)
    whole = Spec(metric, dict(params), (), dict(filters))
    grouped = Spec(metric, dict(params), (by,), dict(filters))
    # Flows cover the month to date, or the `window_days` up to each day (a key result's window).
    points = [Point.at(day, _window_start(day, window_days)) for day in (from_day, to_day)]
    # A metric always grouped by the dimension (ar_by_bucket by bucket) is its groups' sum.
    grouped_only = by in plan.extra_dims
    results = evaluate(engine, [grouped] if grouped_only else [whole, grouped], points, book=book)
    names = [m.name for m in plan.measures]
    totals = {day: _zero(names) for day in (from_day, to_day)}
    groups: dict[str, dict[date, Measures]] = {}
    values: dict[date, Decimal | None] = {from_day: None, to_day: None}
    for result in results:
        measured = tuple(Fraction(result.measures.get(n, Decimal(0))) for n in names)
        if by in result.dims:
            key = _label(result.dims[by])
            slot = groups.setdefault(key, {})
            slot[result.as_of] = _add(slot.get(result.as_of, _zero(names)), measured)
        if by not in result.dims or grouped_only:
            totals[result.as_of] = _add(totals[result.as_of], measured)
            values[result.as_of] = _sum_values(values[result.as_of], result)
    for day in (from_day, to_day):
        rest = _sub(totals[day], _group_sum(groups, day, names))
        if any(rest):
            groups.setdefault(OVERLAP, {})[day] = rest
    scale = _scale(split, resolved)
    minor = Fraction(1, 10 ** currency_exponent(base_currency)) if plan.money else Fraction(1)
    exact = {
        key: _part(split, scale * minor, slot, totals, from_day, to_day)
        for key, slot in groups.items()
    }
    from_value, to_value = values[from_day], values[to_day]
    if from_value is None or to_value is None or any(v is None for v in exact.values()):
        return Drivers(metric, plan.unit, by, from_day, to_day, from_value, to_value, None, [])
    change = to_value - from_value
    quantum = _quantum(plan, base_currency)
    parts = {k: v for k, v in exact.items() if v is not None}
    shown = allocate_to(parts, change, quantum)
    contributions = [
        Contribution({by: key}, shown[key], parts[key])
        for key in sorted(parts, key=lambda k: (-abs(parts[k]), k))
        if parts[key] != 0 or shown[key] != 0
    ]
    return Drivers(
        metric, plan.unit, by, from_day, to_day, from_value, to_value, change, contributions
    )


def _window_start(day: date, window_days: int | None) -> date | None:
    return day - timedelta(days=window_days - 1) if window_days else None


def _split_for(mdef: MetricDef, plan: Plan, params: Mapping[str, str]) -> Split:
    split = mdef.split
    for name, wanted in split.only:
        if params.get(name) != wanted:
            raise MetricInputError(
                f"the change of {mdef.id} splits exactly only with {name}={wanted} "
                f"(asked: {name}={params.get(name)})"
            )
    if split.kind == "none":
        raise MetricInputError(f"the change of {mdef.id} cannot be split by group: {split.why}")
    if any(not m.additive for m in plan.measures) and split.kind != "sum":
        raise MetricInputError(f"the change of {mdef.id} cannot be split by group")
    width = len(plan.measures)
    if split.kind == "sum":
        if width != 1 or plan.unit not in {"money", "count"}:
            raise MetricInputError(f"the change of {mdef.id} is not a sum and cannot be split")
        return split
    used = [i for i, _sign in (*split.numerator, *split.denominator)]
    if max(used) >= width:
        raise MetricInputError(
            f"the change of {mdef.id} cannot be split by group with these parameters"
        )
    return split


def _scale(split: Split, params: Mapping[str, str]) -> Fraction:
    text = params.get(split.scale, split.scale)
    return Fraction(int(text))


def _part(
    split: Split,
    scale: Fraction,
    slot: Mapping[date, Measures],
    totals: Mapping[date, Measures],
    from_day: date,
    to_day: date,
) -> Fraction | None:
    width = len(totals[from_day])
    zero = tuple(Fraction(0) for _ in range(width))
    before, after = slot.get(from_day, zero), slot.get(to_day, zero)
    if split.kind == "sum":
        return (after[0] - before[0]) * scale
    n0, d0 = _side(split.numerator, totals[from_day]), _side(split.denominator, totals[from_day])
    d1 = _side(split.denominator, totals[to_day])
    if d0 == 0 or d1 == 0:
        return None
    r0 = n0 / d0
    now = (_side(split.numerator, after) - r0 * _side(split.denominator, after)) / d1
    then = (_side(split.numerator, before) - r0 * _side(split.denominator, before)) / d0
    return scale * (now - then)


def _side(terms: Sequence[tuple[int, int]], measures: Measures) -> Fraction:
    return sum((measures[i] * sign for i, sign in terms), Fraction(0))


def _zero(names: Sequence[str]) -> Measures:
    return tuple(Fraction(0) for _ in names)


def _add(a: Measures, b: Measures) -> Measures:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _sub(a: Measures, b: Measures) -> Measures:
    return tuple(x - y for x, y in zip(a, b, strict=True))


def _group_sum(
    groups: Mapping[str, Mapping[date, Measures]], day: date, names: Sequence[str]
) -> Measures:
    total = _zero(names)
    for key, slot in groups.items():
        if key != OVERLAP and day in slot:
            total = _add(total, slot[day])
    return total


def _sum_values(before: Decimal | None, result: Result) -> Decimal | None:
    """The metric's shown value; a metric always grouped (ar_by_bucket) sums its rows."""
    if result.value is None:
        return before
    return result.value if before is None else before + result.value


def _label(value: object) -> str:
    return NONE_LABEL if value is None or value == "" else str(value)


def _quantum(plan: Plan, base_currency: str) -> Decimal:
    if plan.money:
        return Decimal(1).scaleb(-currency_exponent(base_currency))
    if plan.unit == "count":
        return Decimal(1)
    return Decimal("0.01")


def allocate_to[K](
    parts: Mapping[K, Fraction], total: Decimal, quantum: Decimal
) -> dict[K, Decimal]:
    """`parts` rounded to `quantum` so they add up to `total` (itself a multiple of `quantum`).

    Every part gets its floor; the units still missing go to the parts with the largest
    remainders (or, when the floors overshoot, are taken from the smallest), ties to the earlier
    part. `total` is the shown change, which the exact parts may miss by a unit or two because
    the two days' values are rounded apart."""
    keys = list(parts)
    step = Fraction(quantum)
    scaled = [parts[k] / step for k in keys]
    floors = [Fraction(_floor(s)) for s in scaled]
    left = int(Fraction(total) / step - sum(floors, Fraction(0)))
    rem = [s - fl for s, fl in zip(scaled, floors, strict=True)]
    if keys:
        if left >= 0:
            order = sorted(range(len(keys)), key=lambda i: (-rem[i], i))
            for n in range(left):
                floors[order[n % len(keys)]] += 1
        else:
            order = sorted(range(len(keys)), key=lambda i: (rem[i], i))
            for n in range(-left):
                floors[order[n % len(keys)]] -= 1
    return {
        k: (Decimal(int(fl)) * quantum).quantize(quantum, rounding=ROUND_FLOOR)
        for k, fl in zip(keys, floors, strict=True)
    }


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def drivers_json(drivers: Drivers) -> dict[str, Any]:
    """The shape the CLI and the API answer with; numbers as exact decimal text."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {
        "metric": drivers.metric,
        "from_value": text(drivers.from_value),
        "to_value": text(drivers.to_value),
        "change": text(drivers.change),
        "contributions": [
            {"dims": dict(c.dims), "value": text(c.value)} for c in drivers.contributions
        ],
    }
