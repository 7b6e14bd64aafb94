"""Evaluates catalogue metrics on an engine: measures, currency conversion and formulas.

`evaluate` takes metric requests sharing one set of as-of points, asks the compiler for the fewest
queries that cover their measures, runs them, converts money to the base currency and applies the
formula of each metric per point and dimension value.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
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
from recoup.metrics.compiler import (
    NOT_REACHED,
    RIGHT_PARTY,
    Book,
    Compiler,
    Measure,
    Query,
    bucket_labels,
    open_columns,
    plan_queries,
)
from recoup.metrics.extract import schema
from recoup.metrics.fx import FxTable


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


def months_before(day: date, months: int) -> date:
    """Same day `months` earlier (clamped); a month's last day maps to that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, month + 1, last)
    return date(year, month + 1, min(day.day, last))


def months_touched(start: date, end: date) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


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

Values = Mapping[str, Decimal]
Formula = Callable[[Values, Point], Decimal | None]


@dataclass(frozen=True, slots=True)
class Plan:
    measures: tuple[Measure, ...]
    formula: Formula
    unit: str
    money: bool = False
    extra_dims: tuple[str, ...] = ()
    # Inputs only ever recorded as positive amounts: a zero means nothing was recorded, and the
    # metric has no value rather than 0 (no cost booked says nothing about the cost to collect).
    needs: tuple[str, ...] = ()


def _edges(params: Mapping[str, str]) -> tuple[int, ...]:
    return tuple(int(e) for e in params.get("buckets", "30,60,90,120").split(","))


def _open(params: Mapping[str, str], at: str = "as_of") -> tuple[Any, ...]:
    return ("open", at, params.get("anchor", "due"), _edges(params))


def _sum(
    rel: tuple[Any, ...], name: str, col: str, where: Any = None, money: bool = True
) -> Measure:
    def agg(t: ir.Table) -> ir.Value:
        cond = where(t) if where is not None else None
        return t[col].sum(where=cond).fill_null(0)

    return Measure(rel, name, agg, money=money)


def _count(rel: tuple[Any, ...], name: str, where: Any = None) -> Measure:
    def agg(t: ir.Table) -> ir.Value:
        return t.as_of.count(where=where(t) if where is not None else None)

    return Measure(rel, name, agg)


def _get(values: Values, name: str) -> Decimal:
    return values.get(name, Decimal(0))


def _pct(num: str, den: str) -> Formula:
    return lambda v, _p: f.percent(_get(v, num), _get(v, den))


def _mean(total: str, count: str) -> Formula:
    return lambda v, _p: f.mean(_get(v, total), _get(v, count))


def _value(name: str) -> Formula:
    return lambda v, _p: _get(v, name)


