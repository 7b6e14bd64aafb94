"""Reported green, data red: a key result a person calls on track while the data says otherwise.

A person says "on track" with a status override or with the confidence of their latest check-in;
the data says otherwise when progress against the expected path is at risk or off track, or when
the forecast gives less than `settings.OKR_GREEN_RED_BELOW_CHANCE` chance of reaching the target.
The board flags the key result, the weekly status reading names it, and the cycle's audit lists
it. The rule lives here only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from recoup.accounts.names import person_name
from recoup.okrs.audit import Finding, Severity
from recoup.okrs.models import CheckInSource, Confidence, Cycle, KeyResult, StatusOverride
from recoup.okrs.scoring import Status
from recoup.okrs.selectors import (
    KeyResultState,
    checkin_latest,
    cycle_status,
    key_result_forecast,
    key_result_state,
)

RULE = "reported-green-data-red"
DATA_RED = (Status.AT_RISK, Status.OFF_TRACK)


@dataclass(frozen=True, slots=True)
class Flag:
    key_result_id: int
    ref: str
    title: str
    said_by: str  # "Mia Manager's status override", "Nina North's check-in"
    said_on: date
    reasons: tuple[str, ...]  # what the data says, each in words

    @property
    def text(self) -> str:
        return (
            f"Reported on track ({self.said_by}, {self.said_on:%-d %b %Y}), "
            f"but the data says otherwise: {'; '.join(self.reasons)}."
        )


def _percent(value: float | None) -> str:
    return "none" if value is None else f"{round(value * 100)} %"


def _said_green(key_result: KeyResult, state: KeyResultState) -> tuple[str, date] | None:
    """Who called the key result on track, and when: an override first, as the board does."""
    if state.override_status == Confidence.ON_TRACK:
        override = (
            StatusOverride.objects.filter(key_result=key_result, cleared_at__isnull=True)
            .select_related("author")
            .order_by("-created_at", "-id")
            .first()
        )
        if override is not None:
            who = person_name(override.author) or "someone"
            return f"{who}'s status override", override.created_at.date()
    latest = checkin_latest(key_result=key_result)
    if (
        latest is not None
        and latest.source != CheckInSource.AUTOMATIC
        and latest.confidence == Confidence.ON_TRACK
    ):
        who = person_name(latest.author) or "someone"
        return f"{who}'s check-in", latest.data_date
    return None


def reported_green_data_red(
    key_result: KeyResult,
    *,
    state: KeyResultState | None = None,
    today: date | None = None,
    below_chance: float | None = None,
) -> Flag | None:
    """The flag when a person says on track and the data does not; None otherwise."""
    state = state or key_result_state(key_result=key_result, today=today)
    said = _said_green(key_result, state)
    if said is None:
        return None
    reasons: list[str] = []
    if state.computed_status in DATA_RED:
        label = Confidence(state.computed_status.value).label.lower()
        reasons.append(
            f"progress {_percent(state.progress)} against {_percent(state.expected)} "
            f"expected by now ({label})"
        )
    threshold = settings.OKR_GREEN_RED_BELOW_CHANCE if below_chance is None else below_chance
    forecast = key_result_forecast(key_result=key_result, today=today)
    if forecast.probability is not None and forecast.probability < threshold:
        reasons.append(
            f"the forecast gives a {_percent(forecast.probability)} chance of reaching the target"
            f" (flagged below {_percent(threshold)})"
        )
    if not reasons:
        return None
    return Flag(state.id, state.ref, state.title, said[0], said[1], tuple(reasons))


def _says_green(state: KeyResultState) -> bool:
    return Confidence.ON_TRACK in (state.override_status, state.last_checkin_confidence)


def flags_for(states: Iterable[KeyResultState], *, today: date | None = None) -> dict[int, Flag]:
    """The flags of the key results in `states`, by key result id (one query for the key results
    someone called on track; the others cannot be flagged)."""
    candidates = {s.id: s for s in states if _says_green(s)}
    found: dict[int, Flag] = {}
    krs = KeyResult.objects.filter(pk__in=candidates).select_related("objective__cycle")
    for kr in krs:
        flag = reported_green_data_red(kr, state=candidates[kr.pk], today=today)
        if flag is not None:
            found[kr.pk] = flag
    return found


def cycle_flags(*, cycle: Cycle, today: date | None = None) -> list[Flag]:
    """Every flagged key result of the cycle, in board order."""
    status = cycle_status(cycle=cycle, today=today)
    states = [k for o in status.objectives for k in o.key_results]
    flags = flags_for(states, today=status.as_of)
    return [flags[s.id] for s in states if s.id in flags]


def honesty_findings(*, cycle: Cycle, today: date | None = None) -> list[Finding]:
    """The cycle audit's list of key results reported green while the data is red."""
    return [
        Finding(
            Severity.WARNING,
            RULE,
            flag.ref,
            f"“{flag.title}”: {flag.text}",
            "Check in with the confidence the data supports, or clear the override; if the data "
            "is wrong, say why in the check-in's comment.",
        )
        for flag in cycle_flags(cycle=cycle, today=today)
    ]
