"""The end of a cycle as people read it: each objective's grade (kept when the cycle closed, else
as it stands), whether a committed one missed, its retrospective, and where carried items came
from. Read-only; the writes are in `services.closing`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from recoup.accounts.names import person_name
from recoup.core.numbers import DecimalMark
from recoup.core.quantities import quantity_text
from recoup.okrs import scoring, selectors
from recoup.okrs.models import Commitment, Cycle, KeyResult, Objective, ObjectiveGrade
from recoup.okrs.services.closing import grading_opens_on, next_cycle, next_cycle_name

# An aspirational objective is a success at 0.7 (docs/okrs.md); a committed one only at 1.0.
ASPIRATIONAL_MET = 0.7


@dataclass(frozen=True, slots=True)
class KeyResultGrade:
    id: int
    title: str
    score: float
    colour: str
    final: str  # the last value in its unit, or "—"


@dataclass(frozen=True, slots=True)
class ObjectiveGradeRow:
    id: int
    key: str
    title: str
    team: str | None
    owner_name: str
    commitment: str
    score: float
    colour: str
    missed: bool  # a committed objective below 1.0
    verdict: str  # the score read against the commitment, in words
    what_worked: str
    what_did_not: str
    what_to_change: str
    key_results: list[KeyResultGrade]


@dataclass(frozen=True, slots=True)
class Grading:
    cycle: Cycle
    opens_on: date
    open_now: bool
    closed_at: datetime | None
    closed_by: str
    rows: list[ObjectiveGradeRow]

    @property
    def missed(self) -> int:
        return sum(1 for r in self.rows if r.missed)


def _verdict(commitment: str, score: float) -> tuple[bool, str]:
    if commitment == Commitment.COMMITTED:
        if score >= 1.0:
            return False, "Committed, met"
        return True, "Committed, missed: committed objectives expect 1.0"
    if score >= ASPIRATIONAL_MET:
        return False, "Aspirational, a success (0.7 or more)"
    return False, "Aspirational, below 0.7"


def cycle_grading(*, cycle: Cycle, mark: DecimalMark, today: date | None = None) -> Grading:
    """The grading step of `cycle`: kept grades once it is closed, scores as they stand before."""
    today = today or timezone.localdate()
    status = selectors.cycle_status(cycle=cycle, today=today)
    kept = {g.objective_id: g for g in ObjectiveGrade.objects.filter(objective__cycle=cycle)}
    rows: list[ObjectiveGradeRow] = []
    for o in status.objectives:
        grade = kept.get(o.id)
        score = float(grade.score) if grade is not None and cycle.closed_at else o.score
        missed, verdict = _verdict(o.commitment, score)
        rows.append(
            ObjectiveGradeRow(
                id=o.id,
                key=o.key,
                title=o.title,
                team=o.team,
                owner_name=o.owner_name or "nobody yet",
                commitment=o.commitment,
                score=score,
                colour=scoring.score_colour(score),
                missed=missed,
                verdict=verdict,
                what_worked=grade.what_worked if grade else "",
                what_did_not=grade.what_did_not if grade else "",
                what_to_change=grade.what_to_change if grade else "",
                key_results=[
                    KeyResultGrade(
                        id=k.id,
                        title=k.title,
                        score=k.score,
                        colour=k.colour,
                        final=quantity_text(k.latest_value, k.unit, decimal_mark=mark),
                    )
                    for k in o.key_results
                ],
            )
        )
    return Grading(
        cycle=cycle,
        opens_on=grading_opens_on(cycle),
        open_now=today >= grading_opens_on(cycle),
        closed_at=cycle.closed_at,
        closed_by=person_name(cycle.closed_by) if cycle.closed_by else "",
        rows=rows,
    )


def carried_origins(*, cycle: Cycle) -> dict[str, dict[int, str]]:
    """Where the carried objectives and key results of `cycle` came from: id -> cycle name."""
    objectives = Objective.objects.filter(cycle=cycle, carried_from__isnull=False)
    key_results = KeyResult.objects.filter(objective__cycle=cycle, carried_from__isnull=False)
    return {
        "objectives": dict(objectives.values_list("pk", "carried_from__cycle__name")),
        "key_results": dict(key_results.values_list("pk", "carried_from__objective__cycle__name")),
    }


def carry_targets(*, cycle: Cycle) -> tuple[list[str], str | None]:
    """The cycles after `cycle` one may carry into, and the name of the one that would be
    created when there is none yet (None when its name cannot be told from this one's)."""
    later = list(
        Cycle.objects.filter(starts_on__gt=cycle.starts_on, closed_at__isnull=True)
        .order_by("starts_on")
        .values_list("name", flat=True)
    )
    return later, None if next_cycle(cycle) is not None else next_cycle_name(cycle.name)


def board_closing(
    *, cycle: Cycle | None, may_change: bool, mark: DecimalMark, today: date | None = None
) -> dict[str, Any]:
    """What the board adds about the end of `cycle`: kept grades once closed, the origin of
    carried items, and whether this person may open the grading step now."""
    if cycle is None:
        return {}
    today = today or timezone.localdate()
    grading = cycle_grading(cycle=cycle, mark=mark, today=today) if cycle.closed_at else None
    return {
        "closed_at": cycle.closed_at,
        "grades": {r.id: r for r in grading.rows} if grading else {},
        "carried": carried_origins(cycle=cycle),
        "may_grade": may_change and cycle.closed_at is None and today >= grading_opens_on(cycle),
    }
