"""Readers of the KPI engine: the catalogue, metric values, series and explanations.

`metric_definitions` and `metric_evaluate` are the contract other apps use
(`recoup.metrics.contracts`); the CLI, the API and reports use the richer `metric_query`,
`metric_series` and `metric_explain`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import Q

from recoup.accounts.scope import Scope
from recoup.metrics.allocation import allocate_money
from recoup.metrics.catalogue import (
    CATALOGUE,
    GRAINS,
    MetricInputError,
    Param,
)
from recoup.metrics.compiler import Book
from recoup.metrics.contracts import Direction, MetricInfo, MetricRequest, MetricValue
from recoup.metrics.drivers import Contribution, Drivers, allocate_to, drivers_compute
from recoup.metrics.engines import DuckDBEngine, Freshness, PostgresEngine, SparkEngine, engine_open
from recoup.metrics.evaluate import (
    Point,
    Result,
    Spec,
    evaluate,
    explain,
    plan_metric,
    validate,
)
from recoup.metrics.models import (
    CustomAggregation,
    CustomMetric,
    CustomValue,
    MetricDefault,
    ReferenceValue,
)

AnyEngine = DuckDBEngine | PostgresEngine | SparkEngine
CUSTOM_DIMENSIONS = ("team", "collector")


@dataclass(frozen=True, slots=True)
class QueryResult:
    as_of: date
    data_as_of: date | None
    engine: str
    freshness: str
    results: list[Result]


def metric_definitions() -> list[MetricInfo]:
    """Every metric: the catalogue, then the custom metrics defined in this instance."""
    infos = [m.info() for m in CATALOGUE.values()]
    for custom in CustomMetric.objects.all():
        infos.append(
            MetricInfo(
                id=custom.metric_id,
                title=custom.title,
                description=custom.description or f"Custom metric ({custom.aggregation}).",
                unit=custom.unit,
                direction=Direction(custom.direction),
                dimensions=CUSTOM_DIMENSIONS,
                params={},
                is_flow=custom.aggregation != CustomAggregation.LATEST,
            )
        )
    return infos


ALL_METRICS = "*"


def shared_params() -> list[tuple[Param, tuple[str, ...]]]:
    """Parameters several metrics declare alike (bucket edges, what counts as current, the DSO
    window, ...) with the metrics that take them: one organisation-wide choice can serve all."""
    found: dict[str, tuple[Param, list[str]]] = {}
    differing: set[str] = set()
    for mdef in CATALOGUE.values():
        for param in mdef.params:
            seen = found.setdefault(param.name, (param, []))
            if seen[0] != param:
                differing.add(param.name)
            seen[1].append(mdef.id)
    return [
        (param, tuple(metrics))
        for name, (param, metrics) in found.items()
        if len(metrics) > 1 and name not in differing
    ]


def metric_defaults() -> dict[str, dict[str, str]]:
    """The organisation's parameter choices, metric -> parameter -> value (Settings → KPI
    variants); `ALL_METRICS` holds the choices for every metric that takes the parameter. A
    parameter chosen nowhere takes the catalogue's default."""
    chosen: dict[str, dict[str, str]] = {}
    for metric_id, param, value in MetricDefault.objects.values_list("metric_id", "param", "value"):
        chosen.setdefault(metric_id, {})[param] = value
    return chosen


