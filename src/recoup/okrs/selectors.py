"""Readers of OKR data: where each key result and objective stands (progress, expected progress,
status, score), check-in history, forecasts, the plan audit, the alignment tree and target
suggestions. Numbers a key result tracks come from the KPI engine through `kpi.py`."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q
from django.utils import timezone

from recoup.accounts.names import person_name
from recoup.core.answers import until_next_commit
from recoup.core.errors import NotFoundError, RecoupError
from recoup.core.quantities import count_text
from recoup.metrics.contracts import Direction
from recoup.okrs import kpi, scoring
from recoup.okrs.audit import AuditKeyResult, AuditObjective, AuditReport, audit_plan
from recoup.okrs.forecast import Forecast, forecast_key_result
from recoup.okrs.models import (
    CheckIn,
    Commitment,
    Confidence,
    Cycle,
    Initiative,
    InitiativeStatus,
    KeyResult,
    KeyResultKind,
    Objective,
    StatusOverride,
)
from recoup.okrs.plan import Plan
from recoup.okrs.scoring import Status, Thresholds

NUMERIC_KINDS = frozenset(
    {
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
        KeyResultKind.STAY_ABOVE,
        KeyResultKind.STAY_BELOW,
    }
)
CHECKED_IN_KINDS = NUMERIC_KINDS | {KeyResultKind.MILESTONE}
# Archived key results, and those of archived objectives, leave the board, "My work", the plan
# audit and the roll-ups; their pages and history stay.
LIVE_KEY_RESULTS = Q(archived_at__isnull=True, objective__archived_at__isnull=True)
HIGHER_IS_BETTER_KINDS = frozenset({KeyResultKind.INCREASE_TO, KeyResultKind.STAY_ABOVE})


def to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def to_json_dict(value: Any) -> dict[str, Any]:
    """A dataclass (or mapping) as a JSON-ready dict."""
    data = asdict(value) if hasattr(value, "__dataclass_fields__") else dict(value)
    return cast(dict[str, Any], to_json(data))


# --- lookups ----------------------------------------------------------------------------------


def cycle_get(*, name: str | None = None, today: date | None = None) -> Cycle:
    """The named cycle, or the one running today, or the latest one that has started."""
    if name:
        found = Cycle.objects.filter(name=name).first()
        if found is None:
            known = ", ".join(Cycle.objects.values_list("name", flat=True)) or "none yet"
            raise NotFoundError(f"no cycle {name!r} (cycles: {known})")
        return found
    today = today or timezone.localdate()
    found = (
        Cycle.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .order_by("-starts_on")
        .first()
        or Cycle.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
        or Cycle.objects.order_by("starts_on").first()
    )
    if found is None:
        raise NotFoundError(
            "there are no OKR cycles yet: apply a plan with `recoup okr apply PLAN.yaml`"
        )
    return found


def key_result_get(*, ref: str, cycle: Cycle | None = None) -> KeyResult:
    """A key result by id, or by "objective-key/key-result-key" (in `cycle`, else the latest)."""
    if ref.isdigit():
        found = KeyResult.objects.filter(pk=int(ref)).select_related("objective__cycle").first()
    else:
        if "/" not in ref:
            raise NotFoundError(
                f"key result {ref!r}: write it as objective-key/key-result-key or its id"
            )
        objective_key, kr_key = ref.split("/", 1)
        qs = KeyResult.objects.filter(objective__key=objective_key, key=kr_key)
        if cycle is not None:
            qs = qs.filter(objective__cycle=cycle)
        found = (
            qs.select_related("objective__cycle").order_by("-objective__cycle__starts_on").first()
        )
    if found is None:
        raise NotFoundError(f"no key result {ref!r}" + (f" in cycle {cycle.name}" if cycle else ""))
    return found


# --- state ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitiativeView:
    id: int
    key: str
    title: str
    owner: str | None
    due_on: date | None
    status: str
    priority: str
    owner_name: str | None = None


@dataclass(frozen=True, slots=True)
class KeyResultState:
    id: int
    ref: str
    title: str
    kind: str
    unit: str
    owner: str | None
    weight: Decimal
    metric: str
    metric_params: dict[str, str]
    metric_filters: dict[str, list[str]]
    metric_window_days: int | None
    baseline: Decimal | None
    baseline_source: str
    expected_curve: list[float]
    target: Decimal | None
    due_on: date
    latest_value: Decimal | None
    latest_data_date: date | None
    last_checkin_on: date | None
    confidence: str | None
    checkins: int
    progress: float | None
    expected: float
    computed_status: Status
    outdated: bool
    override_status: str | None
    override_reason: str | None
    status: Status
    score: float
    colour: str
    initiatives: list[InitiativeView]
    # For people: names, not usernames; the latest check-in as made (who, on which day); the
    # counted values in data-date order, for a trend.
    owner_name: str | None = None
    last_checkin_by: str | None = None
    last_checkin_confidence: str | None = None
    trend: list[tuple[date, Decimal]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ObjectiveState:
    id: int
    key: str
    title: str
    description: str
    owner: str | None
    team: str | None
    parent: str | None
    commitment: str
    progress: float | None
    expected: float
    status: Status
    score: float
    colour: str
    meets_commitment: bool | None
    key_results: list[KeyResultState]
    owner_name: str | None = None


@dataclass(frozen=True, slots=True)
class CycleStatus:
    cycle: str
    starts_on: date
    ends_on: date
    as_of: date
    checkin_weekday: int
    planning_on: date | None
    midcycle_review_on: date | None
    evaluation_on: date | None
    thresholds: dict[str, int]
    expected: float
    progress: float | None
    score: float
    colour: str
    objectives: list[ObjectiveState]

    def as_json(self) -> dict[str, Any]:
        return to_json_dict(self)


@dataclass(frozen=True, slots=True)
class _Reading:
    data_date: date
    value: Decimal | None
    confidence: str
    created_on: date
    checkin_id: int = 0
    author_name: str = ""


@dataclass(slots=True)
class _Loaded:
    cycle: Cycle
    today: date
    key_results: dict[int, KeyResult]
    readings: dict[int, list[_Reading]] = field(default_factory=lambda: defaultdict(list))
    initiatives: dict[int, list[Initiative]] = field(default_factory=lambda: defaultdict(list))
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    overrides: dict[int, StatusOverride] = field(default_factory=dict)
    memo: dict[int, KeyResultState] = field(default_factory=dict)


def _load(cycle: Cycle, today: date, extra: Iterable[KeyResult] = ()) -> _Loaded:
    krs = {
        kr.pk: kr
        for kr in KeyResult.objects.filter(LIVE_KEY_RESULTS, objective__cycle=cycle).select_related(
            "owner", "objective"
        )
    }
    for kr in extra:
        krs.setdefault(kr.pk, kr)
    # Roll-ups may gather children aligned from other cycles' objectives.
    pending = list(
        KeyResult.objects.filter(LIVE_KEY_RESULTS, rolls_up_into__in=krs.keys())
        .exclude(pk__in=krs.keys())
        .select_related("owner", "objective")
    )
    for kr in pending:
        krs[kr.pk] = kr
    loaded = _Loaded(cycle=cycle, today=today, key_results=krs)
    for c in (
        CheckIn.objects.counted()
        .filter(key_result__in=krs.keys(), data_date__lte=today)
        .select_related("author")
        .order_by("data_date", "created_at", "id")
    ):
        loaded.readings[c.key_result_id].append(
            _Reading(
                c.data_date,
                c.value,
                c.confidence,
                timezone.localdate(c.created_at),
                c.pk,
                person_name(c.author),
            )
        )
    live = Initiative.objects.filter(key_result__in=krs.keys(), archived_at__isnull=True)
    for ini in live.select_related("owner"):
        loaded.initiatives[ini.key_result_id].append(ini)
    for kr in krs.values():
        if kr.rolls_up_into_id is not None:
            loaded.children[kr.rolls_up_into_id].append(kr.pk)
    for o in StatusOverride.objects.filter(
        key_result__in=krs.keys(), cleared_at__isnull=True
    ).order_by("created_at", "id"):
        loaded.overrides[o.key_result_id] = o
    return loaded


def _thresholds(cycle: Cycle) -> Thresholds:
    return Thresholds(cycle.on_track_within, cycle.at_risk_within)


def _compute_progress(
    kr: KeyResult, readings: Sequence[_Reading], loaded: _Loaded, stack: frozenset[int]
) -> float | None:
    values = [r.value for r in readings if r.value is not None]
    latest = values[-1] if values else None
    try:
        if kr.kind == KeyResultKind.INCREASE_TO:
            if latest is None or kr.baseline is None or kr.target is None:
                return None
            return scoring.progress_increase(baseline=kr.baseline, target=kr.target, actual=latest)
        if kr.kind == KeyResultKind.DECREASE_TO:
            if latest is None or kr.baseline is None or kr.target is None:
                return None
            return scoring.progress_decrease(baseline=kr.baseline, target=kr.target, actual=latest)
    except scoring.ProgressError:
        return None
    if kr.kind in (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW):
        if kr.target is None:
            return None
        return scoring.progress_in_band(
            values=values, target=kr.target, above=kr.kind == KeyResultKind.STAY_ABOVE
        )
    if kr.kind == KeyResultKind.MILESTONE:
        return scoring.progress_milestone(latest=latest) if readings else None
    if kr.kind == KeyResultKind.TASK_TRACKED:
        counted = [i for i in loaded.initiatives[kr.pk] if i.status != InitiativeStatus.CANCELLED]
        done = sum(1 for i in counted if i.status == InitiativeStatus.DONE)
        return scoring.progress_task_tracked(done=done, total=len(counted))
    # Roll-up: a child that (wrongly) leads back to this key result is ignored, not looped on.
    items = [
        (
            _state(loaded.key_results[c], loaded, stack | {kr.pk}).progress,
            loaded.key_results[c].weight,
        )
        for c in loaded.children[kr.pk]
        if c not in stack
    ]
    return scoring.weighted_progress(items)


def _expected(kr: KeyResult, cycle: Cycle, due_on: date, on: date) -> float:
    if kr.kind in (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW):
        return 1.0
    if kr.kind == KeyResultKind.MILESTONE:
        return scoring.expected_progress_milestone(due_on=due_on, on=on)
    if due_on <= cycle.starts_on:
        return 1.0
    if kr.expected_curve:
        return scoring.expected_progress_seasonal(
            curve=[float(v) for v in kr.expected_curve],
            starts_on=cycle.starts_on,
            ends_on=due_on,
            on=on,
        )
    return scoring.expected_progress_linear(starts_on=cycle.starts_on, ends_on=due_on, on=on)


def _state(kr: KeyResult, loaded: _Loaded, stack: frozenset[int] = frozenset()) -> KeyResultState:
    if kr.pk in loaded.memo:
        return loaded.memo[kr.pk]
    cycle = loaded.cycle if kr.objective.cycle_id == loaded.cycle.pk else kr.objective.cycle
    today = loaded.today
    readings = loaded.readings[kr.pk]
    due_on = kr.due_on or cycle.ends_on
    progress = _compute_progress(kr, readings, loaded, stack)
    expected = _expected(kr, cycle, due_on, today)
    computed = (
        Status.NOT_STARTED
        if progress is None
        else scoring.status_from_progress(
            actual=progress, expected=expected, thresholds=_thresholds(cycle)
        )
    )
    last_on = max((r.created_on for r in readings), default=None)
    outdated = kr.kind in CHECKED_IN_KINDS and scoring.is_outdated(
        last_checkin_on=last_on,
        today=today,
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        weekday=cycle.checkin_weekday,
    )
    override = loaded.overrides.get(kr.pk)
    status = scoring.effective_status(
        computed=computed, outdated=outdated, override=override.status if override else None
    )
    with_value = [r for r in readings if r.value is not None]
    # The check-in made last (readings are in data-date order; a late one may describe an
    # earlier week).
    made_last = max(readings, key=lambda r: (r.created_on, r.checkin_id), default=None)
    score = scoring.end_of_cycle_score(progress)
    state = KeyResultState(
        id=kr.pk,
        ref=f"{kr.objective.key}/{kr.key}",
        title=kr.title,
        kind=kr.kind,
        unit=kr.unit,
        owner=kr.owner.username if kr.owner else None,
        weight=kr.weight,
        metric=kr.metric,
        metric_params=dict(kr.metric_params),
        metric_filters={k: list(v) for k, v in kr.metric_filters.items()},
        metric_window_days=kr.metric_window_days,
        baseline=kr.baseline,
        baseline_source=kr.baseline_source,
        expected_curve=[float(v) for v in kr.expected_curve],
        target=kr.target,
        due_on=due_on,
        latest_value=with_value[-1].value if with_value else None,
        latest_data_date=with_value[-1].data_date if with_value else None,
        last_checkin_on=last_on,
        confidence=readings[-1].confidence if readings else None,
        checkins=len(readings),
        progress=progress,
        expected=expected,
        computed_status=computed,
        outdated=outdated,
        override_status=override.status if override else None,
        override_reason=override.reason if override else None,
        status=status,
        score=score,
        colour=scoring.score_colour(score),
        initiatives=[
            InitiativeView(
                i.pk,
                i.key,
                i.title,
                i.owner.username if i.owner else None,
                i.due_on,
                i.status,
                i.priority,
                person_name(i.owner) or None,
            )
            for i in loaded.initiatives[kr.pk]
        ],
        owner_name=person_name(kr.owner) or None,
        last_checkin_by=(made_last.author_name or "automatic KPI reading") if made_last else None,
        last_checkin_confidence=made_last.confidence if made_last else None,
        trend=[(r.data_date, r.value) for r in with_value if r.value is not None],
    )
    loaded.memo[kr.pk] = state
    return state


def _objective_state(o: Objective, loaded: _Loaded) -> ObjectiveState:
    krs = [_state(kr, loaded) for kr in loaded.key_results.values() if kr.objective_id == o.pk]
    krs.sort(key=lambda s: (loaded.key_results[s.id].position, s.id))
    progress = scoring.weighted_progress([(k.progress, k.weight) for k in krs])
    expected = scoring.expected_progress_linear(
        starts_on=loaded.cycle.starts_on, ends_on=loaded.cycle.ends_on, on=loaded.today
    )
    status = (
        Status.NOT_STARTED
        if progress is None
        else scoring.status_from_progress(
            actual=progress, expected=expected, thresholds=_thresholds(loaded.cycle)
        )
    )
    total_weight = sum((k.weight for k in krs), Decimal(0))
    score = (
        round(sum(k.score * float(k.weight) for k in krs) / float(total_weight), 1) if krs else 0.0
    )
    return ObjectiveState(
        id=o.pk,
        key=o.key,
        title=o.title,
        description=o.description,
        owner=o.owner.username if o.owner else None,
        team=o.team.name if o.team else None,
        parent=o.parent.key if o.parent else None,
        commitment=o.commitment,
        progress=progress,
        expected=expected,
        status=status,
        score=score,
        colour=scoring.score_colour(score),
        meets_commitment=score >= 1.0 if o.commitment == Commitment.COMMITTED else None,
        key_results=krs,
        owner_name=person_name(o.owner) or None,
    )


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def cycle_status(
    *, cycle: Cycle, today: date | None = None, team: str | None = None
) -> CycleStatus:
    on = _today(today)
    # Everyone's board reads the same plan and check-ins: once per commit, not per page.
    return until_next_commit(
        ("cycle_status", cycle.pk, on, team or ""), lambda: _cycle_status(cycle, on, team)
    )


def _cycle_status(cycle: Cycle, on: date, team: str | None) -> CycleStatus:
    loaded = _load(cycle, on)
    objectives = Objective.objects.filter(cycle=cycle, archived_at__isnull=True).select_related(
        "owner", "team", "parent"
    )
    if team:
        objectives = objectives.filter(team__name=team)
    states = [_objective_state(o, loaded) for o in objectives]
    progress = scoring.weighted_progress([(o.progress, Decimal(1)) for o in states])
    score = round(sum(o.score for o in states) / len(states), 1) if states else 0.0
    return CycleStatus(
        cycle=cycle.name,
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        as_of=on,
        checkin_weekday=cycle.checkin_weekday,
        planning_on=cycle.planning_on,
        midcycle_review_on=cycle.midcycle_review_on,
        evaluation_on=cycle.evaluation_on,
        thresholds={
            "on_track_within": cycle.on_track_within,
            "at_risk_within": cycle.at_risk_within,
        },
        expected=scoring.expected_progress_linear(
            starts_on=cycle.starts_on, ends_on=cycle.ends_on, on=on
        ),
        progress=progress,
        score=score,
        colour=scoring.score_colour(score),
        objectives=states,
    )


def key_result_state(*, key_result: KeyResult, today: date | None = None) -> KeyResultState:
    cycle = key_result.objective.cycle
    return _state(key_result, _load(cycle, _today(today), extra=[key_result]))


def key_result_confidence_for(*, key_result: KeyResult, value: Decimal, on: date) -> str:
    """The confidence an automatic check-in of `value` on `on` carries: the status computed from
    progress against expectation, and 'off track' where the rule forbids a third 'at risk'."""
    cycle = key_result.objective.cycle
    loaded = _load(cycle, on, extra=[key_result])
    loaded.readings[key_result.pk].append(_Reading(on, value, "", on))
    computed = _state(key_result, loaded).computed_status
    confidence = (
        Confidence.AT_RISK if computed == Status.NOT_STARTED else Confidence(computed.value)
    )
    previous = checkin_confidences(key_result=key_result)
    if scoring.at_risk_rule_violation(previous=previous, new=confidence):
        return Confidence.OFF_TRACK
    return confidence


def checkin_confidences(*, key_result: KeyResult, leaving_out: CheckIn | None = None) -> list[str]:
    """The confidences the at-risk rule reads, oldest first: the latest counted check-ins, in the
    order they were made whatever dates they describe (without `leaving_out`, the one a
    correction replaces)."""
    counted = CheckIn.objects.counted().filter(key_result=key_result)
    if leaving_out is not None:
        counted = counted.exclude(pk=leaving_out.pk)
    return list(
        counted.order_by("-created_at", "-id").values_list("confidence", flat=True)[
            : scoring.MAX_AT_RISK_IN_A_ROW
        ]
    )[::-1]


# --- history and forecast ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckInView:
    id: int
    value: Decimal | None
    data_date: date
    ledger_as_of: date | None
    confidence: str
    comment: str
    author: str | None
    source: str
    created_at: str
    # Withdrawn or replaced by a correction: kept in the history, counted nowhere.
    withdrawn_at: str | None = None
    corrects: int | None = None
    corrected_by: int | None = None
    author_name: str | None = None


def _checkin_view(c: CheckIn, corrected_by: int | None) -> CheckInView:
    return CheckInView(
        c.pk,
        c.value,
        c.data_date,
        c.ledger_as_of,
        c.confidence,
        c.comment,
        c.author.username if c.author else None,
        c.source,
        c.created_at.isoformat(),
        c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        c.corrects_id,
        corrected_by,
        person_name(c.author) or None,
    )


def key_result_history(*, key_result: KeyResult) -> list[CheckInView]:
    """Every check-in, withdrawn and corrected ones included, in the order they were made."""
    rows = list(
        CheckIn.objects.filter(key_result=key_result)
        .select_related("author")
        .order_by("created_at", "id")
    )
    corrected_by = {c.corrects_id: c.pk for c in rows if c.corrects_id is not None}
    return [_checkin_view(c, corrected_by.get(c.pk)) for c in rows]


def checkin_latest(*, key_result: KeyResult) -> CheckIn | None:
    """The latest counted check-in: the previous value a new one is read against, and the only
    one its author may correct or withdraw."""
    return (
        CheckIn.objects.counted()
        .filter(key_result=key_result)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True, slots=True)
class CheckInPreview:
    """What a typed value would do: progress and computed status, by the board's own code."""

    value: Decimal
    progress: float | None
    expected: float
    status: Status
    before_progress: float | None
    before_status: Status


