"""The OKR arithmetic: progress, expected progress, status, check-in rules and end-of-cycle score.

Pure functions over plain values, so every formula is tested without a database. Progress is a
fraction (1.0 = target reached) and is never clipped: over-achievement shows above 1.0 and a key
result that moved the wrong way shows below 0. Only the end-of-cycle score is bounded to 0.0-1.0.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from recoup.core.errors import RecoupError

CHECKIN_GRACE_DAYS = 3
MAX_AT_RISK_IN_A_ROW = 2


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    OUTDATED = "outdated"
    NOT_STARTED = "not_started"


class ScoreColour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Points (percentage points of progress) behind expectation tolerated per status."""

    on_track_within: int = 10
    at_risk_within: int = 25

    def __post_init__(self) -> None:
        if not 0 <= self.on_track_within <= self.at_risk_within:
            raise RecoupError(
                "thresholds: on_track_within must be between 0 and at_risk_within, got "
                f"{self.on_track_within} and {self.at_risk_within}"
            )


class ProgressError(RecoupError):
    pass


def progress_increase(*, baseline: Decimal, target: Decimal, actual: Decimal) -> float:
    """(actual - baseline) / (target - baseline)."""
    if target <= baseline:
        raise ProgressError(
            f"an 'increase to' key result needs a target above its baseline ({target} <= {baseline})"
        )
    return float((actual - baseline) / (target - baseline))


def progress_decrease(*, baseline: Decimal, target: Decimal, actual: Decimal) -> float:
    """(baseline - actual) / (baseline - target)."""
    if target >= baseline:
        raise ProgressError(
            f"a 'decrease to' key result needs a target below its baseline ({target} >= {baseline})"
        )
    return float((baseline - actual) / (baseline - target))


def progress_in_band(*, values: Sequence[Decimal], target: Decimal, above: bool) -> float | None:
    """Share of check-ins inside the band (>= target to stay above, <= target to stay below)."""
    if not values:
        return None
    inside = sum(1 for v in values if (v >= target if above else v <= target))
    return inside / len(values)


def progress_milestone(*, latest: Decimal | None) -> float:
    """A milestone is reached (1) or not (0): a check-in value of 1 or more marks it reached."""
    return 1.0 if latest is not None and latest >= 1 else 0.0


def progress_task_tracked(*, done: int, total: int) -> float | None:
    """Share of the key result's initiatives that are done (cancelled ones are not counted)."""
    if total <= 0:
        return None
    return done / total


def weighted_progress(items: Sequence[tuple[float | None, Decimal]]) -> float | None:
    """Weighted average of (progress, weight); items without progress yet are left out."""
    known = [(p, w) for p, w in items if p is not None]
    total_weight = sum((w for _, w in known), Decimal(0))
    if not known or total_weight <= 0:
        return None
    return sum(p * float(w) for p, w in known) / float(total_weight)


def expected_progress_linear(*, starts_on: date, ends_on: date, on: date) -> float:
    """Elapsed share of the cycle: 0 on the first day, 1 on the last day and after."""
    span = (ends_on - starts_on).days
    if span <= 0:
        raise ProgressError(f"a cycle must end after it starts ({starts_on} .. {ends_on})")
    elapsed = (on - starts_on).days
    return min(1.0, max(0.0, elapsed / span))


def expected_progress_milestone(*, due_on: date, on: date) -> float:
    """A milestone is expected to be reached on its due date, not gradually."""
    return 1.0 if on >= due_on else 0.0


def expected_progress_seasonal(
    *, curve: Sequence[float], starts_on: date, ends_on: date, on: date
) -> float:
    """Expected progress from a learned curve: `curve[i]` is the share of a cycle's movement the
    team historically achieved by the end of week i (0-based); linear between weeks."""
    if not curve:
        return expected_progress_linear(starts_on=starts_on, ends_on=ends_on, on=on)
    weeks = (on - starts_on).days / 7
    if weeks <= 0:
        return 0.0
    index = int(weeks)
    if index >= len(curve):
        return min(1.0, max(0.0, curve[-1]))
    before = curve[index - 1] if index > 0 else 0.0
    share = before + (curve[index] - before) * (weeks - index)
    return min(1.0, max(0.0, share))


