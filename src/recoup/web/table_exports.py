"""The dashboard's tables and a KPI drill-down's accounts as rows to download and sort.

Money is in the base currency (the header says which), shares in percentage points. The rows
come from the same builders as the pages (`dashboard_build`, `explanation_build`), held to the
asker's scope there; a drill-down's customers are named a batch at a time from the ledger as
that scope sees it, so a download never names a customer the page would not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import QueryDict

from recoup.accounts.scope import Scope
from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    Sort,
    SortHeader,
    chunked,
    rows_sorted,
    sort_headers,
    sort_parse,
)
from recoup.ledger.selectors import customers_in_scope
from recoup.metrics.selectors import Contributor, Contributors
from recoup.web.dashboard import (
    BREAKDOWN_METRICS,
    Breakdown,
    BreakdownRow,
    BucketRow,
    Dashboard,
    short_title,
)

NAME_BATCH = 2000
NOT_VISIBLE = "Not visible to you"
DASHBOARD_TABLES = ("aging", "team", "collector")


def _money_header(title: str) -> str:
    return f"{title} ({settings.BASE_CURRENCY})"


def _kind_of(metric_unit: str) -> Kind:
    return {"money": Kind.MONEY, "percent": Kind.PERCENT}.get(metric_unit, Kind.NUMBER)


# --- the dashboard ------------------------------------------------------------------------------

AGING_COLUMNS: tuple[Column[BucketRow], ...] = (
    Column("Bucket", lambda r: r.label),
    Column(_money_header("Open amount"), lambda r: r.amount, Kind.MONEY),
    Column("Share", lambda r: r.share, Kind.PERCENT),
)
BREAKDOWN_UNITS = {
    "ar_total": "money",
    "ar_90_plus": "money",
    "pct_90_plus": "percent",
    "dso": "days",
    "cei": "percent",
    "cash_collected": "money",
}


def _breakdown_columns(dim: str) -> tuple[Column[BreakdownRow], ...]:
    columns: list[Column[BreakdownRow]] = [Column(dim.capitalize(), lambda r: r.key)]
    for i, metric in enumerate(BREAKDOWN_METRICS):
        unit = BREAKDOWN_UNITS.get(metric, "number")
        title = short_title(metric)
        header = _money_header(title) if unit == "money" else title

        def value(r: BreakdownRow, i: int = i) -> Decimal | None:
            return r.values[i] if i < len(r.values) else None

        columns.append(Column(header, value, _kind_of(unit)))
    return tuple(columns)


def _value_at(i: int) -> Callable[[BreakdownRow], Decimal | None]:
    return lambda r: r.values[i] if i < len(r.values) else None


def _measure_at(i: int) -> Callable[[Contributor], Decimal | None]:
    return lambda r: r.measures[i] if i < len(r.measures) else None


@dataclass(frozen=True, slots=True)
class Table[T]:
    name: str
    columns: tuple[Column[T], ...]
    rows: list[T]
    sort: Sort


def dashboard_table(board: Dashboard, *, table: str, raw_sort: str | None) -> Table[Any]:
    """One of the dashboard's tables (`aging`, `team`, `collector`), sorted as `?sort=` asks."""
    if table == "aging":
        aging_keys: dict[str, Callable[[BucketRow], Any]] = {
            "bucket": lambda r: board.aging_rows.index(r),  # the buckets' own order
            "amount": lambda r: r.amount,
            "share": lambda r: r.share,
        }
        sort = sort_parse(raw_sort, {k: (k,) for k in aging_keys}, "bucket")
        rows = rows_sorted(board.aging_rows, sort, aging_keys)
        return Table("dashboard-aging", AGING_COLUMNS, rows, sort)
    found = next((b for b in board.breakdowns if b.dimension == table), None)
    if table not in DASHBOARD_TABLES or found is None:
        shown = ["aging", *(b.dimension for b in board.breakdowns)]
        raise ExportError(f"no table {table[:40]!r} on this dashboard: choose {', '.join(shown)}")
    keys: dict[str, Callable[[BreakdownRow], Any]] = {table: lambda r: r.key.casefold()}
    for i, metric in enumerate(BREAKDOWN_METRICS):
        keys[metric] = _value_at(i)
    sort = sort_parse(raw_sort, {k: (k,) for k in keys}, table)
    return Table(
        f"dashboard-by-{table}",
        _breakdown_columns(table),
        rows_sorted(found.rows, sort, keys),
        sort,
    )


@dataclass(frozen=True, slots=True)
class ShownTable:
    """One of the dashboard's tables as the page shows it: its rows sorted as its own
    `?sort_<table>=` asks, its headers as links, and the sort its download carries."""

    name: str  # aging, team, collector
    rows: list[Any]
    headers: list[SortHeader]
    sort: str
    breakdown: Breakdown | None = None