def checkin_preview(
    *,
    key_result: KeyResult,
    value: Decimal,
    on: date | None = None,
    replacing: CheckIn | None = None,
) -> CheckInPreview:
    """Progress and status of `key_result` if `value` were checked in today (in place of
    `replacing`, for a correction): the same `_state` the board computes, with one more reading."""
    today = _today(on)
    cycle = key_result.objective.cycle
    loaded = _load(cycle, today, extra=[key_result])
    before = _state(key_result, loaded)
    loaded.memo.clear()
    readings = loaded.readings[key_result.pk]
    data_date = today
    if replacing is not None:
        data_date = replacing.data_date
        readings[:] = [r for r in readings if r.checkin_id != replacing.pk]
    readings.append(_Reading(data_date, value, "", today))
    readings.sort(key=lambda r: r.data_date)
    after = _state(key_result, loaded)
    return CheckInPreview(
        value=value,
        progress=after.progress,
        expected=after.expected,
        status=after.computed_status,
        before_progress=before.progress,
        before_status=before.computed_status,
    )


def key_result_forecast(*, key_result: KeyResult, today: date | None = None) -> Forecast:
    on = _today(today)
    if key_result.kind not in NUMERIC_KINDS or key_result.target is None:
        return Forecast(
            0, None, None, None, None, f"a '{key_result.kind}' key result has no numeric forecast"
        )
    cycle = key_result.objective.cycle
    series: list[tuple[date, Decimal]] = []
    if key_result.baseline is not None and key_result.kind in (
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
    ):
        # The baseline is the reading at cycle start: the first point of the trend.
        series.append((key_result.baseline_as_of or cycle.starts_on, key_result.baseline))
    series += [
        (c.data_date, c.value)
        for c in CheckIn.objects.counted()
        .filter(key_result=key_result, value__isnull=False, data_date__lte=on)
        .order_by("data_date", "created_at", "id")
        if c.value is not None
    ]
    return forecast_key_result(
        series=series,
        ends_on=key_result.due_on or cycle.ends_on,
        target=key_result.target,
        higher_is_better=key_result.kind in HIGHER_IS_BETTER_KINDS,
        percent=key_result.unit.strip().lower() in ("percent", "%"),
    )


