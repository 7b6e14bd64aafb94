"""The one door from OKRs to the KPI engine: every number a key result tracks comes through here,
from `recoup.metrics.selectors.metric_evaluate`, never from a formula of our own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from recoup.accounts.scope import Scope
from recoup.metrics import selectors as metric_selectors
from recoup.metrics.contracts import MetricInfo, MetricRequest, MetricValue

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


def kpi_definitions() -> dict[str, MetricInfo]:
    return {info.id: info for info in metric_selectors.metric_definitions()}
