"""The only writers of OKR data: cycles, objectives, key results, initiatives, check-ins, status
overrides, the automatic weekly check-in and the application of a plan file.

Each function runs in one transaction and writes an audit row through `audit_record`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from recoup.accounts.access import (
    can_change_okrs,
    can_change_org_settings,
    can_check_in,
    can_manage_users,
    can_override_status,
    can_progress_initiative,
    require,
)
from recoup.accounts.models import Role, Team, TeamMembership, User
from recoup.accounts.services import audit_record, team_create, team_member_add, user_create
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import kpi, scoring
from recoup.okrs.models import (
    BaselineSource,
    CheckIn,
    CheckInSource,
    Commitment,
    Confidence,
    Cycle,
    Initiative,
    InitiativeStatus,
    KeyResult,
    KeyResultKind,
    Objective,
    Priority,
    StatusOverride,
)
from recoup.okrs.plan import Plan, PlanError, PlanKeyResult

NUMERIC_KINDS = frozenset(
    {
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
        KeyResultKind.STAY_ABOVE,
        KeyResultKind.STAY_BELOW,
    }
)
CHECKED_IN_KINDS = NUMERIC_KINDS | {KeyResultKind.MILESTONE}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _set_fields(
    obj: models.Model, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Assign changed fields; returns (before, after) of what changed, both JSON-ready."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        same = old == new
        if isinstance(old, Decimal) and isinstance(new, Decimal):
            same = old.compare_total(new) == 0 or old == new
        if not same:
            before[name] = _plain(old)
            after[name] = _plain(new)
            setattr(obj, name, new)
    return before, after


def _validate(obj: models.Model) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        details = "; ".join(
            f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in exc.message_dict.items()
        )
        raise RecoupError(f"{obj._meta.verbose_name}: {details}") from None


def _require_planner(actor: User | None, what: str) -> None:
    # A person acts with the rights of their role; jobs and commands that name no one act as the
    # organisation. The interfaces ask the same predicates first, to answer before any work.
    require(actor is None or can_change_okrs(actor), f"{what} is for managers and admins")


def _save(obj: models.Model) -> None:
    _validate(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise RecoupError(f"{obj._meta.verbose_name}: {exc}") from None


# --- cycles, objectives, key results, initiatives -------------------------------------------


@transaction.atomic
def cycle_create(
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    checkin_weekday: int = 0,
    planning_on: date | None = None,
    midcycle_review_on: date | None = None,
    evaluation_on: date | None = None,
    on_track_within: int = 10,
    at_risk_within: int = 25,
    actor: User | None = None,
    via: str = "",
) -> Cycle:
    _require_planner(actor, f"creating cycle {name!r}")
    if ends_on <= starts_on:
        raise RecoupError(f"cycle {name!r}: ends_on {ends_on} must be after starts_on {starts_on}")
    if not 0 <= checkin_weekday <= 6:
        raise RecoupError(f"cycle {name!r}: checkin_weekday must be 0 (Monday) to 6 (Sunday)")
    scoring.Thresholds(on_track_within, at_risk_within)
    if Cycle.objects.filter(name=name).exists():
        raise RecoupError(f"cycle {name!r} already exists")
    cycle = Cycle(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        checkin_weekday=checkin_weekday,
        planning_on=planning_on,
        midcycle_review_on=midcycle_review_on,
        evaluation_on=evaluation_on,
        on_track_within=on_track_within,
        at_risk_within=at_risk_within,
    )
    _save(cycle)
    audit_record(
        action="okr_cycle_create",
        object_type="okr_cycle",
        object_id=cycle.pk,
        after={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        actor=actor,
        via=via,
    )
    return cycle


CYCLE_CADENCE_FIELDS = frozenset(
    {
        "checkin_weekday",
        "planning_on",
        "midcycle_review_on",
        "evaluation_on",
        "on_track_within",
        "at_risk_within",
    }
)


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Cycle:
    """Change a cycle's cadence: check-in weekday, ritual dates and status thresholds. The
    cycle's name and dates stay: key results' expected progress is measured against them."""
    require(
        actor is None or can_change_org_settings(actor),
        f"cycle {cycle.name!r}: only an admin changes the cadence",
    )
    unknown = set(changes) - CYCLE_CADENCE_FIELDS
    if unknown:
        raise RecoupError(f"cycle {cycle.name!r}: cannot change {', '.join(sorted(unknown))}")
    weekday = changes.get("checkin_weekday", cycle.checkin_weekday)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise RecoupError(f"cycle {cycle.name!r}: checkin_weekday must be 0 (Monday) to 6 (Sunday)")
    scoring.Thresholds(
        changes.get("on_track_within", cycle.on_track_within),
        changes.get("at_risk_within", cycle.at_risk_within),
    )
    dates = {
        name: changes.get(name, getattr(cycle, name))
        for name in ("planning_on", "midcycle_review_on", "evaluation_on")
    }
    span = f"({cycle.starts_on} to {cycle.ends_on})"
    review = dates["midcycle_review_on"]
    if review is not None and not cycle.starts_on <= review <= cycle.ends_on:
        raise RecoupError(
            f"cycle {cycle.name!r}: the mid-cycle review {review} is outside it {span}"
        )
    if dates["planning_on"] is not None and dates["planning_on"] > cycle.ends_on:
        raise RecoupError(
            f"cycle {cycle.name!r}: planning on {dates['planning_on']} is after it ends {span}"
        )
    if dates["evaluation_on"] is not None and dates["evaluation_on"] < cycle.starts_on:
        raise RecoupError(
            f"cycle {cycle.name!r}: evaluation on {dates['evaluation_on']} is before it starts {span}"
        )
    before, after = _set_fields(cycle, changes)
    if after:
        _save(cycle)
        if "checkin_weekday" in after:
            from recoup.okrs.tasks import okr_schedule_refresh  # tasks import these services

            transaction.on_commit(okr_schedule_refresh)
        audit_record(
            action="okr_cycle_update",
            object_type="okr_cycle",
            object_id=cycle.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return cycle


@transaction.atomic
def objective_create(
    *,
    cycle: Cycle,
    key: str,
    title: str,
    description: str = "",
    owner: User | None = None,
    team: Team | None = None,
    parent: Objective | None = None,
    commitment: str = Commitment.COMMITTED,
    actor: User | None = None,
    via: str = "",
) -> Objective:
    _require_planner(actor, f"creating objective {key!r}")
    if Objective.objects.filter(cycle=cycle, key=key).exists():
        raise RecoupError(f"objective {key!r} already exists in cycle {cycle.name}")
    position = Objective.objects.filter(cycle=cycle).count()
    objective = Objective(
        cycle=cycle,
        key=key,
        title=title,
        description=description,
        owner=owner,
        team=team,
        parent=parent,
        commitment=commitment,
        position=position,
    )
    _save(objective)
    audit_record(
        action="okr_objective_create",
        object_type="okr_objective",
        object_id=objective.pk,
        after={"cycle": cycle.name, "key": key, "title": title},
        actor=actor,
        via=via,
    )
    return objective


OBJECTIVE_FIELDS = frozenset({"title", "description", "owner", "team", "parent", "commitment"})


@transaction.atomic
def objective_update(
    *, objective: Objective, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Objective:
    _require_planner(actor, f"changing objective {objective.key!r}")
    unknown = set(changes) - OBJECTIVE_FIELDS
    if unknown:
        raise RecoupError(f"objective: cannot change {', '.join(sorted(unknown))}")
    parent = changes.get("parent")
    if parent is not None and _objective_is_ancestor(objective, parent):
        raise RecoupError(
            f"objective {objective.key!r}: aligning under {parent.key!r} makes a loop"
        )
    before, after = _set_fields(objective, changes)
    if after:
        _save(objective)
        audit_record(
            action="okr_objective_update",
            object_type="okr_objective",
            object_id=objective.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return objective


def _objective_is_ancestor(objective: Objective, candidate: Objective) -> bool:
    node: Objective | None = candidate
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == objective.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _target_from_change(kr: KeyResult) -> None:
    if kr.target_change_pct is not None and kr.baseline is not None:
        kr.target = (kr.baseline * (1 + kr.target_change_pct / 100)).quantize(Decimal("0.000001"))


def _check_key_result(kr: KeyResult) -> None:
    label = f"key result {kr.key!r}"
    if kr.kind in (KeyResultKind.INCREASE_TO, KeyResultKind.DECREASE_TO) and (
        kr.baseline is not None and kr.target is not None
    ):
        if kr.kind == KeyResultKind.INCREASE_TO and kr.target <= kr.baseline:
            raise RecoupError(
                f"{label}: 'increase_to' needs a target above the baseline ({kr.target} <= {kr.baseline})"
            )
        if kr.kind == KeyResultKind.DECREASE_TO and kr.target >= kr.baseline:
            raise RecoupError(
                f"{label}: 'decrease_to' needs a target below the baseline ({kr.target} >= {kr.baseline})"
            )
    if kr.kind in NUMERIC_KINDS and kr.target is None and kr.target_change_pct is None:
        raise RecoupError(f"{label}: a '{kr.kind}' key result needs a target")
    if kr.target_change_pct is not None and kr.kind not in (
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
    ):
        raise RecoupError(
            f"{label}: a target relative to the baseline needs 'increase_to' or 'decrease_to'"
        )
    if kr.target_change_pct is not None and (
        (kr.kind == KeyResultKind.INCREASE_TO) != (kr.target_change_pct > 0)
    ):
        raise RecoupError(
            f"{label}: a change of {kr.target_change_pct:+}% does not fit '{kr.kind}'"
        )
    if kr.weight <= 0:
        raise RecoupError(f"{label}: weight must be positive, got {kr.weight}")
    if kr.metric:
        problems = _metric_problems(kr.metric, kr.metric_params, kr.metric_filters, kr.kind)
        if problems:
            raise RecoupError(f"{label}: {'; '.join(problems)}")


@transaction.atomic
def key_result_create(
    *,
    objective: Objective,
    key: str,
    title: str,
    kind: str,
    owner: User | None = None,
    unit: str = "",
    weight: Decimal = Decimal(1),
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_change_pct: Decimal | None = None,
    due_on: date | None = None,
    metric: str = "",
    metric_params: Mapping[str, str] | None = None,
    metric_filters: Mapping[str, list[str]] | None = None,
    metric_window_days: int | None = None,
    actor: User | None = None,
    via: str = "",
) -> KeyResult:
    _require_planner(actor, f"creating key result {key!r}")
    if KeyResult.objects.filter(objective=objective, key=key).exists():
        raise RecoupError(f"key result {key!r} already exists under objective {objective.key!r}")
    kr = KeyResult(
        objective=objective,
        key=key,
        title=title,
        kind=kind,
        owner=owner,
        unit=unit,
        weight=weight,
        baseline=baseline,
        target=target,
        target_change_pct=target_change_pct,
        due_on=due_on,
        metric=metric,
        metric_params=dict(metric_params or {}),
        metric_filters=dict(metric_filters or {}),
        metric_window_days=metric_window_days,
        position=KeyResult.objects.filter(objective=objective).count(),
    )
    if target_change_pct is not None:
        kr.target = None
    _target_from_change(kr)
    _check_key_result(kr)
    _save(kr)
    audit_record(
        action="okr_key_result_create",
        object_type="okr_key_result",
        object_id=kr.pk,
        after={
            "objective": objective.key,
            "key": key,
            "title": title,
            "kind": kind,
            "metric": metric,
            "baseline": _plain(baseline),
            "target": _plain(target),
        },
        actor=actor,
        via=via,
    )
    return kr


KEY_RESULT_FIELDS = frozenset(
    {
        "title",
        "kind",
        "owner",
        "unit",
        "weight",
        "baseline",
        "target",
        "target_change_pct",
        "due_on",
        "metric",
        "metric_params",
        "metric_filters",
        "metric_window_days",
        "rolls_up_into",
    }
)


@transaction.atomic
def key_result_update(
    *, key_result: KeyResult, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> KeyResult:
    _require_planner(actor, f"changing key result {key_result.key!r}")
    unknown = set(changes) - KEY_RESULT_FIELDS
    if unknown:
        raise RecoupError(f"key result: cannot change {', '.join(sorted(unknown))}")
    values = dict(changes)
    if "baseline" in values and values["baseline"] is not None:
        values["baseline_source"] = BaselineSource.MANUAL
    parent = values.get("rolls_up_into")
    if parent is not None:
        if parent.kind != KeyResultKind.ROLL_UP:
            raise RecoupError(
                f"key result {key_result.key!r}: {parent.key!r} is not a roll-up key result"
            )
        if parent.pk == key_result.pk:
            raise RecoupError(f"key result {key_result.key!r} cannot roll up into itself")
    if values.get("target_change_pct") is not None:
        values.pop("target", None)
        baseline = values.get("baseline", key_result.baseline)
        if baseline is not None:
            values["target"] = (baseline * (1 + values["target_change_pct"] / 100)).quantize(
                Decimal("0.000001")
            )
    before, after = _set_fields(key_result, values)
    if after:
        _check_key_result(key_result)
        _save(key_result)
        audit_record(
            action="okr_key_result_update",
            object_type="okr_key_result",
            object_id=key_result.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return key_result


@transaction.atomic
def initiative_create(
    *,
    key_result: KeyResult,
    key: str,
    title: str,
    owner: User | None = None,
    due_on: date | None = None,
    status: str = InitiativeStatus.TODO,
    priority: str = Priority.MEDIUM,
    actor: User | None = None,
    via: str = "",
) -> Initiative:
    _require_planner(actor, f"creating initiative {key!r}")
    if Initiative.objects.filter(key_result=key_result, key=key).exists():
        raise RecoupError(f"initiative {key!r} already exists under key result {key_result.key!r}")
    initiative = Initiative(
        key_result=key_result,
        key=key,
        title=title,
        owner=owner,
        due_on=due_on,
        status=status,
        priority=priority,
        position=Initiative.objects.filter(key_result=key_result).count(),
    )
    _save(initiative)
    audit_record(
        action="okr_initiative_create",
        object_type="okr_initiative",
        object_id=initiative.pk,
        after={"key_result": key_result.key, "key": key, "title": title, "status": status},
        actor=actor,
        via=via,
    )
    return initiative


INITIATIVE_FIELDS = frozenset({"title", "owner", "due_on", "status", "priority"})
# What someone who works on an initiative may change without planning rights.
INITIATIVE_PROGRESS_STATUSES = frozenset(
    {InitiativeStatus.TODO, InitiativeStatus.IN_PROGRESS, InitiativeStatus.DONE}
)


@transaction.atomic
def initiative_update(
    *, initiative: Initiative, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Initiative:
    if actor is not None and not can_change_okrs(actor):
        require(
            can_progress_initiative(actor, initiative)
            and set(changes) <= {"status"}
            and changes.get("status", initiative.status) in INITIATIVE_PROGRESS_STATUSES,
            f"initiative {initiative.key!r}: its owners move it along (to do, in"
            " progress, done); renaming, re-owning, re-dating or cancelling it is for managers"
            " and admins",
        )
    unknown = set(changes) - INITIATIVE_FIELDS
    if unknown:
        raise RecoupError(f"initiative: cannot change {', '.join(sorted(unknown))}")
    before, after = _set_fields(initiative, changes)
    if after:
        _save(initiative)
        audit_record(
            action="okr_initiative_update",
            object_type="okr_initiative",
            object_id=initiative.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return initiative


# --- check-ins and status ---------------------------------------------------------------------


def previous_confidences(key_result: KeyResult, *, leaving_out: CheckIn | None = None) -> list[str]:
    from recoup.okrs import selectors

    return selectors.checkin_confidences(key_result=key_result, leaving_out=leaving_out)


def checkin_rules_check(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    author: User | None,
    previous: list[str],
) -> None:
    """What every manual check-in (new or a correction) must satisfy; `previous` is the
    confidences the at-risk rule reads, oldest first."""
    label = f"key result {key_result.key!r}"
    require(
        author is None or can_check_in(author, key_result),
        f"{label}: checked in by its owner, its objective's owner, or a manager",
    )
    if confidence not in Confidence.values:
        raise RecoupError(f"{label}: confidence must be one of {', '.join(Confidence.values)}")
    if key_result.kind not in CHECKED_IN_KINDS:
        raise RecoupError(
            f"{label}: a '{key_result.kind}' key result moves with its "
            f"{'initiatives' if key_result.kind == KeyResultKind.TASK_TRACKED else 'child key results'}"
            ", it takes no check-in values"
        )
    if value is None and key_result.kind in NUMERIC_KINDS and not key_result.metric:
        raise RecoupError(f"{label}: a check-in needs a value")
    if value is not None and key_result.kind == KeyResultKind.MILESTONE and value not in (0, 1):
        raise RecoupError(
            f"{label}: a milestone check-in is 1 (reached) or 0 (not yet), got {value}"
        )
    problem = scoring.at_risk_rule_violation(previous=previous, new=confidence)
    if problem:
        raise RecoupError(problem)


def checkin_lock(key_result: KeyResult) -> None:
    # Two people checking in (or correcting) at once must not both pass the at-risk rule.
    KeyResult.objects.select_for_update().filter(pk=key_result.pk).first()


def checkin_write(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    comment: str,
    data_date: date | None,
    author: User | None,
    via: str,
    corrects: CheckIn | None = None,
) -> CheckIn:
    """The one place a manual check-in row and its audit row are written (after the checks)."""
    now = timezone.now()
    if value is None and key_result.metric:
        # The person speaks to confidence; the number stays the KPI engine's latest reading.
        latest = (
            CheckIn.objects.counted()
            .filter(key_result=key_result, value__isnull=False)
            .order_by("-data_date", "-created_at", "-id")
            .first()
        )
        value = latest.value if latest else None
        data_date = data_date or (latest.data_date if latest else None)
    checkin = CheckIn(
        key_result=key_result,
        value=value,
        data_date=data_date or timezone.localdate(now),
        confidence=confidence,
        comment=comment,
        author=author,
        source=CheckInSource.MANUAL,
        created_at=now,
        corrects=corrects,
    )
    _save(checkin)
    after = {
        "value": _plain(value),
        "confidence": confidence,
        "data_date": checkin.data_date.isoformat(),
        "source": CheckInSource.MANUAL,
    }
    before = None
    if corrects is not None:
        after["corrects"] = corrects.pk
        before = {
            "value": _plain(corrects.value),
            "confidence": corrects.confidence,
            "data_date": corrects.data_date.isoformat(),
        }
    audit_record(
        action="okr_checkin_correct" if corrects is not None else "okr_checkin_create",
        object_type="okr_key_result",
        object_id=key_result.pk,
        before=before,
        after=after,
        actor=author,
        via=via,
    )
    return checkin


@transaction.atomic
def checkin_create(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    comment: str = "",
    data_date: date | None = None,
    author: User | None = None,
    via: str = "",
) -> CheckIn:
    """A manual check-in. Its value is what the owner reports; KPI-bound key results are checked
    in by `checkin_auto_run` and a person adds confidence and comment through this function.
    Corrections and withdrawals are in `recoup.okrs.checkins`."""
    checkin_lock(key_result)
    checkin_rules_check(
        key_result=key_result,
        value=value,
        confidence=confidence,
        author=author,
        previous=previous_confidences(key_result),
    )
    return checkin_write(
        key_result=key_result,
        value=value,
        confidence=confidence,
        comment=comment,
        data_date=data_date,
        author=author,
        via=via,
    )


@transaction.atomic
def status_override_set(
    *, key_result: KeyResult, status: str, reason: str, author: User | None = None, via: str = ""
) -> StatusOverride:
    require(
        author is None or can_override_status(author),
        "status override: only managers and admins override a status",
    )
    if status not in Confidence.values:
        raise RecoupError(f"status override: status must be one of {', '.join(Confidence.values)}")
    if not reason.strip():
        raise RecoupError("status override: a reason is required")
    now = timezone.now()
    StatusOverride.objects.filter(key_result=key_result, cleared_at__isnull=True).update(
        cleared_at=now
    )
    override = StatusOverride(
        key_result=key_result, status=status, reason=reason.strip(), author=author, created_at=now
    )
    _save(override)
    audit_record(
        action="okr_status_override_set",
        object_type="okr_key_result",
        object_id=key_result.pk,
        after={"status": status, "reason": reason.strip()},
        actor=author,
        via=via,
    )
    return override


@transaction.atomic
def status_override_clear(
    *, key_result: KeyResult, author: User | None = None, via: str = ""
) -> int:
    require(
        author is None or can_override_status(author),
        "status override: only managers and admins clear an override",
    )
    cleared = StatusOverride.objects.filter(key_result=key_result, cleared_at__isnull=True).update(
        cleared_at=timezone.now()
    )
    if cleared:
        audit_record(
            action="okr_status_override_clear",
            object_type="okr_key_result",
            object_id=key_result.pk,
            actor=author,
            via=via,
        )
    return cleared


# --- KPI-bound key results --------------------------------------------------------------------


class NoKpiValueError(RecoupError):
    """The KPI is undefined for the data (e.g. no credit applications yet): not a plan error."""


@transaction.atomic
def key_result_baseline_capture(
    *, key_result: KeyResult, force: bool = False, via: str = "okr-baseline"
) -> KeyResult:
    """Read a KPI-bound key result's baseline from the KPI engine as of the cycle start."""
    if not key_result.metric:
        raise RecoupError(f"key result {key_result.key!r} is not bound to a KPI")
    if key_result.baseline is not None and not force:
        return key_result
    cycle = key_result.objective.cycle
    reading = kpi.kpi_evaluate(
        metric=key_result.metric,
        as_of=cycle.starts_on,
        params=key_result.metric_params,
        filters=key_result.metric_filters,
        window_days=key_result.metric_window_days,
    )
    if reading.value is None:
        raise NoKpiValueError(
            f"key result {key_result.key!r}: {key_result.metric} has no value as of {cycle.starts_on}"
        )
    before = {"baseline": _plain(key_result.baseline)}
    key_result.baseline = reading.value
    key_result.baseline_source = BaselineSource.KPI
    key_result.baseline_as_of = cycle.starts_on
    _target_from_change(key_result)
    _save(key_result)
    audit_record(
        action="okr_baseline_capture",
        object_type="okr_key_result",
        object_id=key_result.pk,
        before=before,
        after={
            "baseline": _plain(reading.value),
            "as_of": cycle.starts_on.isoformat(),
            "metric": key_result.metric,
            "target": _plain(key_result.target),
        },
        via=via,
    )
    return key_result


