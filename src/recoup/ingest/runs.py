"""Imports started from the web page: the upload is saved, the run claimed as running, and the
import runs in a thread of the web process while the page polls its progress.

Why a thread and not the task worker, and why progress lives in a file: decision 0008. One import
at a time is a claim the database arbitrates (`claims`, decision 0015): the second upload of the
same instant is refused with the name of the run that holds the turn. The progress file is
written atomically (write, then rename), at most a few times a second, and read by whichever web
process answers the poll.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from recoup.accounts.access import can_import, require
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.ingest.claims import (
    STALLED_AFTER,
    ImportBusyError,
    ProgressThrottle,
    RunProgress,
    _threads,
    _threads_lock,
    import_run_claim,
    import_run_fail,
    import_run_hold,
    import_run_let_go,
    import_run_progress,
    import_run_progress_record,
    import_runs_stalled_fail,
    run_folder,
    uploads_dir,
)
from recoup.ingest.mapping import MappingError
from recoup.ingest.models import ImportRun
from recoup.ingest.problems import Problem
from recoup.ingest.readers import first_line
from recoup.ingest.services import ledger_file_import

logger = logging.getLogger(__name__)

# An edited mapping's name: a preset's name, perhaps with "-edited" (mapping_edit.PRESET_NAME).
EDITED_MAPPING_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def _save_upload(folder: Path, file_name: str, chunks: Iterable[bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # The importer reads a path; the original name keeps the suffix that tells it the format
    # and appears in the validation report.
    path = folder / Path(file_name).name
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def import_run_start(
    *,
    kind: str,
    file_name: str,
    chunks: Iterable[bytes],
    mapping: str | None,
    dry_run: bool,
    actor: User | None,
    background: bool = True,
    mapping_yaml: str | None = None,
) -> ImportRun:
    """Save the upload, record the run as running and import it in a thread (or right here
    when `background` is false). The import itself stays all or nothing. `mapping_yaml` is a
    mapping edited on the page, named `mapping`: it is written beside the upload and used."""
    # Refused before a run is recorded; the importer checks every kind the mapping produces.
    require(
        actor is None or can_import(actor, kind),
        f"your role may not import {kind}: managers and admins import it",
    )
    edited_name = mapping or "edited"
    if mapping_yaml is not None and not EDITED_MAPPING_NAME.fullmatch(edited_name):
        # It names the file the edited mapping is written to: a name, never a path.
        raise MappingError(f"mapping {edited_name!r}: use lower-case letters, digits and hyphens")
    # Raises ImportBusyError, naming the running import, when another one holds the turn.
    run = import_run_claim(
        kind=kind,
        file_name=file_name,
        mapping=Path(mapping).stem if mapping else "",
        dry_run=dry_run,
        actor=actor,
    )
    try:
        path = _save_upload(run_folder(run.pk), file_name, chunks)
        if mapping_yaml is not None:
            edited = run_folder(run.pk) / "mapping" / f"{edited_name}.yaml"
            edited.parent.mkdir()
            edited.write_text(mapping_yaml, encoding="utf-8")
            mapping = str(edited)
        job = _ImportJob(run.pk, kind, path, mapping, dry_run, actor.pk if actor else None)
        if not background:
            try:
                job.run()
            finally:
                import_run_let_go(run.pk)
            run.refresh_from_db()
            return run
        thread = threading.Thread(
            target=job.run_in_thread, name=f"import-run-{run.pk}", daemon=True
        )
        # The claim holds this request's thread; from now on the run is the new thread's.
        with _threads_lock:
            _threads[run.pk] = thread
        thread.start()
    except Exception as error:
        # A run that never started must not block the next import until it looks stalled.
        import_run_let_go(run.pk)
        import_run_fail(
            run.pk, f"the import could not start: {type(error).__name__}: {first_line(error)}"
        )
        shutil.rmtree(run_folder(run.pk), ignore_errors=True)
        raise
    return run


def import_threads_join(timeout: float = 60) -> None:
    """Wait for this process's import threads (tests, and a clean shutdown)."""
    with _threads_lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


@dataclass(frozen=True, slots=True)
class _ImportJob:
    run_id: int
    kind: str
    path: Path
    mapping: str | None
    dry_run: bool
    actor_id: int | None

    def run_in_thread(self) -> None:
        try:
            self.run()
        finally:
            import_run_let_go(self.run_id)
            # The thread's own database connection: Django opens one per thread.
            connection.close()

    def run(self) -> None:
        progress = ProgressThrottle(
            lambda phase, seen, total: import_run_progress_record(
                run_id=self.run_id, phase=phase, seen=seen, total=total
            )
        )
        try:
            import_run_progress_record(run_id=self.run_id, phase="starting", seen=0, total=None)
            run = ImportRun.objects.get(pk=self.run_id)
            actor = User.objects.filter(pk=self.actor_id).first() if self.actor_id else None
            outcome = ledger_file_import(
                kind=self.kind,
                path=self.path,
                mapping=self.mapping,
                dry_run=self.dry_run,
                actor=actor,
                progress=progress,
                run=run,
            )
            progress.flush()
            if outcome.problems:
                ImportRun.objects.filter(pk=self.run_id).update(
                    problems=[_problem_json(p) for p in outcome.problems]
                )
        except RecoupError as error:
            import_run_fail(self.run_id, str(error))
        except Exception as error:
            # A crash must end the run (and say why), not leave it running forever.
            logger.exception("import run %s crashed", self.run_id)
            import_run_fail(
                self.run_id, f"the import crashed: {type(error).__name__}: {first_line(error)}"
            )
        finally:
            # The upload has served its purpose: the report file keeps the problems.
            shutil.rmtree(run_folder(self.run_id), ignore_errors=True)


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "row": problem.row,
        "record": problem.record,
        "column": problem.column,
        "value": problem.value,
        "expected": problem.expected,
    }


__all__ = [
    "STALLED_AFTER",
    "ImportBusyError",
    "ProgressThrottle",
    "RunProgress",
    "import_run_hold",
    "import_run_progress",
    "import_run_progress_record",
    "import_run_start",
    "import_runs_stalled_fail",
    "import_threads_join",
    "run_folder",
    "uploads_dir",
]