def with_defaults(
    metric: str, given: Mapping[str, str], defaults: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """`given` over the metric's own defaults over the organisation-wide ones it takes: an
    explicit parameter always wins."""
    mdef = CATALOGUE.get(metric)
    takes = {p.name for p in mdef.params} if mdef is not None else set()
    shared = {k: v for k, v in defaults.get(ALL_METRICS, {}).items() if k in takes}
    return {**shared, **defaults.get(metric, {}), **given}


@contextmanager
def _engine(engine: str | AnyEngine | None) -> Iterator[AnyEngine]:
    if engine is None or isinstance(engine, str):
        opened = engine_open(engine)
        try:
            yield opened
        finally:
            if isinstance(opened, DuckDBEngine | SparkEngine):
                opened.close()
    else:
        yield engine


@contextmanager
def metric_engine() -> Iterator[AnyEngine]:
    """The analytics engine, open for several readers in a row and closed after: a page that
    asks two questions of the same data syncs it once."""
    with _engine(None) as engine:
        yield engine


def book_of(scope: Scope) -> Book | None:
    """The debtors the KPI compiler counts for `scope`: None for the whole ledger."""
    if not isinstance(scope, Scope):
        # A reader called without a scope must fail, never fall back to "everything".
        raise TypeError(f"a KPI reader needs a Scope, got {type(scope).__name__}")
    if scope.sees_all:
        return None
    return Book(tuple(sorted(scope.team_ids)), tuple(sorted(scope.collector_ids)))


def metric_evaluate(
    request: MetricRequest, *, scope: Scope, engine: str | AnyEngine | None = None
) -> MetricValue:
    """One number: `request.metric` as of `request.as_of`, filtered, ungrouped, counting the
    debtors `scope` may see."""
    book = book_of(scope)
    custom = CustomMetric.objects.filter(metric_id=request.metric).first()
    if custom is not None:
        return _custom_value(custom, request, scope)
    params = with_defaults(request.metric, request.params, metric_defaults())
    spec = Spec(request.metric, params, (), dict(request.filters))
    point = Point.at(request.as_of, request.period_from)
    with _engine(engine) as eng:
        (result,) = evaluate(eng, [spec], [point], book=book)
        fresh = eng.freshness()
    return MetricValue(
        metric=result.metric,
        value=result.value,
        unit=result.unit,
        as_of=request.as_of,
        data_as_of=fresh.data_as_of,
        params=result.params,
        filters=request.filters,
    )


def metric_evaluate_at(
    request: MetricRequest,
    days: Sequence[date],
    *,
    scope: Scope,
    window_days: int | None = None,
    engine: str | AnyEngine | None = None,
) -> dict[date, Decimal | None]:
    """`request.metric` as of each of `days` in one pass (one engine, one sync): a target
    suggestion reads a KPI at eight past cycle starts. Flows cover `window_days` up to each day
    (None: the month to date)."""
    if CustomMetric.objects.filter(metric_id=request.metric).exists():
        return {
            day: metric_evaluate(
                replace(request, as_of=day, period_from=_window_start(day, window_days)),
                scope=scope,
                engine=engine,
            ).value
            for day in days
        }
    params = with_defaults(request.metric, request.params, metric_defaults())
    spec = Spec(request.metric, params, (), dict(request.filters))
    points = [Point.at(day, _window_start(day, window_days)) for day in sorted(set(days))]
    with _engine(engine) as eng:
        results = evaluate(eng, [spec], points, book=book_of(scope))
    return {result.as_of: result.value for result in results}


def _window_start(day: date, window_days: int | None) -> date | None:
    return day - timedelta(days=window_days - 1) if window_days else None


def metric_query(
    *,
    scope: Scope,
    metrics: Sequence[str],
    as_of: date,
    period_from: date | None = None,
    dims: Sequence[str] = (),
    params: Mapping[str, Mapping[str, str]] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    engine: str | AnyEngine | None = None,
) -> QueryResult:
    """Several catalogue metrics as of one date, grouped by `dims`, in one engine pass."""
    specs = _specs(metrics, dims, params or {}, filters or {})
    point = Point.at(as_of, period_from)
    book = book_of(scope)
    with _engine(engine) as eng:
        results = evaluate(eng, specs, [point], book=book)
        fresh = eng.freshness()
        name = eng.name
    return QueryResult(as_of, fresh.data_as_of, name, fresh.state, results)


def metric_series(
    *,
    scope: Scope,
    metrics: Sequence[str],
    start: date,
    end: date,
    grain: str,
    dims: Sequence[str] = (),
    params: Mapping[str, Mapping[str, str]] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    engine: str | AnyEngine | None = None,
) -> QueryResult:
    """Each metric at the end of every `grain` period from `start` to `end`, in one pass."""
    specs = _specs(metrics, dims, params or {}, filters or {})
    points = series_points(start, end, grain)
    book = book_of(scope)
    with _engine(engine) as eng:
        results = evaluate(eng, specs, points, book=book)
        fresh = eng.freshness()
        name = eng.name
    return QueryResult(end, fresh.data_as_of, name, fresh.state, results)


def metric_explain(
    *,
    scope: Scope,
    metrics: Sequence[str],
    as_of: date,
    period_from: date | None = None,
    dims: Sequence[str] = (),
    params: Mapping[str, Mapping[str, str]] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    engine: str | AnyEngine | None = None,
) -> list[tuple[str, str]]:
    """The SQL each query runs, preceded by the parameters (the as-of point)."""
    specs = _specs(metrics, dims, params or {}, filters or {})
    point = Point.at(as_of, period_from)
    book = book_of(scope)
    with _engine(engine) as eng:
        queries = explain(eng, specs, [point], book=book)
    header = (
        "parameters",
        f"as_of = {point.as_of}\nperiod_from = {point.period_from}\n"
        "(the queries read them from the one-row points table in their FROM clause)",
    )
    return [header, *queries]


def metric_drivers(
    *,
    metric: str,
    from_day: date,
    to_day: date,
    by: str,
    scope: Scope,
    params: Mapping[str, str] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    window_days: int | None = None,
    engine: str | AnyEngine | None = None,
) -> Drivers:
    """Why `metric` moved from `from_day` to `to_day`: its change split exactly by `by`, counting
    the debtors `scope` may see (`recoup.metrics.drivers`)."""
    book = book_of(scope)
    given = with_defaults(metric, params or {}, metric_defaults())
    with _engine(engine) as eng:
        return drivers_compute(
            eng,
            metric=metric,
            from_day=from_day,
            to_day=to_day,
            by=by,
            params=given,
            filters=dict(filters or {}),
            book=book,
            base_currency=settings.BASE_CURRENCY,
            window_days=window_days,
        )


DASHBOARD_TREND = ("ar_total", "ar_by_bucket", "dso", "cei", "cash_collected")


@dataclass(frozen=True, slots=True)
class Dashboard:
    now: QueryResult  # every as-of metric of the catalogue on the date
    trend: QueryResult  # DASHBOARD_TREND at each of the last 13 month ends


def metric_dashboard(
    *, as_of: date, scope: Scope, engine: str | AnyEngine | None = None
) -> Dashboard:
    """The dashboard set: every as-of KPI on `as_of` and a 13-month trend, in two passes."""
    book = book_of(scope)
    stock = [m.id for m in CATALOGUE.values() if not m.is_flow]
    first = as_of.replace(day=1)
    for _ in range(12):
        first = (first - timedelta(days=1)).replace(day=1)
    with _engine(engine) as eng:
        now = evaluate(eng, _specs(stock, (), {}, {}), [Point.at(as_of)], book=book)
        trend = evaluate(
            eng,
            _specs(DASHBOARD_TREND, (), {}, {}),
            series_points(first, as_of, "month"),
            book=book,
        )
        fresh = eng.freshness()
        return Dashboard(
            QueryResult(as_of, fresh.data_as_of, eng.name, fresh.state, now),
            QueryResult(as_of, fresh.data_as_of, eng.name, fresh.state, trend),
        )


# -- who is behind a number ----------------------------------------------------------------------

# Columns beyond these would make the accounts table unreadable (countback has a month each).
MAX_MEASURE_COLUMNS = 4


@dataclass(frozen=True, slots=True)
class MeasureColumn:
    name: str
    label: str
    unit: str  # "money" (base currency) or "count"


@dataclass(frozen=True, slots=True)
class Contributor:
    customer_id: int
    # The metric for this customer alone, in the metric's unit; for money and count metrics it is
    # the customer's share of the number, and the shares add up to it.
    value: Decimal | None
    measures: tuple[Decimal, ...]  # per column of `Contributors.columns`, in its unit


@dataclass(frozen=True, slots=True)
class Contributors:
    metric: str
    unit: str
    as_of: date
    additive: bool  # each customer's value is their share: the values add up to the number
    columns: tuple[MeasureColumn, ...]
    rows: list[Contributor]  # largest contribution first
    totals: tuple[Decimal, ...]  # per column, over every customer
    by_customer: bool = True  # False: the metric is not kept per customer

    @property
    def total(self) -> Decimal | None:
        """The sum of the customers' values: the number itself when `additive`."""
        present = [r.value for r in self.rows if r.value is not None]
        return sum(present, Decimal(0)) if present else None


def metric_contributors(
    *,
    scope: Scope,
    metric: str,
    as_of: date,
    period_from: date | None = None,
    params: Mapping[str, str] | None = None,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    engine: str | AnyEngine | None = None,
) -> Contributors:
    """The customers behind `metric` (filtered as the number is), largest contribution first.

    The metric is grouped by customer: for money and count metrics each customer's value is
    their share of the number; for ratios and averages the formula's inputs (numerator,
    denominator, ...) are given per customer, and their totals give the number.
    """
    given = with_defaults(metric, params or {}, metric_defaults())
    mdef, resolved = validate(Spec(metric, given, (), dict(filters or {})))
    plan = plan_metric(mdef, resolved)
    shown = plan.measures[:MAX_MEASURE_COLUMNS]
    columns = tuple(MeasureColumn(m.name, m.label, "money" if m.money else "count") for m in shown)
    additive = len(plan.measures) == 1 and plan.unit in {"money", "count"}
    if "customer" not in mdef.dimensions:
        # Kept per team or per segment only (costs, credit decisions): no customer is behind it.
        return Contributors(metric, plan.unit, as_of, additive, columns, [], (), by_customer=False)
    spec = Spec(metric, given, ("customer",), dict(filters or {}))
    point = Point.at(as_of, period_from)
    book = book_of(scope)
    with _engine(engine) as eng:
        results = evaluate(eng, [spec], [point], book=book)
    values: dict[int, Decimal | None] = {}
    measured: dict[int, list[Decimal]] = {}
    for result in results:
        key = result.dims.get("customer", "")
        if not key.isdigit():
            continue
        customer = int(key)
        inputs = [result.measures.get(m.name, Decimal(0)) for m in shown]
        if customer in measured:
            # Metrics always grouped by another dimension (ar_by_bucket): one row per bucket.
            measured[customer] = [a + b for a, b in zip(measured[customer], inputs, strict=True)]
            before = values[customer]
            values[customer] = (
                result.value if before is None else before + (result.value or Decimal(0))
            )
        else:
            measured[customer] = inputs
            values[customer] = result.value
    base = settings.BASE_CURRENCY
    # Money columns are rounded together, so each column's cents add up to its total.
    rounded = {
        i: allocate_money({c: numbers[i] for c, numbers in measured.items()}, base)
        for i, column in enumerate(columns)
        if column.unit == "money"
    }
    if additive and plan.money:
        values = {c: rounded[0][c] for c in measured}
    rows = [
        Contributor(
            customer_id=customer,
            value=values[customer],
            measures=tuple(
                rounded[i][customer] if i in rounded else number for i, number in enumerate(numbers)
            ),
        )
        for customer, numbers in measured.items()
    ]

    def contribution(row: Contributor) -> Decimal:
        if additive or not row.measures:
            return row.value or Decimal(0)
        return row.measures[0]

    if additive:
        # A customer adding nothing to a sum or a count is not behind it.
        rows = [r for r in rows if r.value]
    rows.sort(key=lambda r: (-contribution(r), r.customer_id))
    totals = tuple(sum((r.measures[i] for r in rows), Decimal(0)) for i in range(len(columns)))
    return Contributors(metric, plan.unit, as_of, additive, columns, rows, totals)


def series_points(start: date, end: date, grain: str) -> list[Point]:
    """Period ends from `start` to `end` at `grain`; the last point is `end` itself."""
    if grain not in GRAINS:
        raise MetricInputError(f"unknown grain {grain!r}: expected one of {', '.join(GRAINS)}")
    if start > end:
        raise MetricInputError(f"series start {start} is after its end {end}")
    points: list[Point] = []
    cursor = start
    while cursor <= end and len(points) < 2000:
        period_start = _period_start(cursor, grain)
        period_end = min(_period_end(cursor, grain), end)
        points.append(Point(period_end, max(period_start, start)))
        cursor = period_end + timedelta(days=1)
    if cursor <= end:
        raise MetricInputError("a series may hold at most 2000 points: choose a coarser grain")
    return points


def _period_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _period_end(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day + timedelta(days=6 - day.weekday())
    months = 1 if grain == "month" else 3
    start = _period_start(day, grain)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def _specs(
    metrics: Sequence[str],
    dims: Sequence[str],
    params: Mapping[str, Mapping[str, str]],
    filters: Mapping[str, tuple[str, ...]],
) -> list[Spec]:
    if not metrics:
        raise MetricInputError("name at least one metric")
    for name in params:
        if name not in metrics:
            raise MetricInputError(f"parameters given for {name!r}, which is not requested")
    defaults = metric_defaults()
    return [
        Spec(m, with_defaults(m, params.get(m, {}), defaults), tuple(dims), dict(filters))
        for m in metrics
    ]


def _custom_value(custom: CustomMetric, request: MetricRequest, scope: Scope) -> MetricValue:
    if request.params:
        raise MetricInputError(f"custom metric {custom.metric_id} takes no parameters")
    rows = CustomValue.objects.filter(metric=custom, on__lte=request.as_of)
    if not scope.sees_all:
        # Organisation-wide values are aggregates; a team's or a person's follow the scope.
        rows = rows.filter(
            Q(team__isnull=True, collector__isnull=True)
            | Q(team_id__in=scope.team_ids)
            | Q(collector_id__in=scope.collector_ids)
        )
    for dim, values in request.filters.items():
        if dim == "team":
            rows = rows.filter(team__name__in=values)
        elif dim == "collector":
            rows = rows.filter(collector__username__in=values)
        else:
            raise MetricInputError(
                f"custom metric {custom.metric_id} can be filtered by team or collector only"
            )
    if not request.filters:
        rows = rows.filter(Q(team__isnull=True) & Q(collector__isnull=True))
    value: Decimal | None
    if custom.aggregation == CustomAggregation.LATEST:
        latest = rows.order_by("-on", "-id").first()
        value = None if latest is None else Decimal(latest.value_text)
        data_as_of = None if latest is None else latest.on
    else:
        start = request.period_from or request.as_of.replace(day=1)
        chosen = list(rows.filter(on__gte=start).values_list("value_text", "on"))
        numbers = [Decimal(v) for v, _ in chosen]
        data_as_of = max((on for _, on in chosen), default=None)
        if not numbers:
            value = None
        elif custom.aggregation == CustomAggregation.SUM:
            value = sum(numbers, Decimal(0))
        else:
            value = sum(numbers, Decimal(0)) / len(numbers)
    return MetricValue(
        metric=custom.metric_id,
        value=value,
        unit=custom.unit,
        as_of=request.as_of,
        data_as_of=data_as_of,
        params={},
        filters=request.filters,
    )


def reference_values(metric_id: str | None = None) -> list[ReferenceValue]:
    rows = ReferenceValue.objects.all()
    if metric_id is not None:
        rows = rows.filter(metric_id=metric_id)
    return list(rows)


def parse_decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MetricInputError(f"{where}: {text!r} is not a number") from None
    if not value.is_finite():
        raise MetricInputError(f"{where}: {text!r} is not a finite number")
    return value


def result_json(result: Result) -> dict[str, Any]:
    return {
        "metric": result.metric,
        "as_of": result.as_of.isoformat(),
        "period_from": result.period_from.isoformat() if result.period_from else None,
        "value": None if result.value is None else format(result.value, "f"),
        "unit": result.unit,
        "params": dict(result.params),
        "dims": dict(result.dims),
    }


__all__ = [
    "Contribution",
    "Contributors",
    "Drivers",
    "Freshness",
    "QueryResult",
    "allocate_to",
    "metric_contributors",
    "metric_definitions",
    "metric_drivers",
    "metric_engine",
    "metric_evaluate",
    "metric_explain",
    "metric_query",
    "metric_series",
]
