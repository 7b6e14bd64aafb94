"""Imports started from the web page: the upload is saved, the run recorded as running, and the
import runs in a thread of the web process while the page polls its progress.

Why a thread and not the task worker, and why progress lives in a file: decision 0008. In short,
`make run` starts no worker, and while an import runs its one transaction holds SQLite's write
lock (and PostgreSQL's row locks), so progress written to the database from inside the import
would stay invisible until the end. The progress file is written atomically (write, then rename),
at most a few times a second, and read by whichever web process answers the poll.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from recoup.accounts.access import can_import, require
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.ingest.mapping import MappingError
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.problems import Problem
from recoup.ingest.readers import first_line
from recoup.ingest.services import ledger_file_import

logger = logging.getLogger(__name__)

# A running run whose progress has not moved for this long has lost its thread (the web process
# stopped or restarted): it is marked failed when someone looks at it or starts another import.
STALLED_AFTER = timedelta(minutes=15)
# An edited mapping's name: a preset's name, perhaps with "-edited" (mapping_edit.PRESET_NAME).
EDITED_MAPPING_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
PROGRESS_EVERY_SECONDS = 0.25

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


class ImportBusyError(RecoupError):
    """Another import is running: imports run one at a time (SQLite has one writer)."""


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def run_folder(run_id: int) -> Path:
    return uploads_dir() / str(run_id)


def _progress_file(run_id: int) -> Path:
    return run_folder(run_id) / "progress.json"


@dataclass(frozen=True, slots=True)
class RunProgress:
    phase: str
    seen: int
    total: int | None
    at: datetime | None
    pid: int | None = None  # the web process running the import

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.seen / self.total)))


def import_run_progress_record(*, run_id: int, phase: str, seen: int, total: int | None) -> None:
    """Write a running import's progress where every web process can read it."""
    target = _progress_file(run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    payload = {
        "phase": phase,
        "seen": seen,
        "total": total,
        "at": timezone.now().isoformat(),
        "pid": os.getpid(),
    }
    partial.write_text(json.dumps(payload), encoding="utf-8")
    # Atomic on POSIX: a reader sees the old or the new progress, never half a file.
    os.replace(partial, target)


def import_run_progress(*, run: ImportRun) -> RunProgress:
    """The latest progress of a running import (phase "starting" before the first report)."""
    try:
        data = json.loads(_progress_file(run.pk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunProgress("starting", 0, None, run.started_at)
    return RunProgress(
        phase=str(data.get("phase", "")),
        seen=int(data.get("seen") or 0),
        total=int(data["total"]) if data.get("total") is not None else None,
        at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
        pid=int(data["pid"]) if data.get("pid") else None,
    )


class ProgressThrottle:
    """The importer's `progress(phase, seen, total)` callback, recorded at most every
    `interval` seconds; a new phase is always recorded, so no phase goes unseen."""

    def __init__(
        self,
        record: Callable[[str, int, int | None], None],
        *,
        interval: float = PROGRESS_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._record = record
        self._interval = interval
        self._clock = clock
        self._phase: str | None = None
        self._last = float("-inf")
        self._pending: tuple[str, int, int | None] | None = None

    def __call__(self, phase: str, seen: int, total: int | None) -> None:
        now = self._clock()
        if phase == self._phase and now - self._last < self._interval:
            self._pending = (phase, seen, total)
            return
        self._phase, self._last, self._pending = phase, now, None
        self._record(phase, seen, total)

    def flush(self) -> None:
        if self._pending is not None:
            self._record(*self._pending)
            self._pending = None


def _save_upload(folder: Path, file_name: str, chunks: Iterable[bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # The importer reads a path; the original name keeps the suffix that tells it the format
    # and appears in the validation report.
    path = folder / Path(file_name).name
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stalled(run: ImportRun, now: datetime) -> bool:
    """The run's thread is gone: its web process has exited (a restart), or it has reported no
    progress for `STALLED_AFTER` (a process on another machine, or one that hangs)."""
    progress = import_run_progress(run=run)
    if progress.pid is not None and not _process_alive(progress.pid):
        return True
    if progress.pid == os.getpid():
        return True  # this process runs no thread for it (the caller checked)
    return now - (progress.at or run.started_at) > STALLED_AFTER


def import_runs_stalled_fail(*, now: datetime | None = None) -> int:
    """Mark failed the running runs whose thread is gone (no progress for `STALLED_AFTER`)."""
    now = now or timezone.now()
    failed = 0
    for run in ImportRun.objects.filter(status=ImportStatus.RUNNING):
        with _threads_lock:
            alive = run.pk in _threads and _threads[run.pk].is_alive()
        if not alive and _stalled(run, now):
            failed += _fail(
                run.pk, "the import stopped without finishing (the server stopped or restarted)"
            )
    return failed


def _fail(run_id: int, error: str) -> int:
    return ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=error, finished_at=timezone.now()
    )


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
    import_runs_stalled_fail()
    busy = ImportRun.objects.filter(status=ImportStatus.RUNNING).first()
    if busy is not None:
        raise ImportBusyError(
            f"{busy.file_name} is being imported (started {busy.started_at:%H:%M}): imports run"
            " one at a time, try again when it has finished"
        )
    run = ImportRun.objects.create(
        kind=kind,
        file_name=Path(file_name).name,
        sha256="",
        mapping=Path(mapping).stem if mapping else "",
        started_at=timezone.now(),
        dry_run=dry_run,
        status=ImportStatus.RUNNING,
        started_by=actor,
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
            with _threads_lock:
                _threads[run.pk] = threading.current_thread()
            try:
                job.run()
            finally:
                with _threads_lock:
                    _threads.pop(run.pk, None)
            run.refresh_from_db()
            return run
        thread = threading.Thread(
            target=job.run_in_thread, name=f"import-run-{run.pk}", daemon=True
        )
        with _threads_lock:
            _threads[run.pk] = thread
        thread.start()
    except Exception as error:
        # A run that never started must not block the next import until it looks stalled.
        _fail(run.pk, f"the import could not start: {type(error).__name__}: {first_line(error)}")
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
            with _threads_lock:
                _threads.pop(self.run_id, None)
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
            _fail(self.run_id, str(error))
        except Exception as error:
            # A crash must end the run (and say why), not leave it running forever.
            logger.exception("import run %s crashed", self.run_id)
            _fail(self.run_id, f"the import crashed: {type(error).__name__}: {first_line(error)}")
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