def learn_seasonal_curve(histories: Sequence[Sequence[float]]) -> list[float]:
    """Average shape of past cycles: each history is the weekly KPI values of one past cycle
    (first value = its start); each is normalised to the share of its total movement, and the
    average is made non-decreasing within 0..1."""
    shapes: list[list[float]] = []
    for values in histories:
        if len(values) < 3 or values[-1] == values[0]:
            continue
        total = values[-1] - values[0]
        shapes.append([(v - values[0]) / total for v in values[1:]])
    if not shapes:
        return []
    length = min(len(s) for s in shapes)
    average = [sum(s[i] for s in shapes) / len(shapes) for i in range(length)]
    # A quarter that wandered (down, then up past its start) gives shares outside 0..1; the
    # expectation itself never goes backwards, so keep the running maximum within 0..1.
    curve: list[float] = []
    for share in average:
        curve.append(max(curve[-1] if curve else 0.0, min(1.0, max(0.0, share))))
    return curve


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (earlier if negative), clipped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def status_from_progress(*, actual: float, expected: float, thresholds: Thresholds) -> Status:
    """On track within `on_track_within` points of expectation, at risk within `at_risk_within`,
    off track beyond. Being ahead of expectation is on track."""
    behind = round((expected - actual) * 100, 9)
    if behind <= thresholds.on_track_within:
        return Status.ON_TRACK
    if behind <= thresholds.at_risk_within:
        return Status.AT_RISK
    return Status.OFF_TRACK


def checkin_due_dates(*, starts_on: date, ends_on: date, weekday: int, until: date) -> list[date]:
    """The check-in weekdays after the cycle start, up to `until` and the cycle end."""
    first = starts_on + timedelta(days=1)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    last = min(until, ends_on)
    dates: list[date] = []
    day = first
    while day <= last:
        dates.append(day)
        day += timedelta(days=7)
    return dates


def is_outdated(
    *,
    last_checkin_on: date | None,
    today: date,
    starts_on: date,
    ends_on: date,
    weekday: int,
    grace_days: int = CHECKIN_GRACE_DAYS,
) -> bool:
    """A check-in is due each week on the cycle's weekday; it is outdated `grace_days` after it
    is due without a check-in in the week leading to that due date."""
    enforceable = [
        d
        for d in checkin_due_dates(
            starts_on=starts_on, ends_on=ends_on, weekday=weekday, until=today
        )
        if d + timedelta(days=grace_days) <= today
    ]
    if not enforceable:
        return False
    due = enforceable[-1]
    return last_checkin_on is None or last_checkin_on <= due - timedelta(days=7)


AT_RISK_RULE = (
    "After two “at risk” check-ins in a row, the next one must say whether the key result is "
    "on track or off track."
)
AT_RISK_NOW = (
    "The last two check-ins said “at risk”, so this one must say whether the key result is on "
    "track or off track: “at risk” a third time would leave it undecided."
)


def at_risk_rule_applies(*, previous: Sequence[str]) -> bool:
    """True when the next check-in may not say 'at risk' (`previous` oldest first)."""
    tail = list(previous[-MAX_AT_RISK_IN_A_ROW:])
    return len(tail) == MAX_AT_RISK_IN_A_ROW and all(c == Status.AT_RISK for c in tail)


def at_risk_rule_violation(*, previous: Sequence[str], new: str) -> str | None:
    """After two 'at risk' check-ins in a row the next must call it: on track or off track.

    `previous` is the confidence of earlier check-ins, oldest first. Returns the sentence to show
    when `new` breaks the rule, None when it is allowed."""
    if new == Status.AT_RISK and at_risk_rule_applies(previous=previous):
        return AT_RISK_NOW
    return None


def effective_status(*, computed: Status, outdated: bool, override: str | None) -> Status:
    """Outdated wins (nobody has looked at the number), then a person's override, then the
    computed status."""
    if outdated:
        return Status.OUTDATED
    if override:
        return Status(override)
    return computed


def end_of_cycle_score(progress: float | None) -> float:
    """0.0-1.0, one decimal as OKR grading is usually read; over-achievement scores 1.0."""
    if progress is None:
        return 0.0
    return round(min(1.0, max(0.0, progress)), 1)


def score_colour(score: float) -> ScoreColour:
    """0.7-1.0 green, 0.4-0.6 yellow, below 0.4 red."""
    if score >= 0.7:
        return ScoreColour.GREEN
    if score >= 0.4:
        return ScoreColour.YELLOW
    return ScoreColour.RED
