"""`recoup demo-okrs`: the example OKR plans on the running quarter, check-ins back-filled."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import date
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from recoup.core.dates import date_argument
from recoup.core.errors import RecoupError
from recoup.demo.okrs import demo_okrs_apply
from recoup.okrs.models import Cycle


class Command(BaseCommand):
    help = (
        "Apply the example OKR plans (examples/okrs/) to the quarter holding --as-of and back-fill "
        "their weekly automatic check-ins up to that day, so the board shows a quarter in progress."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date_argument,
            default=None,
            help="the day the quarter has reached, YYYY-MM-DD (default today)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if any OKR cycle exists already"
        )

    def handle(self, *args: Any, as_of: date | None, if_empty: bool, **options: Any) -> None:
        if if_empty and Cycle.objects.exists():
            self.stdout.write("OKR cycles exist already: no demo plans applied.")
            return
        # Rich draws on the raw stream: Django's wrapper would add a newline to every write.
        console = Console(file=cast(IO[str], getattr(self.stderr, "_out", sys.stderr)))
        with Progress(
            "[progress.description]{task.description:<16}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=not console.is_terminal,
            disable=int(options.get("verbosity", 1)) == 0,
        ) as bar:
            task = bar.add_task("weekly check-ins", total=None)
            try:
                summary = demo_okrs_apply(
                    today=as_of or timezone.localdate(),
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            except RecoupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Applied {len(summary.cycles)} example plans to {', '.join(summary.cycles)}: "
            f"{summary.created} items created, {summary.checkins} automatic check-ins over "
            f"{summary.weeks} weeks."
        )
        for title in summary.archived:
            self.stdout.write(
                f"Archived “{title}”: the demo ledger holds nothing its KPIs count;"
                " restore it from the board's “Archived” list."
            )
