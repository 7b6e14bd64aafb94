"""The end of a cycle: grade each objective with a retrospective, close the cycle (it becomes
read-only, `common.require_open`), and carry chosen objectives and key results into the next one.

Scores come from `scoring` through `selectors.cycle_status` (an objective's score is the
weighted score of its key results); a committed objective is met only at 1.0, an aspirational one
is read against 0.7 (docs/okrs.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.okrs import scoring, selectors
from recoup.okrs.models import BaselineSource, Cycle, KeyResult, Objective, ObjectiveGrade
from recoup.okrs.selectors import KeyResultState
from recoup.okrs.services.common import (
    NUMERIC_KINDS,
    audited_create,
    audited_update,
    require_open,
    require_planner,
)
from recoup.okrs.services.cycles import cycle_create
from recoup.okrs.services.key_results import check_key_result, target_from_change

NOTE_FIELDS = ("what_worked", "what_did_not", "what_to_change")
NOTE_MAX = 4000
# Quarter names as plans write them, with how to write the next one.
_QUARTER = (
    (re.compile(r"^(?P<year>\d{4})-Q(?P<q>[1-4])$"), "{year}-Q{q}"),
    (re.compile(r"^Q(?P<q>[1-4]) (?P<year>\d{4})$"), "Q{q} {year}"),
)


@dataclass(frozen=True, slots=True)
class Retrospective:
    what_worked: str = ""
    what_did_not: str = ""
    what_to_change: str = ""


@dataclass(slots=True)
class CarryReport:
    target: Cycle
    created_cycle: bool
    objectives: list[Objective] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)


def grading_opens_on(cycle: Cycle) -> date:
    """The evaluation date (the cycle's last day when none is set)."""
    return cycle.evaluation_on or cycle.ends_on


def _check_grading_open(cycle: Cycle, today: date) -> None:
    opens = grading_opens_on(cycle)
    if today < opens:
        raise RecoupError(
            f"cycle {cycle.name!r} is graded on or after its evaluation date, {opens:%Y-%m-%d}"
        )


def _check_note(objective: Objective, name: str, text: str) -> str:
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise RecoupError(
            f"objective {objective.key!r}: {name.replace('_', ' ')} is {len(text)} characters;"
            f" keep it under {NOTE_MAX}"
        )
    return text


@transaction.atomic
def cycle_grade(
    *,
    cycle: Cycle,
    notes: Mapping[int, Retrospective],
    actor: User | None = None,
    via: str = "",
    today: date | None = None,
) -> list[ObjectiveGrade]:
    """Grade every objective on the board of `cycle` from its key results, and keep the
    retrospective notes given (by objective id); objectives not in `notes` keep theirs."""
    require_planner(actor, f"grading cycle {cycle.name!r}")
    require_open(cycle)
    today = today or timezone.localdate()
    _check_grading_open(cycle, today)
    status = selectors.cycle_status(cycle=cycle, today=today)
    objectives = {o.pk: o for o in Objective.objects.filter(cycle=cycle, archived_at__isnull=True)}
    unknown = sorted(set(notes) - set(objectives))
    if unknown:
        raise RecoupError(
            f"cycle {cycle.name!r} has no objective on its board with id {unknown[0]}"
        )
    now = timezone.now()
    grades: list[ObjectiveGrade] = []
    for state in status.objectives:
        objective = objectives[state.id]
        values: dict[str, object] = {"score": Decimal(str(state.score))}
        given = notes.get(objective.pk)
        if given is not None:
            for name in NOTE_FIELDS:
                values[name] = _check_note(objective, name, getattr(given, name))
        grade = ObjectiveGrade.objects.filter(objective=objective).first()
        if grade is None:
            grade = ObjectiveGrade(objective=objective, graded_by=actor, graded_at=now)
            for name, value in values.items():
                setattr(grade, name, value)
            audited_create(
                grade,
                action="okr_objective_grade",
                object_type="okr_objective",
                object_id=objective.pk,
                after={k: str(v) for k, v in values.items()},
                actor=actor,
                via=via,
            )
        elif audited_update(
            grade,
            values,
            action="okr_objective_grade",
            object_type="okr_objective",
            object_id=objective.pk,
            actor=actor,
            via=via,
        ):
            ObjectiveGrade.objects.filter(pk=grade.pk).update(graded_by=actor, graded_at=now)
        grades.append(grade)
    return grades


@transaction.atomic
def cycle_close(
    *, cycle: Cycle, actor: User | None = None, via: str = "", today: date | None = None
) -> Cycle:
    """Grade what is not graded yet (the scores as they stand), then close the cycle: from now on
    nothing in it changes."""
    cycle_grade(cycle=cycle, notes={}, actor=actor, via=via, today=today)
    audited_update(
        cycle,
        {"closed_at": timezone.now(), "closed_by": actor},
        action="okr_cycle_close",
        object_type="okr_cycle",
        actor=actor,
        via=via,
    )
    return cycle


def next_cycle_name(name: str) -> str | None:
    """ "2026-Q3" -> "2026-Q4", "Q4 2026" -> "Q1 2027"; None for names of another shape."""
    for pattern, shape in _QUARTER:
        found = pattern.match(name)
        if found:
            year, quarter = int(found["year"]), int(found["q"])
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
            return shape.format(year=year, q=quarter)
    return None


def next_cycle(source: Cycle) -> Cycle | None:
    """The first cycle starting after `source` starts."""
    return Cycle.objects.filter(starts_on__gt=source.starts_on).order_by("starts_on").first()


def _create_following(source: Cycle, name: str, actor: User | None, via: str) -> Cycle:
    """A cycle right after `source`, as long (in whole months) and with the same cadence."""
    starts_on = source.ends_on + timedelta(days=1)
    months = max(1, round((source.ends_on - source.starts_on).days / 30.44))
    ends_on = scoring.shift_months(starts_on, months) - timedelta(days=1)
    evaluation_on = None
    if source.evaluation_on is not None:
        evaluation_on = ends_on + (source.evaluation_on - source.ends_on)
    return cycle_create(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        checkin_weekday=source.checkin_weekday,
        evaluation_on=evaluation_on,
        on_track_within=source.on_track_within,
        at_risk_within=source.at_risk_within,
        actor=actor,
        via=via,
    )


def _target_cycle(
    source: Cycle, name: str | None, actor: User | None, via: str
) -> tuple[Cycle, bool]:
    if name:
        found = Cycle.objects.filter(name=name).first()
        if found is not None:
            if found.pk == source.pk or found.starts_on <= source.starts_on:
                raise RecoupError(
                    f"cycle {name!r} does not follow {source.name!r}: carry into a later cycle"
                )
            return found, False
        return _create_following(source, name, actor, via), True
    found = next_cycle(source)
    if found is not None:
        return found, False
    derived = next_cycle_name(source.name)
    if derived is None:
        raise RecoupError(f"there is no cycle after {source.name!r} yet: name the one to create")
    return _create_following(source, derived, actor, via), True


def _carried_objective(origin: Objective, target: Cycle, actor: User | None, via: str) -> Objective:
    existing = Objective.objects.filter(cycle=target, key=origin.key).first()
    if existing is not None:
        if existing.carried_from_id != origin.pk:
            raise RecoupError(
                f"cycle {target.name!r} already has an objective {origin.key!r} of its own"
            )
        return existing
    parent = None
    if origin.parent is not None:
        parent = Objective.objects.filter(cycle=target, key=origin.parent.key).first()
    objective = Objective(
        cycle=target,
        key=origin.key,
        title=origin.title,
        description=origin.description,
        owner=origin.owner,
        team=origin.team,
        parent=parent,
        commitment=origin.commitment,
        position=Objective.objects.filter(cycle=target).count(),
        carried_from=origin,
    )
    return audited_create(
        objective,
        action="okr_objective_carry",
        object_type="okr_objective",
        after={"cycle": target.name, "key": origin.key, "carried_from": origin.cycle.name},
        actor=actor,
        via=via,
    )


def _carried_key_result(
    origin: KeyResult, final: KeyResultState, into: Objective, actor: User | None, via: str
) -> KeyResult:
    label = f"key result {origin.objective.key}/{origin.key}"
    if KeyResult.objects.filter(objective=into, key=origin.key).exists():
        raise RecoupError(f"{label} is already in cycle {into.cycle.name!r}")
    baseline, baseline_as_of = origin.baseline, origin.baseline_as_of
    if origin.kind in NUMERIC_KINDS and final.latest_value is not None:
        baseline, baseline_as_of = final.latest_value, final.latest_data_date
    target = origin.target
    if origin.target_change_pct is not None:
        target = target_from_change(baseline, origin.target_change_pct)
    kr = KeyResult(
        objective=into,
        key=origin.key,
        title=origin.title,
        owner=origin.owner,
        kind=origin.kind,
        unit=origin.unit,
        weight=origin.weight,
        baseline=baseline,
        baseline_source=BaselineSource.KPI if origin.metric else BaselineSource.MANUAL,
        baseline_as_of=baseline_as_of,
        target=target,
        target_change_pct=origin.target_change_pct,
        metric=origin.metric,
        metric_params=dict(origin.metric_params),
        metric_filters=dict(origin.metric_filters),
        metric_window_days=origin.metric_window_days,
        expected_curve=list(origin.expected_curve),
        position=KeyResult.objects.filter(objective=into).count(),
        carried_from=origin,
    )
    try:
        check_key_result(kr)
    except RecoupError as error:
        raise RecoupError(
            f"{label} ended at {baseline}: carried with that baseline, {error}"
            "; change its target first or leave it behind"
        ) from None
    return audited_create(
        kr,
        action="okr_key_result_carry",
        object_type="okr_key_result",
        after={
            "objective": into.key,
            "key": origin.key,
            "cycle": into.cycle.name,
            "carried_from": origin.objective.cycle.name,
            "baseline": None if baseline is None else str(baseline),
        },
        actor=actor,
        via=via,
    )


@transaction.atomic
def cycle_carry_over(
    *,
    source: Cycle,
    objectives: Sequence[Objective] = (),
    key_results: Sequence[KeyResult] = (),
    target_name: str | None = None,
    actor: User | None = None,
    via: str = "",
) -> CarryReport:
    """Carry the chosen objectives and key results of the closed cycle `source` into the next
    one (`target_name`, else the cycle after it, created when there is none). A key result goes
    under its carried objective, with its final value as the new baseline; an objective carried
    without any of its key results starts empty. Each new item names its origin."""
    require_planner(actor, f"carrying objectives out of cycle {source.name!r}")
    if source.closed_at is None:
        raise RecoupError(
            f"cycle {source.name!r} is still open: grade and close it before carrying anything over"
        )
    chosen_objectives = {o.pk: o for o in objectives}
    for kr in key_results:
        chosen_objectives.setdefault(kr.objective_id, kr.objective)
    if not chosen_objectives:
        raise RecoupError("choose at least one objective or key result to carry over")
    outside = [o.key for o in chosen_objectives.values() if o.cycle_id != source.pk]
    if outside:
        raise RecoupError(f"objective {outside[0]!r} is not in cycle {source.name!r}")
    target, created = _target_cycle(source, target_name, actor, via)
    require_open(target)
    finals = {
        k.id: k for o in selectors.cycle_status(cycle=source).objectives for k in o.key_results
    }
    report = CarryReport(target=target, created_cycle=created)
    carried: dict[int, Objective] = {}
    for origin in sorted(chosen_objectives.values(), key=lambda o: (o.position, o.pk)):
        carried[origin.pk] = _carried_objective(origin, target, actor, via)
        report.objectives.append(carried[origin.pk])
    for kr in sorted(key_results, key=lambda k: (k.objective_id, k.position, k.pk)):
        final = finals.get(kr.pk)
        if final is None:
            raise RecoupError(
                f"key result {kr.objective.key}/{kr.key} is archived: restore it to carry it"
            )
        report.key_results.append(
            _carried_key_result(kr, final, carried[kr.objective_id], actor, via)
        )
    return report
