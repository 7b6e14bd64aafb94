"""A key result's forecast for people: one sentence with the likely end, its range and the
chance of reaching the target, each number in the key result's unit; how the forecast is made
(method, trend, number of simulated endings) kept apart, for a <details>.

The likely value and the range come from the same simulated endings (`recoup.okrs.forecast`),
so the likely value always lies within the range the sentence states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from recoup.core.numbers import DecimalMark
from recoup.core.quantities import count_text, quantity_text
from recoup.okrs.forecast import SIMULATIONS, Forecast
from recoup.okrs.kr_words import kind_text
from recoup.okrs.models import KeyResultKind
from recoup.okrs.selectors import NUMERIC_KINDS, KeyResultState


@dataclass(frozen=True, slots=True)
class ForecastText:
    sentence: (
        str  # "Likely to end near 58 days (between 56 and 62); 35 % chance of reaching 50 days."
    )
    how: list[str]  # how it was made, in sentences; empty when there is no forecast

    @property
    def made(self) -> bool:
        return bool(self.how)


def as_decimal(value: float) -> Decimal:
    """A forecast's float as a Decimal for `quantity_text` (which rounds it for reading)."""
    return Decimal(repr(value))


_NUMBER = re.compile(r"^\u2212?[\d.,]+(?: [kM])?")


def _unit_part(text: str) -> tuple[str, str]:
    """ "56 days" → ("56", " days"); "455 k USD" → ("455 k", " USD"); "1,250" → ("1,250", "")."""
    found = _NUMBER.match(text)
    return (text, "") if found is None else (found.group(0), text[found.end() :])


def _range_text(likely: str, low: str, high: str) -> str:
    """The range with the unit left out when the likely value just named it: "between 56 and
    62"; otherwise in full ("between 998 days and 1,002 days" never drops a differing word)."""
    units = {_unit_part(t)[1] for t in (likely, low, high)}
    if len(units) == 1:
        return f"between {_unit_part(low)[0]} and {_unit_part(high)[0]}"
    return f"between {low} and {high}"


def _chance_text(probability: float) -> str:
    # Simulated endings never make a certainty: 4,000 of 4,000 still reads "over 99 %".
    if probability > 0.99:
        return "over 99 %"
    if probability < 0.01:
        return "under 1 %"
    return f"{round(probability * 100)} %"


def _reaching(state: KeyResultState, target: str) -> str:
    if state.kind == KeyResultKind.STAY_ABOVE:
        return f"ending at or above {target}"
    if state.kind == KeyResultKind.STAY_BELOW:
        return f"ending at or below {target}"
    return f"reaching {target}"


def forecast_text(forecast: Forecast, state: KeyResultState, *, mark: DecimalMark) -> ForecastText:
    if state.kind not in NUMERIC_KINDS:
        kind = kind_text(state.kind).lower()
        return ForecastText(
            f"No forecast: a {kind} key result has no number to project, only its progress.", []
        )
    if state.target is None:
        return ForecastText("No forecast yet: the key result has no target.", [])
    if forecast.projected_end_value is None or forecast.low is None or forecast.high is None:
        return ForecastText(f"No forecast yet: {forecast.reason}.", [])

    def q(value: float) -> str:
        return quantity_text(as_decimal(value), state.unit, decimal_mark=mark)

    likely, low, high = q(forecast.projected_end_value), q(forecast.low), q(forecast.high)
    sentence = f"Likely to end near {likely}"
    if low != high:
        sentence += f" ({_range_text(likely, low, high)})"
    if forecast.probability is not None:
        target = quantity_text(state.target, state.unit, decimal_mark=mark)
        sentence += f"; {_chance_text(forecast.probability)} chance of {_reaching(state, target)}"
    how = [f"Method: {forecast.reason}."]
    if forecast.trend_per_week is not None:
        trend = q(forecast.trend_per_week)
        how.append(
            f"Trend so far: {trend} per week, the straight line through the readings"
            " (a description of the past, not the projection)."
        )
    how.append(
        f"Readings on {count_text(forecast.points, 'date')};"
        f" {count_text(forecast.weekly_changes, 'week-to-week change')} resampled"
        f" {SIMULATIONS:,} times"
        + (
            f" over {forecast.weeks_left:.1f} weeks left."
            if forecast.weeks_left is not None
            else "."
        )
    )
    return ForecastText(f"{sentence}.", how)
