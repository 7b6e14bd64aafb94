"""`recoup import-cleanup`: remove what stopped imports left behind (decision 0015).

`recoup serve` and `recoup worker` run it at start-up, `recoup import` before each import, and
the worker's `import_leftovers_clean` job on a schedule."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from recoup.ingest.claims import import_leftovers_remove
from recoup.ingest.tasks import import_leftovers_schedule_ensure


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Mark failed the imports whose process was stopped or killed; remove their uploads and"
        " the importer's leftover temporary folders."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="also make sure the worker's periodic clean-up job is queued",
        )

    def handle(self, *args: Any, schedule: bool, **options: Any) -> None:
        left = import_leftovers_remove()
        if schedule:
            import_leftovers_schedule_ensure()
        self.stdout.write(
            f"imports marked failed: {left.runs_failed}, uploads removed: {left.uploads},"
            f" temporary folders removed: {left.temp_folders},"
            f" staged uploads expired: {left.staged}"
        )
