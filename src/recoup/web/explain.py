"""The drill-down behind a number: what it means, how it is computed, and who is behind it.

Asks the KPI engine for the number in the dashboard's scope, its breakdown by collector, team
and segment, the customers behind it, and the SQL it ran; the catalogue supplies the definition
and the variant. The customers' names come from the ledger, scoped to the user, a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.core.formatting import with_unit
from recoup.ledger.selectors import customers_in_scope
from recoup.metrics.allocation import allocate_money, money_minor
from recoup.metrics.catalogue import CATALOGUE, MetricInputError
from recoup.metrics.evaluate import Result
from recoup.metrics.selectors import (
    Contributor,
    Contributors,
    metric_contributors,
    metric_explain,
    metric_query,
    reference_values,
)
from recoup.web.dashboard import Focus, cached, kpi_engine, plain_description, variant_text
from recoup.web.table_exports import accounts_sorted

BREAKDOWN_DIMENSIONS = ("collector", "team", "segment", "country")
# ar_by_bucket is always grouped by bucket: its value for the scope is the sum of its buckets.
ALWAYS_BY_BUCKET = {"ar_by_bucket"}
ACCOUNTS_PER_PAGE = 50
NO_DATA = "No data"


@dataclass(frozen=True, slots=True)
class Share:
    key: str
    value_text: str
    value: Decimal | None
    href: str


@dataclass(frozen=True, slots=True)
class BreakdownList:
    dimension: str
    shares: list[Share]


@dataclass(frozen=True, slots=True)
class Explanation:
    metric: str
    title: str
    description: str
    formula: str
    notes: str
    unit: str
    as_of: date
    data_as_of: date | None
    bucket: str
    value: Decimal | None
    value_text: str
    variant_text: str
    scope_label: str
    breakdowns: list[BreakdownList]
    queries: list[tuple[str, str]]
    references: list[tuple[str, str, str]]
    contributors: Contributors
    dimensions_text: str  # what the metric is kept per, in words: "segment and country"


def explanation_build(
    *, metric: str, focus: Focus, as_of: date | None = None, bucket: str = ""
) -> Explanation:
    """The drill-down of `metric` (one aging `bucket` of it, if given) in the user's scope."""
    return cached(
        "explain",
        focus,
        as_of,
        f"{metric}|{bucket}",
        lambda: _explanation_compute(metric, focus, as_of, bucket),
    )


def _explanation_compute(metric: str, focus: Focus, as_of: date | None, bucket: str) -> Explanation:
    mdef = CATALOGUE.get(metric)
    if mdef is None:
        raise MetricInputError(f"unknown metric {metric!r}")
    filters = focus.filters()
    scope = focus.scope
    if bucket:
        if "bucket" not in mdef.dimensions:
            raise MetricInputError(f"metric {metric} has no aging buckets")
        filters["bucket"] = (bucket,)
    base_dims = ["bucket"] if metric in ALWAYS_BY_BUCKET else []
    with kpi_engine() as engine:
        fresh = engine.freshness()
        day = as_of or fresh.data_as_of or timezone.localdate()
        main = metric_query(
            scope=scope, metrics=[metric], as_of=day, dims=base_dims, filters=filters, engine=engine
        ).results
        breakdowns = []
        for dim in BREAKDOWN_DIMENSIONS:
            if dim not in mdef.dimensions or _fixed(dim, focus):
                continue
            rows = metric_query(
                scope=scope,
                metrics=[metric],
                as_of=day,
                dims=[*base_dims, dim],
                filters=filters,
                engine=engine,
            ).results
            breakdowns.append(_shares(dim, rows, focus, day, bucket))
        contributors = metric_contributors(
            scope=scope, metric=metric, as_of=day, filters=filters, engine=engine
        )
        queries = metric_explain(
            scope=scope, metrics=[metric], as_of=day, dims=base_dims, filters=filters, engine=engine
        )
    unit = main[0].unit if main else mdef.unit
    total = _total(main)
    return Explanation(
        metric=metric,
        title=mdef.title,
        description=plain_description(metric, main[0].params if main else {}),
        formula=mdef.formula,
        notes=mdef.notes,
        unit=unit,
        as_of=day,
        data_as_of=fresh.data_as_of,
        bucket=bucket,
        value=total,
        value_text=with_unit(total, unit) if total is not None else NO_DATA,
        variant_text=variant_text(main[0].params if main else {}),
        scope_label=focus.label,
        breakdowns=breakdowns,
        queries=queries,
        references=[(r.period, r.value_text, r.source) for r in reference_values(metric)],
        contributors=contributors,
        dimensions_text=_words(mdef.dimensions),
    )


