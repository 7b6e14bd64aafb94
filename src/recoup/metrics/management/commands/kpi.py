"""`recoup kpi`: KPIs as of a date, over a period or as a series; the catalogue; explanations."""

from __future__ import annotations

import csv
import io
import json
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.scope import Scope, scope_check_filters, scope_for
from recoup.core.dates import parse_input_date
from recoup.core.errors import InputDateError, RecoupError
from recoup.metrics.catalogue import CATALOGUE, DIMENSIONS, GRAINS, MetricInputError
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.docs import catalogue_markdown
from recoup.metrics.drivers import drivers_json
from recoup.metrics.engines import ENGINES
from recoup.metrics.models import CustomMetric
from recoup.metrics.selectors import (
    QueryResult,
    metric_drivers,
    metric_evaluate,
    metric_explain,
    metric_query,
    metric_series,
    result_json,
)
from recoup.metrics.services import snapshot_refresh

EXIT_USAGE = 2
ACTIONS = ("show", "list", "docs", "explain", "snapshot", "drivers")


class UsageError(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_USAGE)


def parse_date(text: str, option: str) -> date:
    try:
        return parse_input_date(text, what=option)
    except InputDateError as exc:
        raise UsageError(str(exc)) from None


def parse_params(items: Sequence[str]) -> dict[str, dict[str, str]]:
    params: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        metric, dot, name = key.partition(".")
        if not sep or not dot or not metric or not name:
            raise UsageError(f"--param {item!r}: expected METRIC.NAME=VALUE, e.g. dso.window=30")
        params.setdefault(metric, {})[name] = value
    return params


def parse_filters(items: Sequence[str]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, list[str]] = {}
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim or not value:
            raise UsageError(f"--filter {item!r}: expected DIMENSION=VALUE, e.g. team=North")
        if dim not in DIMENSIONS:
            raise UsageError(
                f"--filter {item!r}: unknown dimension {dim!r}; dimensions are: "
                f"{', '.join(DIMENSIONS)}"
            )
        filters.setdefault(dim, []).extend(v.strip() for v in value.split(",") if v.strip())
    return {k: tuple(v) for k, v in filters.items()}


