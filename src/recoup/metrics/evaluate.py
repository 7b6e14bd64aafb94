"""Evaluates catalogue metrics on an engine: measures, currency conversion and formulas.

`evaluate` takes metric requests sharing one set of as-of points, asks the compiler for the fewest
queries that cover their measures, runs them, converts money to the base currency and applies the
formula of each metric per point and dimension value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from recoup.core.money import currency_exponent
from recoup.metrics import formulas as f
from recoup.metrics.catalogue import DIMENSIONS, MetricDef, MetricInputError, catalogue_metric
from recoup.metrics.compiler import Book, Compiler, Measure, Query, open_columns, plan_queries
from recoup.metrics.extract import schema
from recoup.metrics.fx import FxTable
from recoup.metrics.plans import Formula, Plan, Values, months_before, months_touched


class Engine(Protocol):
    """What an engine offers the evaluator: a SQL dialect, a points table and SQL execution."""

    name: str
    dialect: str

    def load_points(self, table: pa.Table) -> None: ...

    def run(self, sql: str) -> list[dict[str, Any]]: ...

    def materialize(self, name: str, sql: str, *, static: bool = False) -> None:
        """Fills temporary table `name` with `sql`. A `static` relation reads no points: the
        engine may keep it from an earlier evaluation as long as its data has not changed."""


class UnboundSource:
    """Ledger tables as unbound Ibis tables: compiling needs no round trip to the engine."""

    def table(self, name: str) -> ir.Table:
        return ibis.table(ibis.Schema.from_pyarrow(schema(name)), name=name)


POINTS_TABLE = "_points"
Shared = tuple[tuple[str, str, bool], ...]
_SQL_CACHE: dict[tuple[Any, ...], tuple[str, Shared]] = {}


def query_sql(engine: Engine, compiled: Compiled, query: Query) -> tuple[str, Shared]:
    """The SQL of `query` for `engine` and the shared relations it reads (name, SQL, static),
    compiled once per process: Ibis compilation costs more than running most of these queries."""
    key = (
        engine.dialect,
        query.relation,
        query.dims,
        query.filters,
        query.by_currency,
        tuple(m.name for m in query.measures),
        tuple(compiled.point_columns),
        compiled.open_at,
        compiled.book,
    )
    cached = _SQL_CACHE.get(key)
    if cached is None:
        compiler = Compiler(
            UnboundSource(),
            compiled.compiler.points,
            engine.dialect,
            compiled.open_at,
            book=compiled.book,
        )
        expr = compiler.query_expr(query)
        shared = tuple(
            (name, fill, name in compiler.static) for name, fill in compiler.shared.items()
        )
        cached = (str(ibis.to_sql(expr, dialect=engine.dialect)), shared)
        _SQL_CACHE[key] = cached
    return cached


@dataclass(frozen=True, slots=True)
class Point:
    """One as-of date and the start of the period that ends on it (for flows)."""

    as_of: date
    period_from: date

    @classmethod
    def at(cls, as_of: date, period_from: date | None = None) -> Point:
        if period_from is not None and period_from > as_of:
            raise MetricInputError(f"period start {period_from} is after its end {as_of}")
        return cls(as_of, period_from or as_of.replace(day=1))


@dataclass(frozen=True, slots=True)
class Spec:
    metric: str
    params: Mapping[str, str] = field(default_factory=dict)
    dims: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    metric: str
    as_of: date
    period_from: date | None
    value: Decimal | None
    unit: str
    params: Mapping[str, str]
    dims: Mapping[str, str]
    # The formula's inputs, money in base minor units: what makes a ratio explainable.
    measures: Mapping[str, Decimal] = field(default_factory=dict)


def points_table(points: Sequence[Point], lookback: int) -> pa.Table:
    columns: dict[str, list[date]] = {
        "as_of": [p.as_of for p in points],
        "period_from": [p.period_from for p in points],
        "begin": [p.period_from - timedelta(days=1) for p in points],
        "prior": [months_before(p.as_of, 1) for p in points],
    }
    for k in range(1, lookback + 1):
        columns[f"m{k}"] = [months_before(p.as_of, k) for p in points]
    return pa.table({k: pa.array(v, pa.date32()) for k, v in columns.items()})


# -- metric -> measures + formula ----------------------------------------------------------------


def plan_metric(mdef: MetricDef, params: Mapping[str, str]) -> Plan:
    """The measures and formula of `mdef` with `params` (resolved): the entry's own plan."""
    try:
        return mdef.plan(params)
    except MetricInputError:
        raise
    except KeyError as error:
        raise MetricInputError(f"metric {mdef.id} needs parameter {error.args[0]!r}") from None
    except ValueError as error:
        raise MetricInputError(f"metric {mdef.id}: bad parameter value ({error})") from None


