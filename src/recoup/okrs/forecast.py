"""Where a key result will end, and the chance of reaching the target.

One model gives every number: from the latest reading, the observed weekly changes are replayed
at random over the weeks left (a bootstrap with a seeded generator, so the same history always
gives the same answer). The likely end value is the median of those simulated ends, the range
their 10th-90th percentile and the probability the share that reach the target: the likely value
always lies within its range. (A least-squares line read at the cycle end once served as the
"projected" value beside the bootstrap's range: the line starts from the baseline, the bootstrap
from where the key result stands now, and the value could fall outside its own range.) The
straight-line trend is kept as a description of the past, not as the projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

MIN_POINTS = 4
SIMULATIONS = 4000
DEFAULT_SEED = 20240101


@dataclass(frozen=True, slots=True)
class Forecast:
    points: int
    projected_end_value: float | None
    probability: float | None
    low: float | None  # 10th percentile of simulated end values
    high: float | None  # 90th percentile
    reason: str  # why there is no forecast, or how it was made
    trend_per_week: float | None = None  # slope of the least-squares line, for the record
    weekly_changes: int = 0  # how many week-to-week changes were replayed
    weeks_left: float | None = None


def _reached(value: np.ndarray, target: float, higher_is_better: bool) -> np.ndarray:
    return value >= target if higher_is_better else value <= target


def forecast_key_result(
    *,
    series: Sequence[tuple[date, Decimal]],
    ends_on: date,
    target: Decimal,
    higher_is_better: bool,
    percent: bool = False,
    seed: int = DEFAULT_SEED,
) -> Forecast:
    """`series` holds (data date, value) pairs; only the latest value per date is used. A
    series never below zero ends no lower than zero, and a share (`percent`) no higher than 100:
    a disputed share cannot end at -0.3 %."""
    by_date: dict[date, float] = {}
    for day, value in sorted(series, key=lambda p: p[0]):
        by_date[day] = float(value)
    days = sorted(by_date)
    if len(days) < MIN_POINTS:
        return Forecast(
            len(days),
            None,
            None,
            None,
            None,
            f"a forecast needs readings (the baseline and check-ins) on at least {MIN_POINTS} dates,"
            f" {_dates_so_far(len(days))}",
        )
    origin = days[0]
    x = np.array([(d - origin).days for d in days], dtype=float)
    y = np.array([by_date[d] for d in days], dtype=float)
    slope = float(np.polyfit(x, y, 1)[0])

    # Changes per week between consecutive check-ins, whatever their spacing.
    gaps = np.diff(x) / 7.0
    weekly = np.diff(y) / gaps
    remaining_weeks = max(0.0, (ends_on - days[-1]).days / 7.0)
    whole = math.floor(remaining_weeks)
    fraction = remaining_weeks - whole
    rng = np.random.default_rng(seed)
    last = y[-1]
    if remaining_weeks == 0:
        ends = np.full(SIMULATIONS, last)
    else:
        steps = whole + (1 if fraction > 0 else 0)
        draws = rng.choice(weekly, size=(SIMULATIONS, steps), replace=True)
        if fraction > 0:
            draws[:, -1] *= fraction
        ends = last + draws.sum(axis=1)
    floor = 0.0 if y.min() >= 0 else None
    ceiling = 100.0 if percent else None
    if floor is not None or ceiling is not None:
        ends = np.clip(ends, floor, ceiling)
    probability = float(_reached(ends, float(target), higher_is_better).mean())
    low, middle, high = (float(v) for v in np.percentile(ends, [10, 50, 90]))
    return Forecast(
        points=len(days),
        projected_end_value=middle,
        probability=probability,
        low=low,
        high=high,
        reason=(
            f"{SIMULATIONS:,} simulated endings replay the {len(weekly)} week-to-week changes seen"
            f" so far over the {remaining_weeks:.1f} weeks left, starting from the latest reading;"
            f" the likely end is their middle value, the range holds 8 in 10 of them, and the"
            f" chance is the share that reach the target"
        ),
        trend_per_week=slope * 7,
        weekly_changes=len(weekly),
        weeks_left=remaining_weeks,
    )


def _dates_so_far(count: int) -> str:
    if count == 0:
        return "there are none yet"
    return "there is 1 so far" if count == 1 else f"there are {count} so far"