class Command(BaseCommand):
    help = "Compute KPIs from the ledger: as of a date, over a period, or as a series."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = (
            "actions:\n"
            "  show      (default) compute the metrics\n"
            "  list      the catalogue: ids, units, dimensions, parameters\n"
            "  docs      the catalogue as Markdown (docs/metrics.md)\n"
            "  explain   the SQL each metric runs and its parameters\n"
            "  snapshot  store daily values --from .. --to for trends and key results\n"
            "  drivers   why one metric moved --from D1 --to D2: its change split exactly --by "
            "one dimension\n\n"
            "examples:\n"
            "  recoup kpi --as-of 2024-03-31 --metric ar_total --metric dso --by team\n"
            "  recoup kpi --from 2024-01-01 --to 2024-03-31 --metric cei "
            "--param cei.sales_term=monthly\n"
            "  recoup kpi --from 2023-04-01 --to 2024-03-31 --grain month --metric ar_total\n"
            "  recoup kpi explain --metric ar_90_plus --filter team=North\n"
            "  recoup kpi drivers --metric dso --from 2024-06-23 --to 2024-06-30 --by team\n\n"
            "Exit status: 0 done, 2 wrong usage (unknown metric, dimension, parameter, bad date)."
        )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", nargs="?", default="show", choices=ACTIONS)
        parser.add_argument("--as-of", help="date D (YYYY-MM-DD); default: today, or --to")
        parser.add_argument("--from", dest="date_from", help="period start (flows, series)")
        parser.add_argument("--to", dest="date_to", help="period end; the as-of date of flows")
        parser.add_argument("--metric", action="append", default=[], help="metric id (repeat)")
        parser.add_argument("--by", action="append", default=[], help="dimension (repeat)")
        parser.add_argument(
            "--param", action="append", default=[], help="METRIC.NAME=VALUE (repeat)"
        )
        parser.add_argument(
            "--filter", action="append", default=[], help="DIMENSION=VALUE[,VALUE] (repeat)"
        )
        parser.add_argument("--grain", choices=GRAINS, help="a series at this grain")
        parser.add_argument("--engine", choices=ENGINES, help="default: duckdb")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="compute within this person's scope (a collector's book); default: everything",
        )
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "docs":
                self.stdout.write(catalogue_markdown(), ending="")
                return
            if action == "list":
                self._list()
                return
            self._compute(action, options)
        except RecoupError as error:
            raise UsageError(str(error)) from None

    def _list(self) -> None:
        for m in CATALOGUE.values():
            params = ", ".join(f"{p.name}={p.default}" for p in m.params)
            kind = "flow" if m.is_flow else "as of"
            self.stdout.write(f"{m.id:<32} {m.unit:<8} {kind:<6} {m.title}")
            self.stdout.write(f"{'':<32} by: {', '.join(m.dimensions) or '-'}")
            if params:
                self.stdout.write(f"{'':<32} params: {params}")
        for custom in CustomMetric.objects.all():
            self.stdout.write(f"{custom.metric_id:<32} {custom.unit:<8} custom {custom.title}")

    def _scope(self, username: str | None) -> Scope:
        """The operator computes for the whole organisation unless they ask as someone."""
        if not username:
            return Scope.organisation("recoup kpi")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise UsageError(f"--as-user {username!r}: no such user")
        if not user.is_active:
            raise UsageError(f"--as-user {username!r}: the account is deactivated")
        return scope_for(user)

    def _dates(self, options: dict[str, Any]) -> tuple[date, date | None]:
        as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else None
        start = parse_date(options["date_from"], "--from") if options["date_from"] else None
        end = parse_date(options["date_to"], "--to") if options["date_to"] else None
        if as_of and end and as_of != end:
            raise UsageError(f"--as-of {as_of} and --to {end} disagree: give one of them")
        end = end or as_of or timezone.now().date()
        if start and start > end:
            raise UsageError(f"--from {start} is after --to {end}")
        return end, start

    def _compute(self, action: str, options: dict[str, Any]) -> None:
        end, start = self._dates(options)
        params = parse_params(options["param"])
        filters = parse_filters(options["filter"])
        dims = list(dict.fromkeys(options["by"]))
        for dim in dims:
            if dim not in DIMENSIONS:
                raise UsageError(
                    f"--by {dim!r}: unknown dimension; dimensions are: {', '.join(DIMENSIONS)}"
                )
        requested = list(dict.fromkeys(options["metric"]))
        custom_ids = set(
            CustomMetric.objects.filter(metric_id__in=requested).values_list("metric_id", flat=True)
        )
        metrics = [m for m in requested if m not in custom_ids]
        if not requested:
            metrics = [m.id for m in CATALOGUE.values() if not m.is_flow]
        engine = options["engine"]
        scope = self._scope(options["as_user"])
        scope_check_filters(scope, filters)
        if action == "explain":
            for title, sql in metric_explain(
                scope=scope,
                metrics=metrics,
                as_of=end,
                period_from=start,
                dims=dims,
                params=params,
                filters=filters,
                engine=engine,
            ):
                self.stdout.write(f"-- {title}\n{sql}\n")
            return
        if action == "drivers":
            self._drivers(options, metrics=requested, start=start, end=end, scope=scope)
            return
        if action == "snapshot":
            if start is None:
                raise UsageError("snapshot needs --from and --to (or --as-of)")
            count = snapshot_refresh(
                metrics=metrics, start=start, end=end, params=params, filters=filters, via="kpi"
            )
            self.stdout.write(f"stored {count} daily values from {start} to {end}")
            return
        result: QueryResult
        if options["grain"]:
            if start is None:
                raise UsageError("--grain needs --from (the series start)")
            result = metric_series(
                scope=scope,
                metrics=metrics,
                start=start,
                end=end,
                grain=options["grain"],
                dims=dims,
                params=params,
                filters=filters,
                engine=engine,
            )
        elif metrics:
            result = metric_query(
                scope=scope,
                metrics=metrics,
                as_of=end,
                period_from=start,
                dims=dims,
                params=params,
                filters=filters,
                engine=engine,
            )
        else:
            result = QueryResult(end, None, engine or "duckdb", "custom metrics only", [])
        rows = [result_json(r) for r in result.results]
        for metric_id in sorted(custom_ids):
            if dims:
                raise MetricInputError(f"custom metric {metric_id} cannot be grouped (--by)")
            value = metric_evaluate(
                MetricRequest(metric_id, end, filters=filters, period_from=start),
                scope=scope,
                engine=engine,
            )
            rows.append(
                {
                    "metric": metric_id,
                    "as_of": end.isoformat(),
                    "period_from": None if start is None else start.isoformat(),
                    "value": None if value.value is None else format(value.value, "f"),
                    "unit": value.unit,
                    "params": {},
                    "dims": {},
                }
            )
        self._write(options["format"], result, rows)

    def _drivers(
        self,
        options: dict[str, Any],
        *,
        metrics: list[str],
        start: date | None,
        end: date,
        scope: Scope,
    ) -> None:
        if len(metrics) != 1:
            raise UsageError("drivers needs exactly one --metric")
        if start is None:
            raise UsageError("drivers needs --from (the day the change is counted from)")
        if len(options["by"]) != 1:
            raise UsageError("drivers needs exactly one --by (team, collector, bucket, ...)")
        metric = metrics[0]
        given = parse_params(options["param"])
        unknown = sorted(set(given) - {metric})
        if unknown:
            raise UsageError(f"--param for {unknown[0]!r}, which is not --metric {metric}")
        found = metric_drivers(
            metric=metric,
            from_day=start,
            to_day=end,
            by=options["by"][0],
            scope=scope,
            params=given.get(metric, {}),
            filters=parse_filters(options["filter"]),
            engine=options["engine"],
        )
        payload = drivers_json(found)
        if options["format"] == "json":
            self.stdout.write(json.dumps(payload, indent=2))
            return
        rows = [
            (f"from {start}", payload["from_value"]),
            (f"to {end}", payload["to_value"]),
            ("change", payload["change"]),
            ("", ""),
            (found.by, "part of the change"),
            *((c["dims"][found.by], c["value"]) for c in payload["contributions"]),
        ]
        width = max(len(label) for label, _ in rows)
        self.stdout.write(f"{metric} ({found.unit}); undefined values are blank")
        for label, value in rows:
            self.stdout.write(f"{label:<{width}}  {'' if value is None else value}".rstrip())

    def _write(self, fmt: str, result: QueryResult, rows: list[dict[str, Any]]) -> None:
        if fmt == "json":
            payload = {
                "as_of": result.as_of.isoformat(),
                "data_as_of": None if result.data_as_of is None else result.data_as_of.isoformat(),
                "engine": result.engine,
                "freshness": result.freshness,
                "results": rows,
            }
            self.stdout.write(json.dumps(payload, indent=2))
            return
        dim_names = list(dict.fromkeys(k for r in rows for k in r["dims"]))
        header = ["metric", "as_of", "period_from", *dim_names, "value", "unit", "params"]
        table = [
            [
                r["metric"],
                r["as_of"],
                r["period_from"] or "",
                *(r["dims"].get(d, "") for d in dim_names),
                "" if r["value"] is None else r["value"],
                r["unit"],
                " ".join(f"{k}={v}" for k, v in r["params"].items()),
            ]
            for r in rows
        ]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(table)
            self.stdout.write(out.getvalue(), ending="")
            return
        widths = [max(len(str(c)) for c in col) for col in zip(header, *table, strict=True)]
        for line in [header, *table]:
            self.stdout.write("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
        data_date = result.data_as_of.isoformat() if result.data_as_of else "no data"
        self.stdout.write(
            f"\nas of {result.as_of}; data as of {data_date}; engine {result.engine}"
            f" ({result.freshness}); undefined values are blank"
        )
