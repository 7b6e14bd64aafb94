"""`recoup worker`: runs background jobs (scheduled check-ins, reports, the import clean-up)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker: claims queued tasks from the database and runs them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue", action="append", default=None, help="queue name (repeatable)"
        )
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(
        self, *args: Any, queue: list[str] | None, batch: bool, interval: float, **o: Any
    ) -> None:
        # What stopped imports left behind goes at start-up, then on a job's schedule.
        call_command("import_cleanup", schedule=True, verbosity=0)
        options: dict[str, Any] = {"interval": interval, "batch": batch}
        if queue:
            options["queue_name"] = ",".join(queue)
        call_command("db_worker", **options)