# --- audit and alignment ----------------------------------------------------------------------


def _known_metrics() -> frozenset[str]:
    return frozenset(kpi.kpi_definitions())


def cycle_audit(*, cycle: Cycle, today: date | None = None) -> AuditReport:
    objectives = []
    krs_by_objective: dict[int, list[KeyResult]] = defaultdict(list)
    live_krs = KeyResult.objects.filter(LIVE_KEY_RESULTS, objective__cycle=cycle)
    for kr in live_krs.select_related("owner", "objective"):
        krs_by_objective[kr.objective_id].append(kr)
    for o in Objective.objects.filter(cycle=cycle, archived_at__isnull=True).select_related(
        "owner", "team"
    ):
        objectives.append(
            AuditObjective(
                ref=o.key,
                title=o.title,
                team=o.team.name if o.team else None,
                owner=o.owner.username if o.owner else None,
                key_results=[
                    AuditKeyResult(
                        ref=f"{o.key}/{kr.key}",
                        title=kr.title,
                        kind=kr.kind,
                        owner=kr.owner.username if kr.owner else None,
                        unit=kr.unit,
                        baseline=kr.baseline,
                        target=kr.target,
                        metric=kr.metric,
                        due_on=kr.due_on,
                        target_change_pct=kr.target_change_pct,
                    )
                    for kr in krs_by_objective[o.pk]
                ],
            )
        )
    report = audit_plan(
        objectives=objectives,
        cycle_starts_on=cycle.starts_on,
        cycle_ends_on=cycle.ends_on,
        known_metrics=_known_metrics(),
    )
    # Key results called on track while the data says otherwise: listed, not scored (a status,
    # not a flaw of the plan). Imported here: the rule reads this module's states.
    from recoup.okrs.honesty import honesty_findings

    report.findings.extend(honesty_findings(cycle=cycle, today=today))
    return report


