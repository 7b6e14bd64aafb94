# ruff: noqa: N999 - the command is `recoup import`, so its module must be named import
"""`recoup import <kind> FILE`: check a ledger file and load it all or nothing."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recoup.core.errors import RecoupError
from recoup.ingest.claims import ImportBusyError, import_leftovers_remove
from recoup.ingest.kinds import KINDS, FieldType, KindSpec
from recoup.ingest.mapping import MappingError, preset_names
from recoup.ingest.problems import Problem
from recoup.ingest.services import ImportOutcome, ledger_file_import

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
SHOWN = 20
PLAIN_EVERY = 100_000  # rows between progress lines when the output is not a terminal


class UsageError(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_USAGE)


class Command(BaseCommand):
    # The system checks load every URL and API module (seconds) and check nothing an import uses.
    requires_system_checks: list[str] = []
    help = "Import a ledger file (CSV, Excel .xlsx or Parquet); nothing is written if any row is wrong."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        kinds = "\n".join(
            f"  {name:<18} {spec.description}\n  {'':<18} columns: {_columns(spec)}"
            for name, spec in KINDS.items()
        )
        parser.epilog = (
            f"kinds (* = required column):\n{kinds}\n\npresets (--mapping): {', '.join(preset_names())}\n\n"
            "Problems are listed with the file's row numbers as a spreadsheet shows them (the\n"
            "header is row 1) and written to a CSV report. Exit status: 0 imported, 1 the file\n"
            "has problems (nothing written), 2 wrong usage, 3 another import is running\n"
            "(imports run one at a time)."
        )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "kind", choices=sorted(KINDS), metavar="kind", help="what the file holds"
        )
        parser.add_argument("file", type=Path, help="CSV, .xlsx or .parquet file")
        parser.add_argument("--mapping", help="preset name or path to a YAML mapping")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and summarise; change nothing"
        )
        parser.add_argument("--delimiter", help="CSV delimiter (detected when not given)")
        parser.add_argument("--encoding", help="CSV encoding (detected when not given)")
        parser.add_argument("--report", type=Path, help="where to write the problem report (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        if options["delimiter"] is not None and len(options["delimiter"]) != 1:
            raise UsageError(f"--delimiter {options['delimiter']!r}: expected one character")
        # Rich writes to the command's own stream (call_command(stdout=...) captures it).
        stream: IO[str] = getattr(self.stdout, "_out", sys.stdout)
        console = Console(file=stream, highlight=False)
        # What killed imports left behind (their runs, uploads, temporary folders) goes first.
        import_leftovers_remove()
        try:
            if console.is_terminal:
                outcome = self._with_bar(console, options)
            else:
                outcome = self._run(options, self._plain_progress())
        except MappingError as exc:
            raise UsageError(str(exc)) from None
        except LookupError as exc:  # an unknown --encoding name
            raise UsageError(f"--encoding: {exc}") from None
        except ImportBusyError as exc:
            raise CommandError(str(exc), returncode=EXIT_BUSY) from None
        except RecoupError as exc:  # the run was failed while it ran: nothing was written
            raise CommandError(str(exc), returncode=EXIT_INVALID) from None
        self._summary(console, outcome, options)
        if not outcome.ok:
            raise CommandError(
                f"{outcome.problem_count} problem(s) in {path.name}: nothing was imported",
                returncode=EXIT_INVALID,
            )

    def _run(self, options: dict[str, Any], progress: Any) -> ImportOutcome:
        return ledger_file_import(
            kind=options["kind"],
            path=options["file"],
            mapping=options["mapping"],
            dry_run=options["dry_run"],
            delimiter=options["delimiter"],
            encoding=options["encoding"],
            report_path=options["report"],
            progress=progress,
            keep_problems=SHOWN,
        )

    def _plain_progress(self) -> Any:
        last: dict[str, int] = {}

        def report(phase: str, done: int, total: int | None) -> None:
            # Each phase's start too: "loading" is the one that holds the write lock.
            first = phase not in last
            if first or done - last[phase] >= PLAIN_EVERY or (total is not None and done == total):
                last[phase] = done
                of = f" of {total:,}" if total else ""
                self.stdout.write(f"{phase}: {done:,}{of} rows")
                self.stdout.flush()

        return report

    def _with_bar(self, console: Console, options: dict[str, Any]) -> ImportOutcome:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        tasks: dict[str, Any] = {}
        with Progress(*columns, console=console, transient=False) as bar:

            def report(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                bar.update(tasks[phase], completed=done, total=max(total or 0, done) or None)

            return self._run(options, report)

    def _summary(self, console: Console, outcome: ImportOutcome, options: dict[str, Any]) -> None:
        run = outcome.run
        if outcome.problems:
            _problem_table(console, outcome.problems, outcome.problem_count)
        if outcome.report_path is not None:
            console.print(f"report: {outcome.report_path}", soft_wrap=True)
        if not outcome.ok:
            return
        verb = "would import" if options["dry_run"] else "imported"
        table = Table(title=f"{run.file_name}: {verb} ({run.rows:,} rows)")
        for name in ("record", "rows", "inserted", "updated", "unchanged"):
            table.add_column(name, justify="left" if name == "record" else "right")
        for name, counts in outcome.counts.items():
            table.add_row(
                name,
                f"{counts.rows:,}",
                f"{counts.inserted:,}",
                f"{counts.updated:,}",
                f"{counts.unchanged:,}",
            )
        console.print(table)
        allocations = outcome.counts.get("payments")
        if allocations is not None and allocations.allocations:
            console.print(f"allocations created: {allocations.allocations:,}")
        if options["dry_run"]:
            console.print("dry run: nothing was written")


def _columns(spec: KindSpec) -> str:
    fixed = {name for name, _ in spec.fixed}
    return ", ".join(
        f.name + ("*" if f.required and f.type is not FieldType.CURRENCY else "")
        for f in spec.fields
        if f.name not in fixed
    )


def _problem_table(console: Console, problems: list[Problem], total: int) -> None:
    table = Table(title=f"{total:,} problem(s); nothing was imported")
    for name in ("row", "record", "column", "value", "expected"):
        table.add_column(name, overflow="fold")
    for p in problems:
        table.add_row(str(p.row), p.record, p.column, p.value, p.expected)
    console.print(table)
    if total > len(problems):
        console.print(f"and {total - len(problems):,} more (see the report)")