def _shown(board: Dashboard, query: QueryDict, name: str, labels: Sequence[str]) -> ShownTable:
    param = f"sort_{name}"
    table = dashboard_table(board, table=name, raw_sort=query.get(param))
    if name == "aging":
        headers = [("Bucket", "bucket", False), ("Open amount", "amount", True)]
        headers.append(("Share", "share", True))
    else:
        headers = [(name.capitalize(), name, False)]
        headers += [(label, m, True) for label, m in zip(labels, BREAKDOWN_METRICS, strict=False)]
    found = next((b for b in board.breakdowns if b.dimension == name), None)
    return ShownTable(
        name=name,
        rows=table.rows,
        headers=sort_headers(table.sort, query, headers, param=param, anchor=f"table-{name}"),
        sort=table.sort.param,
        breakdown=found,
    )


@dataclass(frozen=True, slots=True)
class ShownTables:
    aging: ShownTable
    breakdowns: list[ShownTable]


def dashboard_tables(board: Dashboard, query: QueryDict) -> ShownTables:
    """The dashboard's tables sorted as the page's query asks, each by its own parameter
    (`sort_aging`, `sort_team`, `sort_collector`): `ExportError` for a key a table lacks."""
    return ShownTables(
        aging=_shown(board, query, "aging", ()),
        breakdowns=[_shown(board, query, b.dimension, b.headers) for b in board.breakdowns],
    )


# --- a drill-down's accounts --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountLine:
    name: str
    external_id: str
    row: Contributor


def account_sorts(found: Contributors) -> dict[str, Callable[[Contributor], Any]]:
    """Sort keys of the accounts: the customer's value and each input column (`m1`, `m2`...).
    Names are looked up a batch at a time, so they are not a sort key of a list this long."""
    keys: dict[str, Callable[[Contributor], Any]] = {"value": lambda r: r.value}
    for i, _ in enumerate(found.columns if not found.additive else ()):
        keys[f"m{i + 1}"] = _measure_at(i)
    return keys


def account_sort(found: Contributors, raw_sort: str | None) -> Sort:
    """`?sort=` of the accounts (`ExportError` for a key they do not have)."""
    return sort_parse(raw_sort, {k: (k,) for k in account_sorts(found)}, "-value")


def account_headers(
    found: Contributors, headers: Sequence[str], value_header: str
) -> list[tuple[str, str, bool]]:
    """The accounts table's headers as `sort_headers` takes them: the customer, the input
    columns, then the customer's value."""
    measures = [(h, f"m{i + 1}", True) for i, h in enumerate(headers)]
    return [("Customer (external id)", "", False), *measures, (value_header, "value", True)]


def accounts_sorted(found: Contributors, raw_sort: str | None) -> list[Contributor]:
    """The accounts in the order `?sort=` asks for; largest contribution first by default."""
    keys = account_sorts(found)
    sort = account_sort(found, raw_sort)
    if sort.key == "value" and sort.descending:
        return found.rows  # already in this order
    return rows_sorted(found.rows, sort, keys)


def account_lines(
    rows: Sequence[Contributor], *, scope: Scope, found: Contributors
) -> Iterator[AccountLine]:
    """`rows` with their customers' names as `scope` sees them, a batch of names at a time."""
    for batch in chunked(rows, NAME_BATCH):
        visible = {
            c["id"]: (c["name"], c["external_id"])
            for c in customers_in_scope(scope, on=found.as_of)
            .filter(id__in=[r.customer_id for r in batch])
            .values("id", "name", "external_id")
        }
        for r in batch:
            name, external_id = visible.get(r.customer_id, (NOT_VISIBLE, ""))
            yield AccountLine(name=name, external_id=external_id, row=r)


def account_columns(found: Contributors, value_header: str) -> tuple[Column[AccountLine], ...]:
    columns: list[Column[AccountLine]] = [
        Column("Customer", lambda a: a.name),
        Column("External id", lambda a: a.external_id),
    ]
    if not found.additive:
        for i, measure in enumerate(found.columns):
            header = _money_header(measure.label) if measure.unit == "money" else measure.label

            def value(a: AccountLine, i: int = i) -> Decimal | None:
                return a.row.measures[i] if i < len(a.row.measures) else None

            columns.append(Column(header, value, _kind_of(measure.unit)))
    unit = found.unit
    header = _money_header(value_header) if unit == "money" else value_header
    columns.append(Column(header, lambda a: a.row.value, _kind_of(unit)))
    return tuple(columns)
