"""The dashboard's content: KPI tiles, the aging chart, trends, and team and collector views.

Every number comes from the KPI engine (`recoup.metrics.selectors`) in a handful of passes over
one engine connection; this module only chooses what to ask, scopes it to the user, and shapes
the answers for the template. It computes no KPI itself.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.accounts.scope import (
    Scope,
    scope_check_filters,
    scope_collector_names,
    scope_for,
    scope_team_names,
)
from recoup.core.answers import answer_get, answer_set
from recoup.core.charts import Bar, SeriesPoint, bar_spec, sparkline_spec, trend_spec
from recoup.core.formatting import delta_text, unit_label, value_text, with_unit
from recoup.ledger.selectors import ledger_fingerprint
from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.compiler import bucket_labels
from recoup.metrics.contracts import Direction
from recoup.metrics.engines import (
    DuckDBEngine,
    PostgresEngine,
    SparkEngine,
    analytics_close,
    analytics_reading,
    engine_open,
    pinned,
    snapshot_marks,
    tables_read,
)
from recoup.metrics.evaluate import Result, months_before
from recoup.metrics.published import Publication
from recoup.metrics.selectors import metric_defaults, metric_query, metric_series

TILE_METRICS = (
    "ar_total",
    "ar_overdue",
    "pct_current",
    "pct_90_plus",
    "dso",
    "cei",
    "cash_collected",
    "promise_kept_rate",
)
TREND_METRICS = ("dso", "cei", "cash_collected")
BREAKDOWN_METRICS = ("ar_total", "ar_90_plus", "pct_90_plus", "dso", "cei", "cash_collected")
TREND_MONTHS = 13
CACHE_SECONDS = 15 * 60
# Short names for tiles and table columns; the catalogue's full title is the tooltip and the
# heading of the drill-down page.
SHORT_TITLES = {
    "ar_total": "Total receivables",
    "ar_overdue": "Overdue",
    "pct_current": "Current",
    "pct_90_plus": "90+ days share",
    "ar_90_plus": "90+ days",
    "dso": "DSO",
    "cei": "CEI",
    "cash_collected": "Cash collected",
    "promise_kept_rate": "Promises kept",
}
AnyEngine = DuckDBEngine | PostgresEngine | SparkEngine


@dataclass(frozen=True, slots=True)
class Focus:
    """What the dashboard is about (all it may see, one team, or one collector), what may be
    chosen, and the asker's `Scope`, which narrows every number below the choice."""

    team: str | None
    collector: str | None
    allowed_teams: tuple[str, ...]
    allowed_collectors: tuple[str, ...]
    scope: Scope

    def filters(self) -> dict[str, tuple[str, ...]]:
        chosen: dict[str, tuple[str, ...]] = {}
        if self.team is not None:
            chosen["team"] = (self.team,)
        if self.collector is not None:
            chosen["collector"] = (self.collector,)
        return chosen

    def query(self, **extra: str) -> str:
        params = {"team": self.team or "", "collector": self.collector or "", **extra}
        return urlencode({k: v for k, v in params.items() if v})

    def cache_key(self) -> str:
        """Identifies the question, not the asker: two people with the same book share answers."""
        return repr((self.team, self.collector, self.allowed_teams, self.scope.cache_key()))

    @property
    def mine_only(self) -> bool:
        return not self.scope.sees_all

    @property
    def label(self) -> str:
        if self.collector:
            return f"collector {self.collector}"
        if self.team:
            return f"team {self.team}"
        if self.mine_only:
            return "your teams (" + ", ".join(self.allowed_teams) + ")"
        return "all teams"


def dashboard_focus(scope: Scope, *, team: str = "", collector: str = "") -> Focus:
    """The focus asked for, refused (`OutOfScopeError`) if it reaches beyond `scope`."""
    filters = {"team": (team,) if team else (), "collector": (collector,) if collector else ()}
    scope_check_filters(scope, filters)
    return Focus(
        team=team or None,
        collector=collector or None,
        allowed_teams=scope_team_names(scope),
        allowed_collectors=scope_collector_names(scope),
        scope=scope,
    )


@dataclass(frozen=True, slots=True)
class Tile:
    metric: str
    title: str
    full_title: str
    description: str
    value: Decimal | None
    value_text: str
    unit_text: str
    delta_text: str
    delta_class: str  # "good", "bad" or "flat": the colour follows the metric's direction
    previous_text: str
    variant_text: str
    spark_id: str
    spark: dict[str, Any]
    href: str


