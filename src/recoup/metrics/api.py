"""The KPI API (mounted at /api/metrics): the catalogue, a metric as of a date (grouped and
filtered), a series at a grain, and the SQL behind a result.

A session or a personal token; everyone signed in may read, each within their scope
(`recoup.accounts.scope`): a collector's numbers, groupings and explanations count only their
book, and a team or collector filter beyond it is refused (403). The engine is the operator's
choice (`RECOUP_KPI_ENGINE` or the CLI), never a request parameter. Bad input (unknown metric,
dimension or parameter, malformed date, start after end) answers 422 with a `detail` naming
what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.api_auth import API_AUTH
from recoup.accounts.scope import Scope, scope_check_filters, scope_for
from recoup.core.dates import parse_input_date
from recoup.core.errors import AccessDeniedError, InputDateError, RecoupError
from recoup.metrics.catalogue import CATALOGUE, DIMENSIONS
from recoup.metrics.drivers import drivers_json
from recoup.metrics.selectors import (
    QueryResult,
    metric_definitions,
    metric_drivers,
    metric_explain,
    metric_query,
    metric_series,
    reference_values,
    result_json,
)

router = Router(auth=API_AUTH, tags=["metrics"])


class ReferenceOut(Schema):
    value: str
    period: str
    source: str
    note: str


class MetricOut(Schema):
    id: str
    title: str
    description: str
    formula: str
    unit: str
    direction: str
    dimensions: list[str]
    params: dict[str, str]
    is_flow: bool
    references: list[ReferenceOut]


class ResultOut(Schema):
    metric: str
    as_of: str
    period_from: str | None
    value: str | None
    unit: str
    params: dict[str, str]
    dims: dict[str, str]


class ResultsOut(Schema):
    as_of: str
    data_as_of: str | None
    engine: str
    freshness: str
    results: list[ResultOut]


class QueryIn(Schema):
    as_of: str | None = None
    period_from: str | None = None
    by: list[str] = []
    filter: list[str] = []
    param: list[str] = []


class SeriesIn(Schema):
    start: str
    end: str
    grain: str = "month"
    by: list[str] = []
    filter: list[str] = []
    param: list[str] = []


class DriversIn(Schema):
    # `from` and `to` as in the CLI; Python names them from_ and to.
    from_: str = Field(..., alias="from")
    to: str
    by: str
    filter: list[str] = []
    param: list[str] = []


class ContributionOut(Schema):
    dims: dict[str, str]
    value: str | None


class DriversOut(Schema):
    metric: str
    from_value: str | None
    to_value: str | None
    change: str | None
    contributions: list[ContributionOut]


class ExplainOut(Schema):
    title: str
    sql: str


def _call[T](fn: Callable[[], T]) -> T:
    try:
        return fn()
    except AccessDeniedError as exc:
        raise HttpError(403, str(exc)) from None
    except RecoupError as exc:
        raise HttpError(422, str(exc)) from None


def _date(text: str | None, name: str) -> date | None:
    if text is None or text == "":
        return None
    try:
        return parse_input_date(text, what=name)
    except InputDateError as exc:
        raise HttpError(422, str(exc)) from None


def _pairs(items: list[str], name: str, example: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise HttpError(422, f"{name}={item!r}: expected {example}")
        out[key] = value
    return out


def _scope(request: HttpRequest, filters: dict[str, tuple[str, ...]]) -> Scope:
    """The asker's scope; a team or collector filter beyond it is refused (403)."""
    scope = scope_for(request.user)
    _call(lambda: scope_check_filters(scope, filters))
    return scope


def _filters(items: list[str]) -> dict[str, tuple[str, ...]]:
    raw = _pairs(items, "filter", "DIMENSION=VALUE[,VALUE], e.g. team=North")
    for dim in raw:
        if dim not in DIMENSIONS:
            raise HttpError(
                422, f"unknown dimension {dim!r}; dimensions are: {', '.join(DIMENSIONS)}"
            )
    return {k: tuple(v.split(",")) for k, v in raw.items()}


def _out(result: QueryResult) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "data_as_of": None if result.data_as_of is None else result.data_as_of.isoformat(),
        "engine": result.engine,
        "freshness": result.freshness,
        "results": [result_json(r) for r in result.results],
    }


