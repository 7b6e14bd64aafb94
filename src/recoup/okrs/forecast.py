"""Where a key result will end: the trend of its check-ins, and the chance of reaching the target.

The projected end value is the least-squares line through the check-ins, read at the cycle end.
The probability resamples the observed weekly changes (a bootstrap with a seeded generator, so the
same history always gives the same answer) over the weeks left, and the range is the 10th-90th
percentile of those simulated end values.
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


def _reached(value: np.ndarray, target: float, higher_is_better: bool) -> np.ndarray:
    return value >= target if higher_is_better else value <= target


def forecast_key_result(
    *,
    series: Sequence[tuple[date, Decimal]],
    ends_on: date,
    target: Decimal,
    higher_is_better: bool,
    seed: int = DEFAULT_SEED,
) -> Forecast:
    """`series` holds (data date, value) pairs; only the latest value per date is used."""
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
    slope, intercept = np.polyfit(x, y, 1)
    end_x = float((ends_on - origin).days)
    projected = float(slope * end_x + intercept)

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
    probability = float(_reached(ends, float(target), higher_is_better).mean())
    low, high = (float(v) for v in np.percentile(ends, [10, 90]))
    return Forecast(
        points=len(days),
        projected_end_value=projected,
        probability=probability,
        low=low,
        high=high,
        reason=(
            f"trend of {len(days)} check-ins ({slope * 7:+.4g} per week); probability from "
            f"{SIMULATIONS} resamplings of {len(weekly)} weekly changes over "
            f"{remaining_weeks:.1f} weeks left"
        ),
    )


def _dates_so_far(count: int) -> str:
    if count == 0:
        return "there are none yet"
    return "there is 1 so far" if count == 1 else f"there are {count} so far"
