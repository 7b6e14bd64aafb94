"""`recoup scorecard [--period week|month|quarter] [--as-of YYYY-MM-DD] [--collector U]
[--format table|json]` prints the collector scorecard: each collector's figures from the KPI
catalogue for the period to date, the target a manager set and whether it is met, and the
previous whole period's figure; the page and `GET /api/worklist/scorecard` give the same."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.accounts.models import Role
from recoup.accounts.scope import Scope
from recoup.core.dates import date_argument
from recoup.core.errors import RecoupError
from recoup.core.quantities import quantity_text
from recoup.worklist.scorecard import PERIODS, Cell, Column, Row, scorecard_for, scorecard_json
from recoup.worklist.selectors import collector_for, collectors_visible


def _cell(cell: Cell, column: Column) -> str:
    text = quantity_text(cell.value, column.unit)
    if cell.met is not None:
        text += " (met)" if cell.met else f" (target {quantity_text(cell.target, column.unit)})"
    return text


class Command(BaseCommand):
    help = "The collector scorecard: each collector's KPIs for the period against their targets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", choices=PERIODS, default="month")
        parser.add_argument("--as-of", type=date_argument, help="the last day (default today)")
        parser.add_argument("--collector", help="one collector's username (default everyone)")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.organisation("scorecard-cli")
        try:
            if options["collector"]:
                person = collector_for(scope, options["collector"])
                if person.role != Role.COLLECTOR:
                    raise CommandError(f"{options['collector']!r} is not a collector")
                collectors = [person]
            else:
                collectors = list(collectors_visible(scope))
            card = scorecard_for(
                scope, collectors=collectors, period=options["period"], as_of=options["as_of"]
            )
        except RecoupError as error:
            raise CommandError(str(error)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(scorecard_json(card), indent=2))
            return
        self.stdout.write(
            f"Collector scorecard, {card.start:%d %b} to {card.as_of:%d %b %Y} "
            f"(previous: {card.previous_start:%d %b} to {card.previous_end:%d %b %Y})"
        )
        header = ["Collector", *(c.figure.label for c in card.columns)]
        lines = [header]
        rows: list[Row] = [*card.rows, *([card.total] if card.total else [])]
        for row in rows:
            lines.append([row.name, *(_cell(row.cells[c.figure.key], c) for c in card.columns)])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for line in lines:
            self.stdout.write(
                "  ".join(
                    text.ljust(w) if i == 0 else text.rjust(w)
                    for i, (text, w) in enumerate(zip(line, widths, strict=True))
                ).rstrip()
            )