@dataclass(frozen=True, slots=True)
class Trend:
    metric: str
    title: str
    chart_id: str
    spec: dict[str, Any]
    rows: list[tuple[date, str]]


@dataclass(frozen=True, slots=True)
class BucketRow:
    label: str
    value_text: str
    share_text: str
    href: str
    amount: Decimal = Decimal(0)  # the numbers behind the texts, for downloads
    share: Decimal | None = None  # percentage points


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    key: str
    href: str
    cells: list[str]
    values: tuple[Decimal | None, ...] = ()  # the numbers behind `cells`, for downloads


@dataclass(frozen=True, slots=True)
class Breakdown:
    dimension: str
    headers: list[str]
    rows: list[BreakdownRow]


@dataclass(frozen=True, slots=True)
class Dashboard:
    as_of: date
    data_as_of: date | None
    focus: Focus
    tiles: list[Tile]
    aging_spec: dict[str, Any]
    aging_rows: list[BucketRow]
    aging_variant: str
    trends: list[Trend]
    breakdowns: list[Breakdown] = field(default_factory=list)


@contextmanager
def kpi_engine() -> Iterator[AnyEngine]:
    engine = engine_open()
    try:
        yield engine
    finally:
        if isinstance(engine, DuckDBEngine | SparkEngine):
            engine.close()


def data_as_of() -> date | None:
    with kpi_engine() as engine:
        return engine.freshness().data_as_of


def variant_text(params: dict[str, str] | Any) -> str:
    """A metric's parameters as a person reads them: "window 90 · anchor due"."""
    return " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in dict(params).items())


