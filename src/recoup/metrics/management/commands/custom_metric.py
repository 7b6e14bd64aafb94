"""`recoup custom-metric`: metrics from outside the ledger (QA scores, training completion,
invoices per hour) and industry reference values, each change through an audited service.

    recoup custom-metric define qa_score --title "QA score" --unit points [--aggregation mean]
    recoup custom-metric record qa_score --on 2026-09-30 --value 81.5 [--team North | --collector U]
    recoup custom-metric reference dso --period 2025 --source "CRF survey" --value 52.4
    recoup custom-metric list

The admin shows these tables read-only: a row changed there would skip validation and audit.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.accounts.models import Team, User
from recoup.core.dates import date_argument
from recoup.core.errors import RecoupError
from recoup.metrics.contracts import Direction
from recoup.metrics.models import CustomAggregation, CustomMetric, CustomValue, ReferenceValue
from recoup.metrics.services import custom_metric_define, custom_value_record, reference_value_set

VIA = "custom-metric"


class Command(BaseCommand):
    help = "Define custom metrics, record their values, and set industry reference values."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        define = actions.add_parser("define", help="define (or redefine) a custom metric")
        define.add_argument("metric_id", help="an id that is not a catalogue metric's")
        define.add_argument("--title", required=True)
        define.add_argument("--unit", default="number", help="e.g. points, percent, hours")
        define.add_argument("--description", default="")
        define.add_argument(
            "--direction", choices=[d.value for d in Direction], default=Direction.HIGHER_IS_BETTER
        )
        define.add_argument(
            "--aggregation",
            choices=CustomAggregation.values,
            default=CustomAggregation.LATEST,
            help="latest value, or sum or mean over a period",
        )
        record = actions.add_parser("record", help="record a custom metric's value on a day")
        record.add_argument("metric_id")
        record.add_argument("--on", required=True, type=date_argument, help="YYYY-MM-DD")
        record.add_argument("--value", required=True, help="a decimal number, e.g. 81.5")
        whose = record.add_mutually_exclusive_group()
        whose.add_argument("--team", help="the team the value is for (default: the organisation)")
        whose.add_argument("--collector", metavar="USERNAME", help="the person the value is for")
        reference = actions.add_parser("reference", help="set an industry reference value")
        reference.add_argument("metric_id")
        reference.add_argument("--period", required=True, help='e.g. "2025" or "2025-Q4"')
        reference.add_argument("--source", required=True, help="who published it")
        reference.add_argument("--value", required=True)
        reference.add_argument("--note", default="")
        actions.add_parser("list", help="custom metrics with their latest value, and references")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RecoupError as error:
            raise CommandError(str(error)) from None

    def _define(self, options: dict[str, Any]) -> None:
        custom = custom_metric_define(
            metric_id=options["metric_id"],
            title=options["title"],
            unit=options["unit"],
            description=options["description"],
            direction=Direction(options["direction"]),
            aggregation=CustomAggregation(options["aggregation"]),
            via=VIA,
        )
        self.stdout.write(f"custom metric {custom.metric_id} ({custom.title}) saved")

    def _record(self, options: dict[str, Any]) -> None:
        team = collector = None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"--team {options['team']!r}: no such team")
        if options["collector"]:
            collector = User.objects.filter(username=options["collector"]).first()
            if collector is None:
                raise CommandError(f"--collector {options['collector']!r}: no such user")
        row = custom_value_record(
            metric_id=options["metric_id"],
            on=options["on"],
            value=options["value"],
            team=team,
            collector=collector,
            via=VIA,
        )
        self.stdout.write(f"{options['metric_id']} on {row.on}: {row.value_text} recorded")

    def _reference(self, options: dict[str, Any]) -> None:
        row = reference_value_set(
            metric_id=options["metric_id"],
            period=options["period"],
            source=options["source"],
            value=options["value"],
            note=options["note"],
            via=VIA,
        )
        self.stdout.write(f"reference for {row.metric_id} ({row.period}, {row.source}) saved")

    def _list(self, options: dict[str, Any]) -> None:
        for custom in CustomMetric.objects.order_by("metric_id"):
            latest = CustomValue.objects.filter(metric=custom).order_by("-on", "-id").first()
            shown = f"{latest.value_text} on {latest.on}" if latest else "no values yet"
            self.stdout.write(f"{custom.metric_id:<28} {custom.unit:<10} {shown}  {custom.title}")
        for ref in ReferenceValue.objects.order_by("metric_id", "period", "source"):
            self.stdout.write(
                f"reference {ref.metric_id:<18} {ref.period:<10} {ref.value_text:<12} {ref.source}"
            )