def plan_audit(*, plan: Plan) -> AuditReport:
    """Audit a plan file before it is applied; findings carry the plan's line numbers."""
    objectives = [
        AuditObjective(
            ref=o.key,
            title=o.title,
            team=o.team,
            owner=o.owner,
            line=o.line,
            key_results=[
                AuditKeyResult(
                    ref=f"{o.key}/{kr.key}",
                    title=kr.title,
                    kind=kr.kind,
                    owner=kr.owner,
                    unit=kr.unit,
                    baseline=kr.baseline,
                    target=kr.target,
                    metric=kr.metric,
                    due_on=kr.due_on,
                    line=kr.line,
                    target_change_pct=kr.target_change_pct,
                )
                for kr in o.key_results
            ],
        )
        for o in plan.objectives
    ]
    return audit_plan(
        objectives=objectives,
        cycle_starts_on=plan.cycle.starts_on,
        cycle_ends_on=plan.cycle.ends_on,
        known_metrics=_known_metrics(),
    )


def alignment_tree(*, cycle: Cycle, today: date | None = None) -> list[dict[str, Any]]:
    """The strategy map: objectives nested under the objectives they align to, each with its
    key results and status. Parents in other cycles appear as roots' `aligned_to`."""
    status = cycle_status(cycle=cycle, today=today)
    by_key = {o.key: o for o in status.objectives}
    children: dict[str | None, list[ObjectiveState]] = defaultdict(list)
    for o in status.objectives:
        children[o.parent if o.parent in by_key else None].append(o)

    def node(o: ObjectiveState, seen: frozenset[str]) -> dict[str, Any]:
        return {
            "key": o.key,
            "title": o.title,
            "team": o.team,
            "owner": o.owner,
            "commitment": o.commitment,
            "progress": to_json(o.progress),
            "status": o.status.value,
            "aligned_to": o.parent,
            "key_results": [
                {
                    "ref": k.ref,
                    "title": k.title,
                    "progress": to_json(k.progress),
                    "status": k.status.value,
                }
                for k in o.key_results
            ],
            "children": [node(c, seen | {o.key}) for c in children[o.key] if c.key not in seen],
        }

    return [node(o, frozenset()) for o in children[None]]


