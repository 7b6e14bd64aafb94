"""`recoup demo-data`: generate the deterministic demo ledger."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from recoup.core.errors import RecoupError
from recoup.demo.selectors import ledger_is_empty
from recoup.demo.services import demo_ledger_generate


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date: expected YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Generate a realistic, deterministic demo ledger: customers, invoices, payments, "
        "activities, promises, plans, disputes, placements and FX rates (same --invoices and "
        "--seed give the same rows)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--invoices", type=int, default=20_000, help="number of invoices (100 to 10,000,000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--as-of",
            type=_as_of,
            default=None,
            help="ledger end date, YYYY-MM-DD: nothing happens after it (default today, so the "
            "demo is a ledger of today; give a date for the same rows on any day); history "
            "covers two years before it",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if the ledger already holds data",
        )
        mode.add_argument(
            "--replace",
            action="store_true",
            help="delete every ledger row first (users and teams are kept)",
        )

    def handle(
        self,
        *args: Any,
        invoices: int,
        seed: int,
        as_of: date | None,
        if_empty: bool,
        replace: bool,
        **options: Any,
    ) -> None:
        if if_empty and not ledger_is_empty():
            self.stdout.write("The ledger already holds data: no demo data generated.")
            return
        as_of = as_of or timezone.localdate()
        # Rich draws on the raw stream: Django's wrapper would add a newline to every write.
        console = Console(file=cast(IO[str], getattr(self.stderr, "_out", sys.stderr)))
        tasks: dict[str, TaskID] = {}
        with Progress(
            "[progress.description]{task.description:<16}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=not console.is_terminal,
            disable=int(options.get("verbosity", 1)) == 0,
        ) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            try:
                summary = demo_ledger_generate(
                    invoices=invoices, seed=seed, as_of=as_of, replace=replace, progress=progress
                )
            except RecoupError as error:
                raise CommandError(str(error)) from None
        counts = ", ".join(
            f"{n:,} {table.removeprefix('ledger_')}" for table, n in summary.rows.items()
        )
        self.stdout.write(
            f"Demo ledger (seed {seed}, as of {as_of}) written in {summary.seconds:.1f} s: {counts}."
        )
