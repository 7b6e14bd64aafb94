"""Key results: created, changed, archived and restored by planners; a KPI-bound one's baseline
read from the KPI engine at cycle start, and its expected curve learned from past cycles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.okrs import kpi, scoring
from recoup.okrs.models import BaselineSource, KeyResult, KeyResultKind, Objective
from recoup.okrs.services.common import (
    NUMERIC_KINDS,
    audited_create,
    audited_update,
    plain,
    require_planner,
    save,
)

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
TARGET_QUANTUM = Decimal("0.000001")


class NoKpiValueError(RecoupError):
    """The KPI is undefined for the data (e.g. no credit applications yet): not a plan error."""


def target_from_change(baseline: Decimal | None, change_pct: Decimal | None) -> Decimal | None:
    """The target a change relative to the baseline ("-20 %") names; None until both are known."""
    if baseline is None or change_pct is None:
        return None
    return (baseline * (1 + change_pct / 100)).quantize(TARGET_QUANTUM)


def metric_problems(
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


def check_key_result(kr: KeyResult) -> None:
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
        problems = metric_problems(kr.metric, kr.metric_params, kr.metric_filters, kr.kind)
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
    require_planner(actor, f"creating key result {key!r}")
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
        target=target
        if target_change_pct is None
        else target_from_change(baseline, target_change_pct),
        target_change_pct=target_change_pct,
        due_on=due_on,
        metric=metric,
        metric_params=dict(metric_params or {}),
        metric_filters=dict(metric_filters or {}),
        metric_window_days=metric_window_days,
        position=KeyResult.objects.filter(objective=objective).count(),
    )
    check_key_result(kr)
    return audited_create(
        kr,
        action="okr_key_result_create",
        object_type="okr_key_result",
        after={
            "objective": objective.key,
            "key": key,
            "title": title,
            "kind": kind,
            "metric": metric,
            "baseline": plain(baseline),
            "target": plain(target),
        },
        actor=actor,
        via=via,
    )


@transaction.atomic
def key_result_update(
    *, key_result: KeyResult, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> KeyResult:
    require_planner(actor, f"changing key result {key_result.key!r}")
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
        target = target_from_change(
            values.get("baseline", key_result.baseline), values["target_change_pct"]
        )
        if target is not None:
            values["target"] = target
    audited_update(
        key_result,
        values,
        action="okr_key_result_update",
        object_type="okr_key_result",
        actor=actor,
        via=via,
        check=check_key_result,
    )
    return key_result


@transaction.atomic
def key_result_archive(
    *, key_result: KeyResult, restore: bool = False, actor: User | None = None, via: str = ""
) -> KeyResult:
    """Take a key result off the board and "My work" (or put it back): it stays in the history
    and the audit log, and gets no automatic check-ins while archived."""
    require_planner(actor, f"archiving key result {key_result.key!r}")
    if (key_result.archived_at is not None) != restore:
        return key_result
    audited_update(
        key_result,
        {"archived_at": None if restore else timezone.now()},
        action="okr_key_result_restore" if restore else "okr_key_result_archive",
        object_type="okr_key_result",
        actor=actor,
        via=via,
    )
    return key_result


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
    before = {"baseline": plain(key_result.baseline)}
    key_result.baseline = reading.value
    key_result.baseline_source = BaselineSource.KPI
    key_result.baseline_as_of = cycle.starts_on
    changed = target_from_change(key_result.baseline, key_result.target_change_pct)
    if changed is not None:
        key_result.target = changed
    save(key_result)
    audit_record(
        action="okr_baseline_capture",
        object_type="okr_key_result",
        object_id=key_result.pk,
        before=before,
        after={
            "baseline": plain(reading.value),
            "as_of": cycle.starts_on.isoformat(),
            "metric": key_result.metric,
            "target": plain(key_result.target),
        },
        via=via,
    )
    return key_result


def key_result_baseline_ensure(*, key_result: KeyResult, on: date | None = None, via: str) -> bool:
    """Capture a KPI-bound key result's missing baseline once its cycle has started (as of
    `on`, today by default). True when it captured one; NoKpiValueError when the ledger has no
    value for the KPI yet (the weekly check-in tries again)."""
    on = on or timezone.localdate()
    if (
        not key_result.metric
        or key_result.baseline is not None
        or on < key_result.objective.cycle.starts_on
    ):
        return False
    key_result_baseline_capture(key_result=key_result, via=via)
    return True


@transaction.atomic
def key_result_curve_learn(
    *, key_result: KeyResult, cycles: int = 4, actor: User | None = None, via: str = ""
) -> list[float]:
    """Learn the expected-progress curve of a KPI-bound key result from the same weeks of the
    `cycles` cycles before this one (readings from the KPI engine), and keep it on the key
    result. Cycles in which the KPI did not move teach nothing and are left out."""
    label = f"key result {key_result.key!r}"
    require_planner(actor, f"learning the curve of {label}")
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
    save(key_result)
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
