"""The one door from OKRs to the KPI engine: every number a key result tracks comes through here,
from `recoup.metrics.selectors.metric_evaluate`, never from a formula of our own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from recoup.accounts.scope import Scope
from recoup.metrics import selectors as metric_selectors
from recoup.metrics.contracts import MetricInfo, MetricRequest, MetricValue
from recoup.metrics.selectors import Drivers

# Key results are aggregates everyone in the organisation may read (as OKR tools make them
# transparent); what names a debtor stays behind each person's scope elsewhere.
KEY_RESULT_SCOPE = Scope.organisation("key results")


def kpi_request(
    *,
    metric: str,
    as_of: date,
    params: Mapping[str, str],
    filters: Mapping[str, list[str]],
    window_days: int | None = None,
) -> MetricRequest:
    return MetricRequest(
        metric=metric,
        as_of=as_of,
        params=dict(params),
        filters={k: tuple(v) for k, v in filters.items()},
        period_from=as_of - timedelta(days=window_days - 1) if window_days else None,
    )


def kpi_evaluate(
    *,
    metric: str,
    as_of: date,
    params: Mapping[str, str],
    filters: Mapping[str, list[str]],
    window_days: int | None = None,
) -> MetricValue:
    return metric_selectors.metric_evaluate(
        kpi_request(
            metric=metric, as_of=as_of, params=params, filters=filters, window_days=window_days
        ),
        scope=KEY_RESULT_SCOPE,
    )


def kpi_evaluate_at(
    *,
    metric: str,
    days: Sequence[date],
    params: Mapping[str, str],
    filters: Mapping[str, list[str]],
    window_days: int | None = None,
) -> dict[date, Decimal | None]:
    """The KPI as of each of `days`, in one pass of the engine."""
    return metric_selectors.metric_evaluate_at(
        kpi_request(metric=metric, as_of=max(days), params=params, filters=filters),
        days,
        scope=KEY_RESULT_SCOPE,
        window_days=window_days,
    )


def kpi_values(
    *,
    metrics: Sequence[str],
    as_of: date,
    filters: Mapping[str, list[str]],
    window_days: int | None = None,
) -> dict[str, Decimal | None]:
    """Several KPIs as of one day with their default parameters, in one pass; flows cover
    `window_days` up to it."""
    result = metric_selectors.metric_query(
        scope=KEY_RESULT_SCOPE,
        metrics=list(metrics),
        as_of=as_of,
        period_from=as_of - timedelta(days=window_days - 1) if window_days else None,
        filters={k: tuple(v) for k, v in filters.items()},
    )
    return {r.metric: r.value for r in result.results}


def kpi_quarters(
    *, metrics: Sequence[str], start: date, end: date
) -> dict[str, list[tuple[date, Decimal | None]]]:
    """Each KPI at every quarter's end from `start` to `end` (the last point is `end`), flows
    over their quarter to date, in one pass."""
    result = metric_selectors.metric_series(
        scope=KEY_RESULT_SCOPE, metrics=list(metrics), start=start, end=end, grain="quarter"
    )
    series: dict[str, list[tuple[date, Decimal | None]]] = {m: [] for m in metrics}
    for r in sorted(result.results, key=lambda r: r.as_of):
        series[r.metric].append((r.as_of, r.value))
    return series


def kpi_drivers(
    *,
    metric: str,
    from_day: date,
    to_day: date,
    by: Sequence[str],
    params: Mapping[str, str],
    filters: Mapping[str, list[str]],
    window_days: int | None = None,
) -> list[Drivers]:
    """Why the KPI moved from `from_day` to `to_day`: its change split exactly by each of `by`
    (one engine for all of them)."""
    with metric_selectors.metric_engine() as engine:
        return [
            metric_selectors.metric_drivers(
                metric=metric,
                from_day=from_day,
                to_day=to_day,
                by=dim,
                scope=KEY_RESULT_SCOPE,
                params=params,
                filters={k: tuple(v) for k, v in filters.items()},
                window_days=window_days,
                engine=engine,
            )
            for dim in by
        ]


def kpi_references() -> dict[str, tuple[Decimal, str]]:
    """Industry reference values by KPI (the latest period each), with their source."""
    found: dict[str, tuple[Decimal, str]] = {}
    for ref in metric_selectors.reference_values():
        if ref.metric_id not in found:  # newest period first
            found[ref.metric_id] = (Decimal(ref.value_text), ref.source)
    return found


def kpi_definitions() -> dict[str, MetricInfo]:
    return {info.id: info for info in metric_selectors.metric_definitions()}