def _today() -> date:
    from django.utils import timezone

    return timezone.now().date()


@router.get("/", response=list[MetricOut], summary="The KPI catalogue and custom metrics")
def metric_list(request: HttpRequest) -> list[dict[str, Any]]:
    refs: dict[str, list[dict[str, str]]] = {}
    for ref in reference_values():
        refs.setdefault(ref.metric_id, []).append(
            {"value": ref.value_text, "period": ref.period, "source": ref.source, "note": ref.note}
        )
    return [
        {
            "id": info.id,
            "title": info.title,
            "description": info.description,
            "formula": CATALOGUE[info.id].formula if info.id in CATALOGUE else "",
            "unit": info.unit,
            "direction": info.direction.value,
            "dimensions": list(info.dimensions),
            "params": dict(info.params),
            "is_flow": info.is_flow,
            "references": refs.get(info.id, []),
        }
        for info in metric_definitions()
    ]


@router.get("/{metric_id}", response=ResultsOut, summary="A metric as of a date, grouped")
def metric_value(request: HttpRequest, metric_id: str, q: Query[QueryIn]) -> dict[str, Any]:
    as_of = _date(q.as_of, "as_of") or _today()
    start = _date(q.period_from, "period_from")
    params = _pairs(q.param, "param", "NAME=VALUE, e.g. window=30")
    filters = _filters(q.filter)
    scope = _scope(request, filters)
    return _call(
        lambda: _out(
            metric_query(
                scope=scope,
                metrics=[metric_id],
                as_of=as_of,
                period_from=start,
                dims=q.by,
                params={metric_id: params} if params else {},
                filters=filters,
            )
        )
    )


@router.get("/{metric_id}/series", response=ResultsOut, summary="A metric at every grain end")
def metric_value_series(request: HttpRequest, metric_id: str, q: Query[SeriesIn]) -> dict[str, Any]:
    start = _date(q.start, "start") or _today()
    end = _date(q.end, "end") or _today()
    params = _pairs(q.param, "param", "NAME=VALUE, e.g. window=30")
    filters = _filters(q.filter)
    scope = _scope(request, filters)
    return _call(
        lambda: _out(
            metric_series(
                scope=scope,
                metrics=[metric_id],
                start=start,
                end=end,
                grain=q.grain,
                dims=q.by,
                params={metric_id: params} if params else {},
                filters=filters,
            )
        )
    )


@router.get(
    "/{metric_id}/explain", response=list[ExplainOut], summary="The SQL behind a metric result"
)
def metric_value_explain(
    request: HttpRequest, metric_id: str, q: Query[QueryIn]
) -> list[dict[str, str]]:
    as_of = _date(q.as_of, "as_of") or _today()
    start = _date(q.period_from, "period_from")
    params = _pairs(q.param, "param", "NAME=VALUE, e.g. window=30")
    filters = _filters(q.filter)
    scope = _scope(request, filters)
    queries = _call(
        lambda: metric_explain(
            scope=scope,
            metrics=[metric_id],
            as_of=as_of,
            period_from=start,
            dims=q.by,
            params={metric_id: params} if params else {},
            filters=filters,
        )
    )
    return [{"title": title, "sql": sql} for title, sql in queries]


@router.get(
    "/{metric_id}/drivers",
    response=DriversOut,
    summary="Why a metric moved: its change between two days split exactly by a dimension",
)
def metric_value_drivers(
    request: HttpRequest, metric_id: str, q: Query[DriversIn]
) -> dict[str, Any]:
    start = _date(q.from_, "from")
    end = _date(q.to, "to")
    if start is None or end is None:
        raise HttpError(422, "from and to: expected two dates (YYYY-MM-DD)")
    params = _pairs(q.param, "param", "NAME=VALUE, e.g. window=30")
    filters = _filters(q.filter)
    scope = _scope(request, filters)
    return _call(
        lambda: drivers_json(
            metric_drivers(
                metric=metric_id,
                from_day=start,
                to_day=end,
                by=q.by,
                scope=scope,
                params=params,
                filters=filters,
            )
        )
    )