# -- validation ----------------------------------------------------------------------------------


def validate(spec: Spec) -> tuple[MetricDef, dict[str, str]]:
    mdef = catalogue_metric(spec.metric)
    params = mdef.resolve_params(spec.params)
    for dim in (*spec.dims, *spec.filters):
        if dim not in DIMENSIONS:
            raise MetricInputError(
                f"unknown dimension {dim!r}; dimensions are: {', '.join(DIMENSIONS)}"
            )
        if dim not in mdef.dimensions:
            raise MetricInputError(
                f"metric {mdef.id} cannot be grouped or filtered by {dim!r} "
                f"(it allows: {', '.join(mdef.dimensions) or 'none'})"
            )
    return mdef, params


# -- running -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Compiled:
    specs: list[tuple[Spec, MetricDef, dict[str, str], Plan, tuple[str, ...]]]
    queries: list[Query]
    compiler: Compiler
    points: tuple[Point, ...]
    point_table: pa.Table
    point_columns: list[str]
    open_at: tuple[str, ...]
    book: Book | None


def compile_specs(specs: Sequence[Spec], points: Sequence[Point], *, book: Book | None) -> Compiled:
    if not points:
        raise MetricInputError("no as-of dates to compute")
    resolved = []
    months_back = 0
    wanted: list[tuple[Measure, tuple[str, ...], Mapping[str, tuple[str, ...]]]] = []
    for spec in specs:
        mdef, params = validate(spec)
        plan = plan_metric(mdef, params)
        months_back = max(months_back, plan.months_back)
        dims = tuple(dict.fromkeys((*spec.dims, *plan.extra_dims)))
        resolved.append((spec, mdef, params, plan, dims))
        filters = {k: tuple(v) for k, v in spec.filters.items()}
        wanted.extend((measure, dims, filters) for measure in plan.measures)
    table = points_table(points, months_back)
    unbound = ibis.table(ibis.Schema.from_pyarrow(table.schema), name=POINTS_TABLE)
    queries = plan_queries(wanted)
    open_at = open_columns(q.relation for q in queries)
    return Compiled(
        resolved,
        queries,
        Compiler(UnboundSource(), unbound, open_at=open_at, book=book),
        tuple(points),
        table,
        list(table.column_names),
        open_at,
        book,
    )


