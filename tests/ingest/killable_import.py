"""`recoup import` that stops at a chosen point and says so, to be killed there (kill -9) by
tests/ingest/test_killed_imports.py.

    python killable_import.py POINT ARGS...   (ARGS as for `recoup import`)

POINT is where the import announces `KILL-POINT <point>` on stdout and waits to be killed:
`reading:<rows>` once that many rows are staged, `checking` when the checks start, `loading`
when the merge starts (it announces and goes on: the test kills it after a delay, inside the
merge's statements), `commit` right before the merge's COMMIT. Whatever the point, the import
waits before that COMMIT, so no kill comes too late to find the ledger unchanged.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from typing import Any

# Small batches: the reading phase then has many points to stop at.
BATCH_ROWS = 2_000


def _announce_and_wait(point: str) -> None:
    sys.stdout.write(f"KILL-POINT {point}\n")
    sys.stdout.flush()
    while True:  # only a signal ends this process now
        time.sleep(60)


def main(point: str, args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from recoup.ingest import readers

    readers.BATCH_ROWS = BATCH_ROWS
    command = importlib.import_module("recoup.ingest.management.commands.import").Command
    name, _, value = point.partition(":")
    merging = False
    database = connections["default"]
    commit = database.commit

    def commit_or_wait() -> None:
        if merging:
            _announce_and_wait("commit")
        commit()

    # Django's outermost atomic block commits through this; inner ones are savepoints.
    database.commit = commit_or_wait  # type: ignore[method-assign]
    original_run = command._run

    def run(self: Any, options: dict[str, Any], progress: Any) -> Any:
        def watched(phase: str, done: int, total: int | None) -> None:
            nonlocal merging
            progress(phase, done, total)
            if phase.startswith("loading"):
                merging = True
            if name == "reading" and phase.startswith("reading") and done >= int(value):
                _announce_and_wait(point)
            if name == "checking" and phase.startswith("checking"):
                _announce_and_wait(point)
            if name == "loading" and phase.startswith("loading"):
                sys.stdout.write(f"KILL-POINT {point}\n")
                sys.stdout.flush()

        return original_run(self, options, watched)

    command._run = run
    call_command("import", *args)
    sys.exit("the import finished: it should have been killed before its COMMIT")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