def plan_metric(mdef: MetricDef, params: Mapping[str, str]) -> Plan:
    m = mdef.id
    o = _open(params)
    cd = int(params.get("current_days", "0"))
    ar = _sum(o, "ar", "open")
    cur = _sum(o, f"cur_{cd}", "open", lambda t: t.dpd <= cd)
    overdue = _sum(o, f"od_{cd}", "open", lambda t: t.dpd > cd)
    n_open = _count(o, "n_open")
    if m == "ar_total":
        return Plan((ar,), _value("ar"), "money", money=True)
    if m == "ar_current":
        return Plan((cur,), _value(cur.name), "money", money=True)
    if m == "ar_overdue":
        return Plan((overdue,), _value(overdue.name), "money", money=True)
    if m == "ar_by_bucket":
        if params["measure"] == "count":
            return Plan((n_open,), _value("n_open"), "count", extra_dims=("bucket",))
        return Plan((ar,), _value("ar"), "money", money=True, extra_dims=("bucket",))
    if m in {"ar_90_plus", "pct_90_plus", "accounts_90_plus"}:
        days = int(params["days"])
        over = _sum(o, f"over_{days}", "open", lambda t: t.dpd > days)
        if m == "ar_90_plus":
            return Plan((over,), _value(over.name), "money", money=True)
        if m == "pct_90_plus":
            return Plan((over, ar), _pct(over.name, "ar"), "percent")
        accounts = Measure(
            o,
            f"acc_{days}",
            lambda t: t.customer_id.nunique(where=t.dpd > days),
            additive=False,
        )
        return Plan((accounts,), _value(accounts.name), "count")
    if m == "open_invoices_count":
        return Plan((n_open,), _value("n_open"), "count")
    if m == "pct_current":
        return Plan((cur, ar), _pct(cur.name, "ar"), "percent")
    if m == "delinquency_rate":
        if params["by"] == "count":
            n_od = _count(o, f"n_od_{cd}", lambda t: t.dpd > cd)
            return Plan((n_od, n_open), _pct(n_od.name, "n_open"), "percent")
        return Plan((overdue, ar), _pct(overdue.name, "ar"), "percent")
    sales_p = _sum(("sales", "period"), "sales", "amount")
    if m == "credit_sales":
        return Plan((sales_p,), _value("sales"), "money", money=True)
    cash = _sum(("cash",), "cash", "amount")
    if m == "cash_collected":
        return Plan((cash,), _value("cash"), "money", money=True)
    if m in {"dso", "bpdso", "add"}:
        if m == "add" and params["method"] == "invoice":
            s = ("settled",)
            late = _sum(s, "late_days", "days_late", money=False)
            return Plan((late, _count(s, "n_settled")), _mean("late_days", "n_settled"), "days")
        w = int(params["window"])
        sales_w = _sum(("sales", w), f"sales_{w}", "amount")
        if m == "dso":
            return Plan(
                (ar, sales_w), lambda v, _p: f.dso(_get(v, "ar"), _get(v, sales_w.name), w), "days"
            )
        if m == "bpdso":
            return Plan(
                (cur, sales_w),
                lambda v, _p: f.bpdso(_get(v, cur.name), _get(v, sales_w.name), w),
                "days",
            )

        def _add(v: Values, _p: Point) -> Decimal | None:
            sales = _get(v, sales_w.name)
            return f.add(f.dso(_get(v, "ar"), sales, w), f.bpdso(_get(v, cur.name), sales, w))

        return Plan((ar, cur, sales_w), _add, "days")
    if m == "dso_countback":
        k = int(params["lookback"])
        if not 1 <= k <= 120:
            raise MetricInputError(f"dso_countback.lookback={k}: expected 1 to 120 months")
        rel = ("sales", f"cb{k}")
        months = [_sum(rel, f"cb{k}_{i}", "amount", _month_window(i)) for i in range(1, k + 1)]
        thirty = params["months"] == "30day"

        def _countback(v: Values, p: Point) -> Decimal | None:
            sales = [_get(v, f"cb{k}_{i}") for i in range(1, k + 1)]
            ends = [p.as_of] + [months_before(p.as_of, i) for i in range(1, k + 1)]
            lengths = [30 if thirty else (ends[i] - ends[i + 1]).days for i in range(k)]
            return f.dso_countback(_get(v, "ar"), sales, lengths)

        return Plan((ar, *months), _countback, "days")
    if m == "cei":
        begin = _sum(_open(params, "begin"), "begin_ar", "open")
        monthly = params["sales_term"] == "monthly"

        def _cei(v: Values, p: Point) -> Decimal | None:
            sales = _get(v, "sales")
            if monthly:
                sales = sales / months_touched(p.period_from, p.as_of)
            return f.cei(_get(v, "begin_ar"), sales, _get(v, "ar"), _get(v, cur.name))

        return Plan((begin, sales_p, ar, cur), _cei, "percent")
    s = ("settled",)
    n_settled = _count(s, "n_settled")
    if m in {"avg_days_to_pay", "avg_days_late"}:
        col = "days_to_pay" if m == "avg_days_to_pay" else "days_late"
        if params["weighted"] == "true":
            weighted = Measure(
                s, f"w_{col}", lambda t: (t[col] * t.amount).sum().fill_null(0), money=True
            )
            amount = _sum(s, "settled_amount", "amount")
            return Plan((weighted, amount), _mean(weighted.name, "settled_amount"), "days")
        total = _sum(s, f"sum_{col}", col, money=False)
        return Plan((total, n_settled), _mean(total.name, "n_settled"), "days")
    if m == "on_time_payment_rate":
        if params["by"] == "count":
            ok = _count(s, "n_on_time", lambda t: t.on_time)
            return Plan((ok, n_settled), _pct("n_on_time", "n_settled"), "percent")
        ok_amt = _sum(s, "on_time_amount", "amount", lambda t: t.on_time)
        amount = _sum(s, "settled_amount", "amount")
        return Plan((ok_amt, amount), _pct("on_time_amount", "settled_amount"), "percent")
    if m == "write_off_ratio":
        wo = _sum(("writeoff",), "written_off", "amount")
        return Plan((wo, sales_p), _pct("written_off", "sales"), "percent")
    if m in {"recovery_rate", "liquidation_rate"}:
        pl = ("placement",)
        col = "recovered" if m == "recovery_rate" else "collected"
        got = _sum(pl, col, col)
        placed = _sum(pl, "placed", "amount")
        return Plan((got, placed), _pct(col, "placed"), "percent")
    if m in {"roll_rate", "cure_rate"}:
        anchor = params["anchor"]
        labels = bucket_labels(_edges(params), anchor)
        if params["from_bucket"] not in labels:
            raise MetricInputError(
                f"{m}.from_bucket={params['from_bucket']!r}: expected one of {', '.join(labels)}"
            )
        roll: tuple[Any, ...] = ("roll", anchor, _edges(params), params["from_bucket"])
        flag = "rolled" if m == "roll_rate" else "cured"
        if params["by"] == "count":
            moved = _count(roll, f"n_{flag}", lambda t: t[flag])
            base = _count(roll, "n_prev")
        else:
            amount_col = "open_now" if flag == "rolled" else "open_prev"
            moved = _sum(roll, f"{flag}_amount", amount_col, lambda t: t[flag])
            base = _sum(roll, "prev_amount", "open_prev")
        return Plan((moved, base), _pct(moved.name, base.name), "percent")
    a = ("activity",)

    def outbound(t: ir.Table) -> ir.BooleanValue:
        return t.direction == "outbound"

    attempts = _count(a, "attempts", outbound)
    if m == "contact_rate":
        contacts = _count(a, "contacts", lambda t: outbound(t) & ~t.outcome.isin(NOT_REACHED))
        return Plan((contacts, attempts), _pct("contacts", "attempts"), "percent")
    if m == "rpc_rate":
        rpc = _count(a, "rpc_out", lambda t: outbound(t) & t.outcome.isin(RIGHT_PARTY))
        return Plan((rpc, attempts), _pct("rpc_out", "attempts"), "percent")
    promises = _count(a, "promises", lambda t: t.outcome == "promise")
    if m == "ptp_rate":
        rpc_all = _count(a, "rpc_all", lambda t: t.outcome.isin(RIGHT_PARTY))
        return Plan((promises, rpc_all), _pct("promises", "rpc_all"), "percent")
    if m == "call_to_promise_ratio":
        calls = _count(a, "calls", lambda t: outbound(t) & (t.channel == "call"))
        return Plan(
            (calls, promises), lambda v, _p: f.ratio(_get(v, "calls"), _get(v, "promises")), "ratio"
        )
    if m == "first_call_resolution_rate":
        r = ("resolution",)
        resolved = _count(r, "resolved", lambda t: t.resolved == 1)
        first = _count(r, "first", lambda t: (t.resolved == 1) & (t.contacts == 1))
        return Plan((first, resolved), _pct("first", "resolved"), "percent")
    if m == "promise_kept_rate":
        pr = ("promise", int(params["grace_days"]))
        if params["by"] == "count":
            kept = _count(pr, "n_kept", lambda t: t.kept)
            due = _count(pr, "n_due")
            return Plan((kept, due), _pct("n_kept", "n_due"), "percent")
        kept_amt = _sum(pr, "kept_amount", "amount", lambda t: t.kept)
        due_amt = _sum(pr, "due_amount", "amount")
        return Plan((kept_amt, due_amt), _pct("kept_amount", "due_amount"), "percent")
    if m == "dispute_rate":
        opened = _count(("disputes_opened",), "disputes")
        issued = _count(("sales", "period"), "issued")
        return Plan((opened, issued), _pct("disputes", "issued"), "percent")
    if m == "avg_dispute_days":
        r = ("disputes_resolved",)
        spent = _sum(r, "dispute_days", "days", money=False)
        return Plan((spent, _count(r, "n_resolved")), _mean("dispute_days", "n_resolved"), "days")
    if m == "cost_to_collect":
        cost = _sum(("cost",), "cost", "amount")
        return Plan((cost, cash), _pct("cost", "cash"), "percent", needs=("cost",))
    if m in {"credit_approval_days", "credit_policy_compliance_rate"}:
        c = ("credit",)
        n = _count(c, "decisions")
        if m == "credit_approval_days":
            waited = _sum(c, "decision_days", "days", money=False)
            return Plan((waited, n), _mean("decision_days", "decisions"), "days")
        clean = _count(c, "clean", lambda t: ~t.exception)
        return Plan((clean, n), _pct("clean", "decisions"), "percent")
    if m == "over_limit_exposure":
        exposure = _sum(("overlimit",), "exposure", "exposure")
        return Plan((exposure,), _value("exposure"), "money", money=True)
    raise MetricInputError(f"metric {m} has no compiled form")