def evaluate(
    engine: Engine, specs: Sequence[Spec], points: Sequence[Point], *, book: Book | None
) -> list[Result]:
    """The specs' results at every point, counting only the debtors in `book` (None: all)."""
    compiled = compile_specs(specs, points, book=book)
    engine.load_points(compiled.point_table)
    made: set[str] = set()
    base = settings.BASE_CURRENCY
    fx = FxTable.load(base)
    # measure values per (query key, as_of, dims) in base minor units (exact decimals)
    values: dict[tuple[Any, ...], dict[tuple[Any, ...], Decimal]] = {}
    for query in compiled.queries:
        sql, shared = query_sql(engine, compiled, query)
        for name, fill, static in shared:
            if name not in made:
                engine.materialize(name, fill, static=static)
                made.add(name)
        rows = engine.run(sql)
        money = {m.name for m in query.measures if m.money}
        qkey = (query.dims, query.filters)
        for row in rows:
            key = (qkey, row["as_of"], tuple(row[d] for d in query.dims))
            slot = values.setdefault(key, {})
            currency = row.get("currency") if query.by_currency else None
            for measure in query.measures:
                raw = row[measure.name]
                number = Decimal(0) if raw is None else Decimal(raw)
                if measure.name in money and currency is not None:
                    number = fx.to_base_minor(number, currency, row["as_of"])
                mkey = (query.relation, measure.name)
                slot[mkey] = slot.get(mkey, Decimal(0)) + number
    # The dims found per (query key, as_of): one pass, not one per spec and point (a metric by
    # customer has thousands of rows).
    found_dims: dict[tuple[Any, ...], set[tuple[Any, ...]]] = defaultdict(set)
    for qkey_found, as_of_found, dims_found in values:
        found_dims[(qkey_found, as_of_found)].add(dims_found)
    results: list[Result] = []
    for spec, mdef, params, plan, dims in compiled.specs:
        qkey = (dims, tuple(sorted((k, tuple(v)) for k, v in spec.filters.items())))
        for point in compiled.points:
            found = found_dims.get((qkey, point.as_of), set())
            keys = sorted(found, key=lambda k: _dims_order(dims, k)) or ([] if dims else [()])
            for dim_values in keys:
                slot = values.get((qkey, point.as_of, dim_values), {})
                measured = {
                    m.name: slot.get((m.relation, m.name), Decimal(0)) for m in plan.measures
                }
                recorded = all(measured.get(name) for name in plan.needs)
                value = plan.formula(measured, point) if recorded else None
                results.append(
                    Result(
                        metric=mdef.id,
                        as_of=point.as_of,
                        period_from=point.period_from if mdef.is_flow else None,
                        value=_present(value, plan, base),
                        unit=plan.unit,
                        params=params,
                        dims=dict(zip(dims, dim_values, strict=True)),
                        measures=measured,
                    )
                )
    return results


def _dims_order(dims: Sequence[str], values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Dimension values in reading order: aging buckets by age ("46-75" before "180+")."""
    return tuple(bucket_age(v) if d == "bucket" else v for d, v in zip(dims, values, strict=True))


def bucket_age(label: str) -> tuple[int, str]:
    """Where a bucket label ('current', '1-30', '120+') sits on the age axis."""
    if label == "current":
        return (-1, label)
    low = label.split("-", 1)[0].rstrip("+")
    return (int(low), label) if low.isdigit() else (1 << 30, label)


def _present(value: Decimal | None, plan: Plan, base: str) -> Decimal | None:
    if value is None:
        return None
    if plan.money:
        minor = value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return minor.scaleb(-currency_exponent(base))
    if plan.unit == "count":
        return value
    return f.round2(value)


def explain(
    engine: Engine, specs: Sequence[Spec], points: Sequence[Point], *, book: Book | None
) -> list[tuple[str, str]]:
    """(what, SQL) for every query the specs need; the points are the queries' parameters."""
    compiled = compile_specs(specs, points, book=book)
    out = []
    seen: set[str] = set()
    for query in compiled.queries:
        names = ", ".join(m.name for m in query.measures)
        sql, shared = query_sql(engine, compiled, query)
        for name, fill, _static in shared:
            if name not in seen:
                out.append((f"shared relation {name}", fill))
                seen.add(name)
        out.append((f"{query.relation[0]}: {names}", sql))
    return out


__all__ = [
    "Engine",
    "Formula",
    "Plan",
    "Point",
    "Result",
    "Spec",
    "Values",
    "evaluate",
    "explain",
    "months_before",
    "months_touched",
    "plan_metric",
]