# --- realistic targets ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetSuggestion:
    metric: str
    unit: str
    higher_is_better: bool
    as_of: date
    baseline: Decimal
    status_quo: Decimal
    commit: Decimal
    stretch: Decimal
    history: list[tuple[date, Decimal]]
    changes: list[Decimal]
    reasoning: list[str]

    def as_json(self) -> dict[str, Any]:
        return to_json_dict(self)


def _percentile(values: Sequence[Decimal], q: float) -> Decimal:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = Decimal(str(position - low))
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def _bounded(value: Decimal, unit: str) -> Decimal:
    if unit == "percent":
        return min(Decimal(100), max(Decimal(0), value))
    if unit in ("count", "money", "days", "ratio"):
        return max(Decimal(0), value)
    return value


def target_suggest(
    *,
    metric: str,
    params: Mapping[str, str],
    filters: Mapping[str, list[str]],
    starts_on: date,
    ends_on: date,
    history_cycles: int = 8,
    window_days: int | None = None,
) -> TargetSuggestion:
    """Baseline as of the cycle start; the status quo (the median past change continuing) and
    commit and stretch targets from the spread of the team's own past cycle-on-cycle changes
    (75th and 90th percentile of improvements), all read from the KPI engine at past dates."""
    definitions = kpi.kpi_definitions()
    info = definitions.get(metric)
    if info is None:
        raise RecoupError(
            f"KPI {metric!r} is not in the catalogue ({', '.join(sorted(definitions))})"
        )
    higher = info.direction == Direction.HIGHER_IS_BETTER
    months = max(1, round((ends_on - starts_on).days / 30.44))
    dates = [scoring.shift_months(starts_on, -months * k) for k in range(history_cycles, -1, -1)]
    readings = kpi.kpi_evaluate_at(
        metric=metric, days=dates, params=params, filters=filters, window_days=window_days
    )
    history = [(d, value) for d in dates if (value := readings.get(d)) is not None]
    if not history or history[-1][0] != starts_on:
        raise RecoupError(
            f"{metric} has no value as of {starts_on}: there is no baseline to start from"
        )
    baseline = history[-1][1]
    changes = [b[1] - a[1] for a, b in itertools.pairwise(history)]
    sign = Decimal(1) if higher else Decimal(-1)
    reasoning = [
        f"baseline: {metric} as of {starts_on} = {baseline} {info.unit}",
        f"history: {count_text(len(history), 'reading')} {count_text(months, 'month')} apart, "
        f"{count_text(len(changes), 'cycle-on-cycle change')}",
    ]
    if len(changes) < 2:
        reasoning.append(
            "too little history for a spread: commit holds the baseline, stretch asks for 5 % better"
        )
        status_quo = baseline
        commit = baseline
        stretch = _bounded(baseline + sign * abs(baseline) * Decimal("0.05"), info.unit)
    else:
        improvements = [sign * c for c in changes]
        median = Decimal(str(statistics.median(improvements)))
        p75 = _percentile(improvements, 0.75)
        p90 = _percentile(improvements, 0.90)
        status_quo = _bounded(baseline + sign * median, info.unit)
        commit = _bounded(baseline + sign * max(p75, Decimal(0)), info.unit)
        stretch = _bounded(baseline + sign * max(p90, p75, Decimal(0)), info.unit)
        reasoning += [
            f"past changes ({'higher' if higher else 'lower'} is better): "
            + ", ".join(f"{c:+}" for c in changes),
            f"status quo: the median change ({sign * median:+}) continues -> {status_quo}",
            f"commit: the 75th percentile of past improvements ({p75:+}), which the team "
            f"matched or beat in about one past cycle in four: reachable with effort -> {commit}",
            f"stretch: the 90th percentile ({p90:+}), the team's best cycles -> {stretch}",
        ]
        if p75 <= 0:
            reasoning.append(
                "the team has rarely improved this KPI: commit holds the line at the baseline"
            )
    quantum = Decimal("0.01")
    return TargetSuggestion(
        metric=metric,
        unit=info.unit,
        higher_is_better=higher,
        as_of=starts_on,
        baseline=baseline,
        status_quo=status_quo.quantize(quantum),
        commit=commit.quantize(quantum),
        stretch=stretch.quantize(quantum),
        history=history,
        changes=changes,
        reasoning=reasoning,
    )