def _month_window(i: int) -> Callable[[ir.Table], ir.BooleanValue]:
    """Invoices of month i back: issued in (D - i months, D - (i-1) months]."""

    def where(t: ir.Table) -> ir.BooleanValue:
        return (t.issue_date > t[f"m{i}"]) & (t.issue_date <= _upper(t, i))

    return where


def _upper(t: ir.Table, i: int) -> ir.Value:
    return t.as_of if i == 1 else t[f"m{i - 1}"]


def lookback_of(specs: Sequence[Spec]) -> int:
    return max(
        (int(s.params.get("lookback", "24")) for s in specs if s.metric == "dso_countback"),
        default=0,
    )


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
    wanted: list[tuple[Measure, tuple[str, ...], Mapping[str, tuple[str, ...]]]] = []
    for spec in specs:
        mdef, params = validate(spec)
        plan = plan_metric(mdef, params)
        dims = tuple(dict.fromkeys((*spec.dims, *plan.extra_dims)))
        resolved.append((spec, mdef, params, plan, dims))
        filters = {k: tuple(v) for k, v in spec.filters.items()}
        wanted.extend((measure, dims, filters) for measure in plan.measures)
    table = points_table(points, lookback_of(specs))
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


__all__ = ["Engine", "Point", "Result", "Spec", "evaluate", "explain"]