def _words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _fixed(dim: str, focus: Focus) -> bool:
    """A dimension already pinned to one value by the focus has nothing to break down."""
    if dim == "collector":
        return focus.collector is not None
    if dim == "team":
        return focus.team is not None or focus.collector is not None
    return False


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _total(rows: Sequence[Result]) -> Decimal | None:
    """The number of several rows (ar_by_bucket's buckets): money rounded once, on the whole."""
    minor = [m for m in (money_minor(r) for r in rows) if m is not None]
    if rows and len(minor) == len(rows):
        parts = allocate_money(dict(enumerate(minor)), settings.BASE_CURRENCY)
        return sum(parts.values(), Decimal(0))
    return _sum(r.value for r in rows)


def _shares(
    dim: str, rows: Sequence[Result], focus: Focus, day: date, bucket: str
) -> BreakdownList:
    by_key: dict[str, list[Result]] = {}
    unit = rows[0].unit if rows else ""
    for r in rows:
        by_key.setdefault(r.dims.get(dim, ""), []).append(r)
    minor = {key: [money_minor(r) for r in found] for key, found in by_key.items()}
    values: dict[str, Decimal | None]
    if all(m is not None for parts in minor.values() for m in parts):
        # Money shares are rounded together: they add up to the number to the cent.
        values = dict(
            allocate_money(
                {
                    k: sum((m for m in parts if m is not None), Decimal(0))
                    for k, parts in minor.items()
                },
                settings.BASE_CURRENCY,
            )
        )
    else:
        values = {key: _sum(r.value for r in found) for key, found in by_key.items()}
    shares = []
    for key in by_key:
        value = values[key]
        href = ""
        if dim == "collector" and key in focus.allowed_collectors:
            href = "?" + focus.query(collector=key, as_of=day.isoformat(), bucket=bucket)
        elif dim == "team" and key in focus.allowed_teams:
            href = "?" + focus.query(team=key, as_of=day.isoformat(), bucket=bucket)
        shares.append(Share(key, NO_DATA if value is None else with_unit(value, unit), value, href))
    shares.sort(key=lambda s: (s.value is None, -(s.value or 0)))
    return BreakdownList(dim, shares)


@dataclass(frozen=True, slots=True)
class AccountRow:
    name: str
    external_id: str
    href: str  # the customer's ledger page, with their invoices
    value_text: str  # the metric for this customer alone
    cells: list[str]  # the formula's inputs, per column


@dataclass(frozen=True, slots=True)
class Accounts:
    """One page of the customers behind a number, largest contribution first."""

    additive: bool
    value_header: str
    headers: list[str]
    rows: list[AccountRow]
    page: Page[Contributor]
    count: int
    total_text: str
    total_cells: list[str]


def accounts_page(
    x: Explanation, *, scope: Scope, page_number: str | int | None, sort: str | None = None
) -> Accounts:
    """Page `page_number` of the customers behind `x`, named from the ledger as `scope` sees it,
    in the order `sort` asks for (`table_exports.accounts_sorted`; an unknown key is
    `ExportError`)."""
    found = x.contributors
    page = Paginator(accounts_sorted(found, sort), ACCOUNTS_PER_PAGE).get_page(page_number)
    ids = [row.customer_id for row in page.object_list]
    visible = {
        c["id"]: (c["name"], c["external_id"])
        for c in customers_in_scope(scope, on=x.as_of)
        .filter(id__in=ids)
        .values("id", "name", "external_id")
    }
    # A sum or a count needs no inputs beside each customer's share.
    columns = [] if found.additive else list(found.columns)
    rows = []
    for row in page.object_list:
        name, external_id = visible.get(row.customer_id, ("Not visible to you", ""))
        rows.append(
            AccountRow(
                name=name,
                external_id=external_id,
                href=reverse("workspace:account", args=[row.customer_id])
                if row.customer_id in visible
                else "",
                value_text=with_unit(row.value, found.unit),
                cells=[
                    with_unit(number, column.unit)
                    for number, column in zip(row.measures, columns, strict=False)
                ],
            )
        )
    return Accounts(
        additive=found.additive,
        value_header=x.title if found.additive else "The customer alone",
        headers=[c.label for c in columns],
        rows=rows,
        page=page,
        count=len(found.rows),
        total_text=with_unit(found.total, found.unit) if found.additive else x.value_text,
        total_cells=[
            with_unit(number, column.unit)
            for number, column in zip(found.totals, columns, strict=False)
        ],
    )