def plain_description(metric: str, params: Mapping[str, str]) -> str:
    """The catalogue's description in words: its parameters (`days`) read as the values in use,
    other metrics' ids as their titles ("ar_90_plus as a percentage of ar_total" reads "Receivables
    more than 90 days past due as a percentage of total receivables")."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        given = params.get(name, name.replace("_", " "))
        # "`current_days` past due" and "`days` days past due" both read "0 days past due".
        return f"{given} days" if name.endswith("days") else given + (found.group(2) or "")

    text = re.sub(r"`(\w+)`( days)?", value, CATALOGUE[metric].description)

    def title(found: re.Match[str]) -> str:
        other = CATALOGUE.get(found.group(0))
        return found.group(0) if other is None else other.title[:1].lower() + other.title[1:]

    text = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", title, text)
    return text[:1].upper() + text[1:]


def short_title(metric: str) -> str:
    return SHORT_TITLES.get(metric) or CATALOGUE[metric].title


def _delta_class(delta: Decimal | None, direction: Direction) -> str:
    if delta is None or delta == 0:
        return "flat"
    better = delta < 0 if direction == Direction.LOWER_IS_BETTER else delta > 0
    return "good" if better else "bad"


def _by_metric(results: Sequence[Result]) -> dict[str, list[Result]]:
    grouped: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        grouped[r.metric].append(r)
    for rows in grouped.values():
        rows.sort(key=lambda r: r.as_of)
    return grouped


def explain_url(metric: str, as_of: date, focus: Focus, **extra: str) -> str:
    query = focus.query(as_of=as_of.isoformat(), **extra)
    return f"{reverse('web:explain', args=[metric])}?{query}"


def cached[T](kind: str, focus: Focus, as_of: date | None, extra: str, build: Callable[[], T]) -> T:
    """`build()`, or its earlier result for the same question on the same data.

    Computing the dashboard runs a dozen KPI queries; the answer only changes when the data
    they read does or the KPI variants do.
    """
    # The organisation's KPI variants change the answer as much as the ledger does.
    variants = sorted((m, sorted(p.items())) for m, p in metric_defaults().items())
    question = (kind, focus.cache_key(), as_of, extra, variants)
    # A server may answer from the analytics snapshot published before the latest ledger change
    # (decision 0014): the page is computed from it, not a newer one.
    reading = analytics_reading()
    if reading is None:
        # A live engine: the ledger's fingerprint (a scan of every table's change stamps).
        key = _page_key((question, ledger_fingerprint()))
        found = answer_get(key)
        if found is None:
            found = build()
            answer_set(key, found, CACHE_SECONDS)
        return cast(T, found)
    return _cached_on_snapshot(question, reading, build)


# Pages show the names of debtors, people and teams, read from the ledger beside the KPIs.
_NAMES_SHOWN = frozenset({"ledger_customer", "accounts_user", "accounts_team"})


def _page_key(question: object) -> str:
    return "recoup:web:" + hashlib.sha256(repr(question).encode()).hexdigest()


def _cached_on_snapshot[T](question: object, reading: Publication, build: Callable[[], T]) -> T:
    """A page computed from a snapshot is kept under the watermarks of the tables it read, and
    the snapshot's id points there (found at once): a snapshot published for a change it does
    not show (a logged call, for a page of balances) finds it without a KPI query. Stored once:
    a drill-down of a large ledger lists every customer behind the number."""
    # The default as-of day is the snapshot's latest date. Whether a sync is pending is not
    # shown by the page, so it is not in the key (it changes with every commit).
    asked = (question, reading.data_as_of)
    on_snapshot = _page_key((asked, reading.id))
    pointer = answer_get(on_snapshot)
    found = answer_get(pointer) if isinstance(pointer, str) else None
    if found is not None:
        return cast(T, found)
    tables_key = _page_key((asked, "tables"))
    tables = answer_get(tables_key)
    marks = snapshot_marks(reading, tables) if tables is not None else None
    if marks is not None:
        on_data = _page_key((asked, marks))
        found = answer_get(on_data)
        if found is not None:
            answer_set(on_snapshot, on_data, CACHE_SECONDS)
            return cast(T, found)
    with pinned(reading), tables_read() as read:
        value = build()
    read.update(_NAMES_SHOWN)
    marks = snapshot_marks(reading, read)
    if marks is not None:
        on_data = _page_key((asked, marks))
        answer_set(on_data, value, CACHE_SECONDS)
        answer_set(tables_key, sorted(read), CACHE_SECONDS)
        answer_set(on_snapshot, on_data, CACHE_SECONDS)
    return value


def dashboard_build(*, focus: Focus, as_of: date | None = None) -> Dashboard:
    """Everything the dashboard shows, as of `as_of` (default: the latest date in the data)."""
    return cached("dashboard", focus, as_of, "", lambda: _dashboard_compute(focus, as_of))


def dashboard_warm() -> int:
    """Brings the KPI engine's copy of the ledger up to date and computes the dashboard for all
    teams and for each team, as of the latest data. A server calls this before it serves: the
    engine compiles each query once per process (the most of a first dashboard's time), and the
    page cache then holds the answers. Returns the number of dashboards computed."""
    # What admins and managers open first: every team, and each team; then each collector's
    # own book (collectors of the same teams share one, and its compiled queries).
    scope = Scope.organisation("warm start")
    whole = dashboard_focus(scope)
    focuses = [whole, *(dashboard_focus(scope, team=team) for team in whole.allowed_teams)]
    books: dict[str, Scope] = {}
    for user in User.objects.filter(role=Role.COLLECTOR, is_active=True).order_by("id"):
        book = scope_for(user)
        books.setdefault(book.cache_key(), book)
    focuses += [dashboard_focus(book) for book in books.values() if not book.is_empty]
    for focus in focuses:
        dashboard_build(focus=focus)
    # A server forks its workers next: each opens the snapshot itself.
    analytics_close()
    return len(focuses)


def _dashboard_compute(focus: Focus, as_of: date | None) -> Dashboard:
    filters = focus.filters()
    scope = focus.scope
    with kpi_engine() as engine:
        fresh = engine.freshness()
        day = as_of or fresh.data_as_of or timezone.localdate()
        start = months_before(day, TREND_MONTHS - 1).replace(day=1)
        series = metric_series(
            scope=scope,
            metrics=sorted(set(TILE_METRICS) | set(TREND_METRICS)),
            start=start,
            end=day,
            grain="month",
            filters=filters,
            engine=engine,
        )
        aging = metric_query(
            scope=scope,
            metrics=["ar_by_bucket"],
            as_of=day,
            dims=["bucket"],
            filters=filters,
            engine=engine,
        )
        breakdowns = []
        if focus.collector is None:
            dims = ["team"] if focus.team is None and len(focus.allowed_teams) > 1 else []
            for dim in (*dims, "collector"):
                result = metric_query(
                    scope=scope,
                    metrics=list(BREAKDOWN_METRICS),
                    as_of=day,
                    dims=[dim],
                    filters=filters,
                    engine=engine,
                )
                breakdowns.append(_breakdown(dim, result.results, day, focus))
    grouped = _by_metric(series.results)
    tiles = [_tile(m, grouped.get(m, []), day, focus) for m in TILE_METRICS]
    trends = [_trend(m, grouped.get(m, [])) for m in TREND_METRICS]
    aging_spec, aging_rows, aging_variant = _aging(aging.results, day, focus)
    return Dashboard(
        as_of=day,
        data_as_of=fresh.data_as_of,
        focus=focus,
        tiles=tiles,
        aging_spec=aging_spec,
        aging_rows=aging_rows,
        aging_variant=aging_variant,
        trends=trends,
        breakdowns=breakdowns,
    )


def _tile(metric: str, points: list[Result], day: date, focus: Focus) -> Tile:
    mdef = CATALOGUE[metric]
    current = points[-1] if points else None
    previous = points[-2] if len(points) > 1 else None
    value = current.value if current else None
    delta = (
        value - previous.value
        if value is not None and previous is not None and previous.value is not None
        else None
    )
    unit = current.unit if current else mdef.unit
    return Tile(
        metric=metric,
        title=short_title(metric),
        full_title=mdef.title,
        description=plain_description(metric, current.params if current else {}),
        value=value,
        value_text=value_text(value, unit, compact=True),
        unit_text=unit_label(unit),
        delta_text=delta_text(delta, unit),
        delta_class=_delta_class(delta, mdef.direction),
        previous_text=(
            f"vs {previous.as_of:%d %b %Y}: {with_unit(previous.value, unit, compact=True)}"
            if previous is not None and previous.value is not None
            else f"no data on {previous.as_of:%d %b %Y}"
            if previous is not None
            else ""
        ),
        variant_text=variant_text(current.params if current else {}),
        spark_id=f"spark-{metric}",
        spark=sparkline_spec([SeriesPoint(p.as_of, p.value) for p in points], title=mdef.title),
        href=explain_url(metric, day, focus),
    )


def _trend(metric: str, points: list[Result]) -> Trend:
    mdef = CATALOGUE[metric]
    unit = points[-1].unit if points else mdef.unit
    return Trend(
        metric=metric,
        title=f"{mdef.title} ({unit_label(unit)})" if unit_label(unit) else mdef.title,
        chart_id=f"trend-{metric}",
        spec=trend_spec(
            [SeriesPoint(p.as_of, p.value) for p in points],
            title=mdef.title,
            y_title=short_title(metric),
        ),
        rows=[(p.as_of, with_unit(p.value, unit)) for p in points],
    )


def _aging(
    results: Sequence[Result], day: date, focus: Focus
) -> tuple[dict[str, Any], list[BucketRow], str]:
    params = dict(results[0].params) if results else {}
    edges = [int(e) for e in params.get("buckets", "30,60,90,120").split(",")]
    order = bucket_labels(edges, params.get("anchor", "due"))
    amounts = {r.dims.get("bucket", ""): r.value or Decimal(0) for r in results}
    total = sum(amounts.values(), Decimal(0))
    bars, rows = [], []
    for label in order:
        amount = amounts.get(label, Decimal(0))
        href = explain_url("ar_by_bucket", day, focus, bucket=label)
        bars.append(Bar(label, amount, href))
        share = (amount * 100 / total) if total else None
        rows.append(
            BucketRow(
                label,
                with_unit(amount, "money"),
                value_text(share, "percent") + " %",
                href,
                amount=amount,
                share=share,
            )
        )
    spec = bar_spec(
        bars,
        title="Open receivables by aging bucket",
        x_title="Days past due",
        y_title=f"Open amount ({unit_label('money')})",
    )
    return spec, rows, variant_text(results[0].params) if results else ""


def _breakdown(dim: str, results: Sequence[Result], day: date, focus: Focus) -> Breakdown:
    by_key: dict[str, dict[str, Result]] = defaultdict(dict)
    for r in results:
        by_key[r.dims.get(dim, "")][r.metric] = r
    headers = [short_title(m) for m in BREAKDOWN_METRICS]
    rows = []
    for key in sorted(by_key):
        cells, values = [], []
        for m in BREAKDOWN_METRICS:
            found = by_key[key].get(m)
            cells.append(with_unit(found.value, found.unit, compact=True) if found else "—")
            values.append(found.value if found else None)
        choosable = key in (focus.allowed_teams if dim == "team" else focus.allowed_collectors)
        href = f"?{focus.query(**{dim: key}, as_of=day.isoformat())}" if choosable else ""
        rows.append(BreakdownRow(key, href, cells, tuple(values)))
    return Breakdown(dim, headers, rows)
