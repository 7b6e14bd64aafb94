"""`recoup report weekly [--as-of YYYY-MM-DD] [--team T] --format pdf|html --output PATH` writes
the weekly report for senior management: the same report the preview page shows, the PDF the
dashboard downloads and the e-mail the lists receive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.accounts.scope import Scope
from recoup.core.dates import date_argument
from recoup.core.errors import RecoupError
from recoup.reports.render import report_html, report_pdf
from recoup.reports.weekly import weekly_report_build


class Command(BaseCommand):
    help = "Reports: `report weekly` writes the weekly report as a PDF or an HTML file."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="weekly")
        weekly = kinds.add_parser("weekly", help="the weekly report for senior management")
        weekly.add_argument(
            "--as-of", type=date_argument, help="the week's last day (default: latest data)"
        )
        weekly.add_argument(
            "--team", default="", help="one team's report (default: the organisation)"
        )
        weekly.add_argument("--format", choices=["pdf", "html"], required=True)
        weekly.add_argument("--output", type=Path, required=True, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} is not a directory")
        try:
            report = weekly_report_build(
                scope=Scope.organisation("report-cli"), as_of=options["as_of"], team=options["team"]
            )
        except RecoupError as error:
            raise CommandError(str(error)) from None
        if options["format"] == "pdf":
            output.write_bytes(report_pdf(report))
        else:
            output.write_text(report_html(report).html, encoding="utf-8")
        self.stdout.write(
            f"Weekly report for {report.organisation_label}, week ending "
            f"{report.as_of:%d %b %Y}, written to {output}"
        )