@dataclass(slots=True)
class AutoCheckinReport:
    as_of: date
    created: list[CheckIn] = field(default_factory=list)
    baselines: list[KeyResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def checkin_auto_run(
    *, today: date | None = None, cycle: Cycle | None = None, via: str = "okr-checkin-auto"
) -> AutoCheckinReport:
    """Check in every KPI-bound key result of the running cycles, and of cycles that ended in
    the last week (or of `cycle`), with the KPI engine's value as of `today` (the cycle end once
    it is over). Safe to run twice a day."""
    from recoup.okrs import selectors

    today = today or timezone.localdate()
    report = AutoCheckinReport(as_of=today)
    cycles = (
        [cycle]
        if cycle is not None
        # A cycle that ended in the last week still gets its closing reading, as of its last
        # day, for the end-of-cycle evaluation.
        else list(
            Cycle.objects.filter(starts_on__lte=today, ends_on__gte=today - timedelta(days=7))
        )
    )
    for c in cycles:
        as_of = min(today, c.ends_on)
        if as_of < c.starts_on:
            report.skipped.append(f"cycle {c.name}: starts {c.starts_on}")
            continue
        bound = (
            KeyResult.objects.filter(objective__cycle=c)
            .exclude(metric="")
            .select_related("objective__cycle")
        )
        for kr in bound:
            ref = f"{c.name}/{kr.objective.key}/{kr.key}"
            with transaction.atomic():
                if kr.baseline is None:
                    try:
                        key_result_baseline_capture(key_result=kr, via=via)
                    except RecoupError as exc:
                        report.skipped.append(f"{ref}: no baseline ({exc})")
                        continue
                    report.baselines.append(kr)
                if CheckIn.objects.filter(
                    key_result=kr, data_date=as_of, source=CheckInSource.AUTOMATIC
                ).exists():
                    report.skipped.append(f"{ref}: already checked in for {as_of}")
                    continue
                reading = kpi.kpi_evaluate(
                    metric=kr.metric,
                    as_of=as_of,
                    params=kr.metric_params,
                    filters=kr.metric_filters,
                    window_days=kr.metric_window_days,
                )
                if reading.value is None:
                    report.skipped.append(f"{ref}: {kr.metric} has no value as of {as_of}")
                    continue
                confidence = selectors.key_result_confidence_for(
                    key_result=kr, value=reading.value, on=as_of
                )
                checkin = CheckIn(
                    key_result=kr,
                    value=reading.value,
                    data_date=as_of,
                    ledger_as_of=reading.data_as_of,
                    confidence=confidence,
                    comment=f"{kr.metric} from the KPI engine as of {as_of}",
                    source=CheckInSource.AUTOMATIC,
                    created_at=timezone.now(),
                )
                try:
                    _save(checkin)
                except RecoupError:
                    # Another run (a second worker, or cron beside the job) got there first.
                    report.skipped.append(f"{ref}: already checked in for {as_of}")
                    continue
                audit_record(
                    action="okr_checkin_create",
                    object_type="okr_key_result",
                    object_id=kr.pk,
                    after={
                        "value": _plain(reading.value),
                        "confidence": confidence,
                        "data_date": as_of.isoformat(),
                        "source": CheckInSource.AUTOMATIC,
                    },
                    via=via,
                )
                report.created.append(checkin)
    return report


# --- plans ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ApplyReport:
    cycle: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _DryRunError(Exception):
    pass


def plan_apply(
    *, plan: Plan, actor: User | None = None, via: str = "okr-apply", dry_run: bool = False
) -> ApplyReport:
    """Create or update everything the plan declares, matched by keys; re-applying the same plan
    changes nothing. Items missing from the plan are left as they are. All or nothing."""
    _require_planner(actor, f"applying a plan to cycle {plan.cycle.name!r}")
    report = ApplyReport(cycle=plan.cycle.name)
    try:
        with transaction.atomic():
            _plan_apply(plan, report, actor, via)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    return report


def _plan_apply(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> None:
    problems: list[tuple[int, str]] = []
    teams = _plan_teams(plan, report, actor, via)
    users = _plan_people(plan, teams, report, actor, via)

    def user(name: str | None, line: int, where: str) -> User | None:
        if name is None:
            return None
        found = users.get(name)
        if found is None:
            problems.append(
                (line, f"{where}: no user {name!r}; add it under people: or create it first")
            )
        return found

    def team(name: str | None, line: int, where: str) -> Team | None:
        if name is None:
            return None
        found = teams.get(name)
        if found is None:
            problems.append(
                (line, f"{where}: no team {name!r}; add it under teams: or create it first")
            )
        return found

    keys = {o.key for o in plan.objectives}
    for o in plan.objectives:
        if (
            o.parent is not None
            and o.parent not in keys
            and not Objective.objects.filter(key=o.parent)
            .exclude(cycle__name=plan.cycle.name)
            .exists()
        ):
            problems.append(
                (
                    o.field_lines.get("parent", o.line),
                    f"objective {o.key!r}: parent {o.parent!r} is not an objective of this plan",
                )
            )
    refs = {f"{o.key}/{kr.key}": kr for o in plan.objectives for kr in o.key_results}
    for o in plan.objectives:
        for kr in o.key_results:
            for line, child in kr.children:
                if child not in refs:
                    problems.append(
                        (
                            line,
                            f"key result {o.key}/{kr.key}: child {child!r} is not a key result of this plan (objective-key/key-result-key)",
                        )
                    )
                elif kr.kind != KeyResultKind.ROLL_UP:
                    problems.append(
                        (
                            line,
                            f"key result {o.key}/{kr.key}: only a roll_up key result has children",
                        )
                    )
                elif child == f"{o.key}/{kr.key}":
                    problems.append(
                        (line, f"key result {o.key}/{kr.key} cannot roll up into itself")
                    )
    _check_plan_metrics(plan, problems)
    # Resolve people and teams for every item now so that all problems are reported together.
    resolved: dict[int, tuple[User | None, Team | None]] = {}
    for o in plan.objectives:
        where = f"objective {o.key!r}"
        resolved[o.line] = (
            user(o.owner, o.field_lines.get("owner", o.line), where),
            team(o.team, o.field_lines.get("team", o.line), where),
        )
        for kr in o.key_results:
            where = f"key result {o.key}/{kr.key}"
            resolved[kr.line] = (user(kr.owner, kr.field_lines.get("owner", kr.line), where), None)
            for ini in kr.initiatives:
                where = f"initiative {o.key}/{kr.key}/{ini.key}"
                resolved[ini.line] = (
                    user(ini.owner, ini.field_lines.get("owner", ini.line), where),
                    None,
                )
    if problems:
        raise PlanError(plan.source, problems)

    try:
        cycle = _plan_cycle(plan, report, actor, via)
        objectives: dict[str, Objective] = {}
        key_results: dict[str, KeyResult] = {}
        for o in plan.objectives:
            owner, team_obj = resolved[o.line]
            obj = Objective.objects.filter(cycle=cycle, key=o.key).first()
            if obj is None:
                obj = objective_create(
                    cycle=cycle,
                    key=o.key,
                    title=o.title,
                    description=o.description,
                    owner=owner,
                    team=team_obj,
                    commitment=o.commitment,
                    actor=actor,
                    via=via,
                )
                report.created.append(f"objective {o.key}")
            else:
                mark = _audit_mark()
                objective_update(
                    objective=obj,
                    changes={
                        "title": o.title,
                        "description": o.description,
                        "owner": owner,
                        "team": team_obj,
                        "commitment": o.commitment,
                    },
                    actor=actor,
                    via=via,
                )
                _note_update(report, f"objective {o.key}", mark)
            objectives[o.key] = obj
            for kr in o.key_results:
                key_results[f"{o.key}/{kr.key}"] = _plan_key_result(
                    plan.source, obj, o.key, kr, resolved, report, actor, via
                )
        for o in plan.objectives:
            parent = objectives.get(o.parent) if o.parent else None
            if o.parent and parent is None:
                parent = (
                    Objective.objects.filter(key=o.parent)
                    .exclude(cycle=cycle)
                    .order_by("-cycle__starts_on")
                    .first()
                )
            mark = _audit_mark()
            objective_update(
                objective=objectives[o.key], changes={"parent": parent}, actor=actor, via=via
            )
            _note_update(report, f"objective {o.key}", mark)
            for kr in o.key_results:
                for _, child in kr.children:
                    mark = _audit_mark()
                    key_result_update(
                        key_result=key_results[child],
                        changes={"rolls_up_into": key_results[f"{o.key}/{kr.key}"]},
                        actor=actor,
                        via=via,
                    )
                    _note_update(report, f"key result {child}", mark)
    except (PlanError, AccessDeniedError):
        raise
    except RecoupError as exc:
        raise PlanError(plan.source, [(plan.cycle.line, str(exc))]) from None
    report.updated = sorted(set(report.updated))


def _audit_mark() -> int:
    from recoup.accounts.models import AuditEntry

    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def _note_update(report: ApplyReport, item: str, mark: int) -> None:
    from recoup.accounts.models import AuditEntry

    if AuditEntry.objects.filter(id__gt=mark).exists():
        report.updated.append(item)


def _metric_problems(
    metric: str, params: Mapping[str, str], filters: Mapping[str, list[str]], kind: str
) -> list[str]:
    """What is wrong with a KPI binding, checked against the catalogue before anything runs."""
    known = kpi.kpi_definitions()
    info = known.get(metric)
    if info is None:
        return [f"KPI {metric!r} is not in the catalogue ({', '.join(sorted(known))})"]
    problems = []
    unknown_params = set(params) - set(info.params)
    if unknown_params:
        problems.append(
            f"{metric} has no parameter {', '.join(sorted(unknown_params))} "
            f"(it takes {', '.join(sorted(info.params)) or 'none'})"
        )
    unknown_dims = set(filters) - set(info.dimensions)
    if unknown_dims:
        problems.append(
            f"{metric} cannot be filtered by {', '.join(sorted(unknown_dims))} "
            f"(dimensions: {', '.join(info.dimensions) or 'none'})"
        )
    if kind not in NUMERIC_KINDS:
        problems.append("only increase/decrease/stay key results can be bound to a KPI")
    return problems


def _check_plan_metrics(plan: Plan, problems: list[tuple[int, str]]) -> None:
    for o in plan.objectives:
        for kr in o.key_results:
            if kr.metric:
                line = kr.field_lines.get("metric", kr.line)
                problems.extend(
                    (line, f"key result {o.key}/{kr.key}: {problem}")
                    for problem in _metric_problems(
                        kr.metric, kr.metric_params, kr.metric_filters, kr.kind
                    )
                )


def _plan_teams(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> dict[str, Team]:
    wanted = {name for _, name in plan.teams} | {t for p in plan.people for t in p.teams}
    wanted |= {o.team for o in plan.objectives if o.team}
    teams = {t.name: t for t in Team.objects.filter(name__in=wanted)}
    declared = {name for _, name in plan.teams} | {t for p in plan.people for t in p.teams}
    for name in sorted(declared - set(teams)):
        require(
            actor is None or can_manage_users(actor),
            f"the plan creates team {name!r}: only an admin creates teams",
        )
        teams[name] = team_create(name=name, actor=actor, via=via)
        report.created.append(f"team {name}")
    return teams


def _plan_people(
    plan: Plan, teams: dict[str, Team], report: ApplyReport, actor: User | None, via: str
) -> dict[str, User]:
    names = {p.username for p in plan.people}
    for o in plan.objectives:
        names |= {o.owner} if o.owner else set()
        for kr in o.key_results:
            names |= {kr.owner} if kr.owner else set()
            names |= {i.owner for i in kr.initiatives if i.owner}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    for person in plan.people:
        u = users.get(person.username)
        if u is None:
            require(
                actor is None or can_manage_users(actor),
                f"the plan creates user {person.username!r}: only an admin creates users",
            )
            # People declared by a plan get no password: an administrator sets one to let them in.
            u = user_create(
                username=person.username,
                password=None,
                role=Role(person.role),
                actor=actor,
                via=via,
            )
            users[u.username] = u
            report.created.append(f"user {u.username}")
        for team_name in person.teams:
            if not TeamMembership.objects.filter(team=teams[team_name], user=u).exists():
                require(
                    actor is None or can_manage_users(actor),
                    f"the plan puts {u.username!r} in team {team_name!r}: only an admin"
                    " changes who is in a team",
                )
                team_member_add(team=teams[team_name], user=u, actor=actor, via=via)
                report.created.append(f"membership {u.username} in {team_name}")
    return users


def _plan_cycle(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> Cycle:
    pc = plan.cycle
    values = {
        "starts_on": pc.starts_on,
        "ends_on": pc.ends_on,
        "checkin_weekday": pc.checkin_weekday,
        "planning_on": pc.planning_on,
        "midcycle_review_on": pc.midcycle_review_on,
        "evaluation_on": pc.evaluation_on,
        "on_track_within": pc.on_track_within,
        "at_risk_within": pc.at_risk_within,
    }
    cycle = Cycle.objects.filter(name=pc.name).first()
    if cycle is None:
        report.created.append(f"cycle {pc.name}")
        return cycle_create(name=pc.name, actor=actor, via=via, **values)  # type: ignore[arg-type]
    before, after = _set_fields(cycle, values)
    cadence = sorted(set(after) & CYCLE_CADENCE_FIELDS)
    require(
        not cadence or actor is None or can_change_org_settings(actor),
        f"cycle {pc.name!r}: the plan changes its cadence ({', '.join(cadence)}); only an admin"
        " changes the cadence",
    )
    if after:
        if cycle.ends_on <= cycle.starts_on:
            raise RecoupError(f"cycle {pc.name!r}: ends_on must be after starts_on")
        _save(cycle)
        audit_record(
            action="okr_cycle_update",
            object_type="okr_cycle",
            object_id=cycle.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
        report.updated.append(f"cycle {pc.name}")
    return cycle


def _plan_key_result(
    source: str,
    objective: Objective,
    objective_key: str,
    kr: PlanKeyResult,
    resolved: dict[int, tuple[User | None, Team | None]],
    report: ApplyReport,
    actor: User | None,
    via: str,
) -> KeyResult:
    ref = f"{objective_key}/{kr.key}"
    owner = resolved[kr.line][0]
    try:
        existing = KeyResult.objects.filter(objective=objective, key=kr.key).first()
        if existing is None:
            obj = key_result_create(
                objective=objective,
                key=kr.key,
                title=kr.title,
                kind=kr.kind,
                owner=owner,
                unit=kr.unit,
                weight=kr.weight,
                baseline=kr.baseline,
                target=kr.target,
                target_change_pct=kr.target_change_pct,
                due_on=kr.due_on,
                metric=kr.metric,
                metric_params=kr.metric_params,
                metric_filters=kr.metric_filters,
                metric_window_days=kr.metric_window_days,
                actor=actor,
                via=via,
            )
            report.created.append(f"key result {ref}")
        else:
            changes: dict[str, Any] = {
                "title": kr.title,
                "kind": kr.kind,
                "owner": owner,
                "unit": kr.unit,
                "weight": kr.weight,
                "target": kr.target,
                "target_change_pct": kr.target_change_pct,
                "due_on": kr.due_on,
                "metric": kr.metric,
                "metric_params": kr.metric_params,
                "metric_filters": kr.metric_filters,
                "metric_window_days": kr.metric_window_days,
            }
            # A KPI-bound key result without a baseline in the plan keeps the one read from the
            # KPI engine at cycle start.
            if kr.baseline is not None or not kr.metric:
                changes["baseline"] = kr.baseline
            mark = _audit_mark()
            obj = key_result_update(key_result=existing, changes=changes, actor=actor, via=via)
            _note_update(report, f"key result {ref}", mark)
        if (
            obj.metric
            and obj.baseline is None
            and timezone.localdate() >= objective.cycle.starts_on
        ):
            try:
                key_result_baseline_capture(key_result=obj, via=via)
                report.updated.append(f"key result {ref} (baseline from {obj.metric})")
            except NoKpiValueError as exc:
                # The plan is still right; the ledger just has no data for this KPI yet. The
                # weekly check-in tries again.
                report.notes.append(f"key result {ref}: no baseline yet ({exc})")
        for ini in kr.initiatives:
            ini_owner = resolved[ini.line][0]
            found = Initiative.objects.filter(key_result=obj, key=ini.key).first()
            if found is None:
                initiative_create(
                    key_result=obj,
                    key=ini.key,
                    title=ini.title,
                    owner=ini_owner,
                    due_on=ini.due_on,
                    status=ini.status,
                    priority=ini.priority,
                    actor=actor,
                    via=via,
                )
                report.created.append(f"initiative {ref}/{ini.key}")
            else:
                mark = _audit_mark()
                initiative_update(
                    initiative=found,
                    changes={
                        "title": ini.title,
                        "owner": ini_owner,
                        "due_on": ini.due_on,
                        "status": ini.status,
                        "priority": ini.priority,
                    },
                    actor=actor,
                    via=via,
                )
                _note_update(report, f"initiative {ref}/{ini.key}", mark)
    except RecoupError as exc:
        if isinstance(exc, PlanError):
            raise
        line = kr.field_lines.get("target", kr.line) if "target" in str(exc) else kr.line
        raise PlanError(source, [(line, f"key result {ref}: {exc}")]) from None
    return obj


@transaction.atomic
def key_result_curve_learn(
    *, key_result: KeyResult, cycles: int = 4, actor: User | None = None, via: str = ""
) -> list[float]:
    """Learn the expected-progress curve of a KPI-bound key result from the same weeks of the
    `cycles` cycles before this one (readings from the KPI engine), and keep it on the key
    result. Cycles in which the KPI did not move teach nothing and are left out."""
    label = f"key result {key_result.key!r}"
    _require_planner(actor, f"learning the curve of {label}")
    if not key_result.metric:
        raise RecoupError(f"{label} is not bound to a KPI: there is no history to learn from")
    if key_result.kind not in (KeyResultKind.INCREASE_TO, KeyResultKind.DECREASE_TO):
        raise RecoupError(f"{label}: only increase/decrease key results follow a curve")
    if not 1 <= cycles <= 12:
        raise RecoupError(f"{label}: learn from 1 to 12 past cycles, not {cycles}")
    cycle = key_result.objective.cycle
    end = key_result.due_on or cycle.ends_on
    span = (end - cycle.starts_on).days
    months = max(1, round(span / 30.44))
    offsets = [min(7 * i, span) for i in range(-(-span // 7) + 1)]
    histories: list[list[float]] = []
    for k in range(1, cycles + 1):
        start = scoring.shift_months(cycle.starts_on, -months * k)
        values = [
            kpi.kpi_evaluate(
                metric=key_result.metric,
                as_of=start + timedelta(days=offset),
                params=key_result.metric_params,
                filters=key_result.metric_filters,
                window_days=key_result.metric_window_days,
            ).value
            for offset in offsets
        ]
        if all(v is not None for v in values):
            histories.append([float(v) for v in values if v is not None])
    curve = scoring.learn_seasonal_curve(histories)
    if not curve:
        raise RecoupError(
            f"{label}: {key_result.metric} did not move in the {cycles} cycle(s) before "
            f"{cycle.starts_on}; expected progress stays linear"
        )
    before = {"expected_curve": key_result.expected_curve}
    key_result.expected_curve = [round(v, 4) for v in curve]
    _save(key_result)
    audit_record(
        action="okr_key_result_curve_learn",
        object_type="okr_key_result",
        object_id=key_result.pk,
        before=before,
        after={"expected_curve": key_result.expected_curve, "cycles": len(histories)},
        actor=actor,
        via=via,
    )
    return list(key_result.expected_curve)
