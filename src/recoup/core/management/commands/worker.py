"""`recoup worker`: runs background jobs (scheduled check-ins, reports, the import clean-up) and
the scheduler that queues the scheduled ones (`recoup.core.schedule`).

`recoup serve` starts one as its child; deployments that run workers apart start them with
`recoup serve --no-worker` and any number of `recoup worker`: each claims a queued job before it
runs it, and each scheduler's queueing of a slot is refused once another did it."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from recoup.core.schedule import schedule_ensure_all

logger = logging.getLogger(__name__)


class Scheduler(threading.Thread):
    """Queues the scheduled jobs' next runs every `every` seconds, in a thread of the worker. With
    `parent_pid`, it also stops the worker once that process is gone (a `recoup serve` that was
    killed without a chance to stop its worker)."""

    def __init__(self, *, every: float, parent_pid: int | None) -> None:
        super().__init__(name="recoup-scheduler", daemon=True)
        self.every = every
        self.parent_pid = parent_pid
        self.stopped = threading.Event()

    def run(self) -> None:
        next_turn = time.monotonic() + self.every
        while not self.stopped.wait(1.0):
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                logger.warning("the process that started this worker is gone: stopping")
                os.kill(os.getpid(), signal.SIGTERM)
                return
            if time.monotonic() < next_turn:
                continue
            next_turn = time.monotonic() + self.every
            try:
                schedule_ensure_all()
            except Exception:
                logger.exception("the scheduler's turn failed; trying again on the next")
            finally:
                connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = (
        "Run the background job worker: claims queued tasks from the database and runs them, and"
        " queues the scheduled jobs' runs when they are due."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue", action="append", default=None, help="queue name (repeatable)"
        )
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--stop-with",
            type=int,
            default=None,
            metavar="PID",
            help="stop when process PID is gone (recoup serve starts its worker so)",
        )

    def handle(
        self,
        *args: Any,
        queue: list[str] | None,
        batch: bool,
        interval: float,
        stop_with: int | None,
        **o: Any,
    ) -> None:
        # What stopped imports left behind goes at start-up, then on a job's schedule.
        call_command("import_cleanup", schedule=True, verbosity=0)
        schedule_ensure_all()
        if not batch:
            Scheduler(every=settings.SCHEDULE_CHECK_SECONDS, parent_pid=stop_with).start()
        options: dict[str, Any] = {"interval": interval, "batch": batch}
        if queue:
            options["queue_name"] = ",".join(queue)
        call_command("db_worker", **options)
