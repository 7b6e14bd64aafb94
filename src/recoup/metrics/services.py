"""Writers of the KPI engine: custom metrics and their values, reference values, snapshots, and
the organisation's default metric variants.

Snapshots keep one value per metric variant and day. They are recomputed from the earliest
business date a sync saw change (`snapshot_refresh_changed`), so back-dated facts correct history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import Team, User
from recoup.accounts.services import audit_record
from recoup.metrics.catalogue import CATALOGUE, MetricInputError, Param, catalogue_metric
from recoup.metrics.contracts import Direction
from recoup.metrics.engines import DuckDBEngine, engine_open
from recoup.metrics.evaluate import Point, Spec, evaluate, plan_metric, validate
from recoup.metrics.models import (
    CustomAggregation,
    CustomMetric,
    CustomValue,
    MetricDefault,
    MetricSnapshot,
    ReferenceValue,
)
from recoup.metrics.selectors import (
    ALL_METRICS,
    metric_defaults,
    parse_decimal,
    shared_params,
    with_defaults,
)

MAX_SNAPSHOT_DAYS = 3660


def snapshot_key(params: Mapping[str, str], filters: Mapping[str, Sequence[str]]) -> str:
    """Canonical text of a metric variant: its parameters and filters, sorted."""
    return json.dumps(
        {
            "params": dict(sorted(params.items())),
            "filters": {k: sorted(v) for k, v in sorted(filters.items())},
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def snapshot_refresh(
    *,
    metrics: Sequence[str],
    start: date,
    end: date,
    params: Mapping[str, Mapping[str, str]] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    engine: str | None = None,
    via: str = "",
) -> int:
    """Computes each metric for every day from `start` to `end` (one engine pass) and stores the
    values, replacing earlier ones. Flows are stored month to date. Returns values written."""
    if start > end:
        raise MetricInputError(f"snapshot start {start} is after its end {end}")
    days = (end - start).days + 1
    if days > MAX_SNAPSHOT_DAYS:
        raise MetricInputError(f"at most {MAX_SNAPSHOT_DAYS} days per snapshot run, got {days}")
    params = params or {}
    filters = filters or {}
    defaults = metric_defaults()
    specs = [
        Spec(m, with_defaults(m, params.get(m, {}), defaults), (), dict(filters)) for m in metrics
    ]
    points = [Point.at(start + timedelta(days=i)) for i in range(days)]
    opened = engine_open(engine)
    try:
        # Snapshots hold the organisation's numbers; readers narrow them by team.
        results = evaluate(opened, specs, points, book=None)
        data_as_of = opened.data_as_of()
        name = opened.name
    finally:
        if isinstance(opened, DuckDBEngine):
            opened.close()
    now = timezone.now()
    rows = [
        MetricSnapshot(
            metric_id=r.metric,
            # Every parameter in force, given or the organisation's: the key names the variant.
            key=snapshot_key(r.params, filters),
            on=r.as_of,
            value_text="" if r.value is None else format(r.value, "f"),
            data_as_of=data_as_of,
            computed_at=now,
            engine=name,
        )
        for r in results
    ]
    with transaction.atomic():
        MetricSnapshot.objects.filter(
            metric_id__in=list(metrics),
            key__in={row.key for row in rows},
            on__gte=start,
            on__lte=end,
        ).delete()
        MetricSnapshot.objects.bulk_create(rows, batch_size=2000)
        audit_record(
            action="metric_snapshot_refresh",
            object_type="metric_snapshot",
            object_id=",".join(metrics)[:128],
            after={"from": start.isoformat(), "to": end.isoformat(), "values": len(rows)},
            via=via,
        )
    return len(rows)


def snapshot_refresh_changed(*, earliest_changed: date | None, via: str = "") -> int:
    """Recomputes stored snapshots from `earliest_changed` (a sync's report) to their last day."""
    if earliest_changed is None:
        return 0
    written = 0
    variants = (
        MetricSnapshot.objects.filter(on__gte=earliest_changed)
        .order_by()
        .values_list("metric_id", "key")
        .distinct()
    )
    for metric_id, key in variants:
        last = (
            MetricSnapshot.objects.filter(metric_id=metric_id, key=key)
            .order_by("-on")
            .values_list("on", flat=True)
            .first()
        )
        if last is None:
            continue
        decoded = json.loads(key)
        written += snapshot_refresh(
            metrics=[metric_id],
            start=earliest_changed,
            end=last,
            params={metric_id: decoded["params"]},
            filters={k: tuple(v) for k, v in decoded["filters"].items()},
            via=via,
        )
    return written


@transaction.atomic
def custom_metric_define(
    *,
    metric_id: str,
    title: str,
    unit: str = "number",
    direction: Direction = Direction.HIGHER_IS_BETTER,
    aggregation: CustomAggregation = CustomAggregation.LATEST,
    description: str = "",
    actor: User | None = None,
    via: str = "",
) -> CustomMetric:
    from recoup.metrics.catalogue import CATALOGUE

    if metric_id in CATALOGUE:
        raise MetricInputError(f"{metric_id!r} is a catalogue metric; choose another id")
    custom, created = CustomMetric.objects.update_or_create(
        metric_id=metric_id,
        defaults={
            "title": title,
            "unit": unit,
            "direction": direction.value,
            "aggregation": aggregation.value,
            "description": description,
        },
    )
    audit_record(
        action="custom_metric_define" if created else "custom_metric_update",
        object_type="custom_metric",
        object_id=custom.metric_id,
        after={"title": title, "unit": unit, "aggregation": aggregation.value},
        actor=actor,
        via=via,
    )
    return custom


@transaction.atomic
def custom_value_record(
    *,
    metric_id: str,
    on: date,
    value: str | Decimal,
    team: Team | None = None,
    collector: User | None = None,
    actor: User | None = None,
    via: str = "",
) -> CustomValue:
    """Stores (or replaces) the value of a custom metric on a day, for a team or collector."""
    custom = CustomMetric.objects.filter(metric_id=metric_id).first()
    if custom is None:
        raise MetricInputError(f"unknown custom metric {metric_id!r}: define it first")
    number = parse_decimal(str(value), f"{metric_id} on {on}")
    row, _ = CustomValue.objects.update_or_create(
        metric=custom,
        on=on,
        team=team,
        collector=collector,
        defaults={"value_text": format(number, "f")},
    )
    audit_record(
        action="custom_value_record",
        object_type="custom_value",
        object_id=row.pk,
        after={"metric": metric_id, "on": on.isoformat(), "value": row.value_text},
        actor=actor,
        via=via,
    )
    return row


@transaction.atomic
def reference_value_set(
    *,
    metric_id: str,
    period: str,
    source: str,
    value: str,
    note: str = "",
    actor: User | None = None,
    via: str = "",
) -> ReferenceValue:
    number = parse_decimal(value, f"reference value for {metric_id} ({period})")
    row, _ = ReferenceValue.objects.update_or_create(
        metric_id=metric_id,
        period=period,
        source=source,
        defaults={"value_text": format(number, "f"), "note": note},
    )
    audit_record(
        action="reference_value_set",
        object_type="reference_value",
        object_id=row.pk,
        after={"metric": metric_id, "period": period, "value": row.value_text},
        actor=actor,
        via=via,
    )
    return row


class MetricDefaultsError(MetricInputError):
    """Some of the proposed defaults are not valid; nothing was saved.

    `errors` maps "metric.param" (or "metric" for a combination of parameters the compiler
    refuses) to the reason; `ALL_METRICS` stands for the organisation-wide choices."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def _parsed(
    scope: str, given: Mapping[str, str], known: Mapping[str, Param], errors: dict[str, str]
) -> dict[str, str | None]:
    """Each given value checked as a request's parameter is; None for an empty one."""
    parsed: dict[str, str | None] = {}
    for name, raw in given.items():
        if name not in known:
            where = "no metric shares" if scope == ALL_METRICS else f"metric {scope} has no"
            errors[f"{scope}.{name}"] = f"{where} parameter {name!r}"
            continue
        text = raw.strip()
        try:
            parsed[name] = known[name].parse(scope, text) if text else None
        except MetricInputError as error:
            errors[f"{scope}.{name}"] = str(error)
    return parsed


@transaction.atomic
def metric_defaults_set(
    *,
    values: Mapping[str, Mapping[str, str]],
    actor: User | None = None,
    via: str = "",
) -> list[str]:
    """Sets the organisation's default parameters: `values` maps a metric (or `ALL_METRICS`, for
    every metric that takes the parameter) to parameter -> text; an empty text removes the choice
    (the metric then follows the organisation-wide one, or the catalogue). Each value is checked
    as a request's parameter is, and every metric's resulting variant as the compiler checks it,
    so a saved default can never make a dashboard fail. All or nothing; returns what changed."""
    errors: dict[str, str] = {}
    current = metric_defaults()
    proposed = {scope: dict(chosen) for scope, chosen in current.items()}
    for scope, given in values.items():
        if scope == ALL_METRICS:
            known = {p.name: p for p, _ in shared_params()}
        else:
            try:
                known = {p.name: p for p in catalogue_metric(scope).params}
            except MetricInputError as error:
                errors[scope] = str(error)
                continue
        chosen = proposed.setdefault(scope, {})
        for name, value in _parsed(scope, given, known, errors).items():
            if value is None:
                chosen.pop(name, None)
            else:
                chosen[name] = value
    if not errors:
        for mdef in CATALOGUE.values():
            try:
                checked, params = validate(Spec(mdef.id, with_defaults(mdef.id, {}, proposed)))
                plan_metric(checked, params)
            except MetricInputError as error:
                errors[mdef.id] = str(error)
    if errors:
        raise MetricDefaultsError(errors)
    changed = []
    for scope in sorted(set(proposed) | set(current)):
        before, after = current.get(scope, {}), proposed.get(scope, {})
        if before == after:
            continue
        MetricDefault.objects.filter(metric_id=scope).exclude(param__in=list(after)).delete()
        for name, value in after.items():
            MetricDefault.objects.update_or_create(
                metric_id=scope, param=name, defaults={"value": value}
            )
        audit_record(
            action="metric_defaults_set",
            object_type="metric",
            object_id=scope,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
        changed.append("all metrics" if scope == ALL_METRICS else scope)
    return changed
