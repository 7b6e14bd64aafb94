"""The one door from OKRs to the KPI engine: every number a key result tracks comes through here,
from `recoup.metrics.selectors.metric_evaluate`, never from a formula of our own."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Protocol, cast

from recoup.core.errors import RecoupError
from recoup.metrics.contracts import Direction, MetricInfo, MetricRequest, MetricValue


class KpiUnavailableError(RecoupError):
    pass


class _MetricSelectors(Protocol):
    def metric_evaluate(
        self, request: MetricRequest, *, engine: str | None = None
    ) -> MetricValue: ...

    def metric_definitions(self) -> list[MetricInfo]: ...


def _selectors() -> _MetricSelectors:
    try:
        module = importlib.import_module("recoup.metrics.selectors")
    except ImportError as exc:
        raise KpiUnavailableError(f"the KPI engine is not available: {exc}") from exc
    return cast(_MetricSelectors, module)


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
    return _selectors().metric_evaluate(
        kpi_request(
            metric=metric, as_of=as_of, params=params, filters=filters, window_days=window_days
        )
    )


def kpi_definitions() -> dict[str, MetricInfo]:
    return {info.id: info for info in _selectors().metric_definitions()}


def kpi_higher_is_better(metric: str) -> bool | None:
    info = kpi_definitions().get(metric)
    return None if info is None else info.direction == Direction.HIGHER_IS_BETTER
