"""One import at a time, each run's progress, and what a stopped import leaves behind.

An import claims its turn by inserting its run as running: the partial unique constraint
`import_run_one_running` admits one running run, so of two starts in the same instant the database
lets exactly one in, on SQLite and PostgreSQL alike (a check, then a create, let both through on
PostgreSQL). The run names its process (`pid`, `host`) and writes its progress to
`uploads/<run id>/progress.json` while it runs. A running run whose process is gone (kill -9, a
restart) is marked failed by the next start, the run's page, or the clean-up; the clean-up also
removes uploads of runs that no longer run and the importer's temporary folders that no live run
can own. See docs/decisions/0015.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.core.errors import RecoupError
from recoup.ingest.mapping_edit import staged_uploads_expire
from recoup.ingest.models import ImportRun, ImportStatus

# A running run of another machine (PostgreSQL shared by several) whose progress has not moved
# for this long has lost its process: its pid cannot be asked from here.
STALLED_AFTER = timedelta(minutes=15)
PROGRESS_EVERY_SECONDS = 0.25
# `recoup-import-*` is the prefix of the reader's temporary folders (readers.open_source).
TEMP_PREFIX = "recoup-import-"
HOST = socket.gethostname()[:255]

# Runs of this process, by id, with the thread that runs each (a web upload's thread, or the
# caller of `ledger_file_import`): a run of this process without a live thread has stopped.
_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


class ImportBusyError(RecoupError):
    """Another import is running: imports run one at a time."""

    def __init__(self, holder: ImportRun | None) -> None:
        self.holder = holder
        if holder is None:
            message = "another import has just started: imports run one at a time, try again"
        else:
            who = person_name(holder.started_by) if holder.started_by else "the command line"
            started = timezone.localtime(holder.started_at)
            message = (
                f"{holder.file_name} is being imported ({holder.kind.replace('_', ' ')}, by {who},"
                f" started {started:%Y-%m-%d %H:%M}): imports run one at a time, try again when"
                " it has finished"
            )
        super().__init__(message)


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def run_folder(run_id: int) -> Path:
    return uploads_dir() / str(run_id)


def _progress_file(run_id: int) -> Path:
    return run_folder(run_id) / "progress.json"


# -- claim ------------------------------------------------------------------------------------
def import_run_claim(
    *, kind: str, file_name: str, mapping: str, dry_run: bool, actor: User | None
) -> ImportRun:
    """Record a run as running for this process and held by this thread (`import_run_let_go`
    when done), or raise `ImportBusyError` naming the run that holds the turn. Runs whose
    process has gone are failed first, so they block nothing."""
    for _ in range(3):
        import_runs_stalled_fail()
        try:
            with transaction.atomic():
                run = ImportRun.objects.create(
                    kind=kind,
                    file_name=Path(file_name).name,
                    sha256="",
                    mapping=mapping,
                    started_at=timezone.now(),
                    dry_run=dry_run,
                    status=ImportStatus.RUNNING,
                    started_by=actor,
                    pid=os.getpid(),
                    host=HOST,
                )
                # Held by this thread before anyone can see the run, so no look from another
                # thread of this process takes it for a stopped one.
                import_run_hold(run.pk)
            return run
        except IntegrityError:
            holder = (
                ImportRun.objects.filter(status=ImportStatus.RUNNING)
                .select_related("started_by")
                .first()
            )
            if holder is not None and not _stalled(holder, timezone.now()):
                raise ImportBusyError(holder) from None
            # It ended (or died) between our insert and this look: try again.
    raise ImportBusyError(None)


def import_run_hold(run_id: int) -> None:
    """This thread runs `run_id` (marks it alive for `import_runs_stalled_fail`)."""
    with _threads_lock:
        _threads[run_id] = threading.current_thread()


def import_run_let_go(run_id: int) -> None:
    with _threads_lock:
        _threads.pop(run_id, None)


def import_run_fail(run_id: int, error: str) -> int:
    """Mark a running run failed (a run that already ended is left as it is)."""
    return ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=error, finished_at=timezone.now()
    )


# -- progress ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RunProgress:
    phase: str
    seen: int
    total: int | None
    at: datetime | None
    pid: int | None = None  # the process running the import
    host: str = ""

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.seen / self.total)))


def import_run_progress_record(*, run_id: int, phase: str, seen: int, total: int | None) -> None:
    """Write a running import's progress where every process can read it."""
    target = _progress_file(run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    payload = {
        "phase": phase,
        "seen": seen,
        "total": total,
        "at": timezone.now().isoformat(),
        "pid": os.getpid(),
        "host": HOST,
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
        host=str(data.get("host") or ""),
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


# -- runs that stopped ------------------------------------------------------------------------
def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _process_started(pid: int) -> datetime | None:
    """When process `pid` started (Linux /proc), or None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    # Field 22 (after the command name in parentheses) is the start in clock ticks since boot.
    ticks = int(stat.rpartition(")")[2].split()[19])
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), tz=UTC)


def _stalled(run: ImportRun, now: datetime) -> bool:
    """The run's process or thread is gone: killed, restarted, or (on another machine) silent
    for `STALLED_AFTER`."""
    with _threads_lock:
        thread = _threads.get(run.pk)
    # A thread not started yet (its ident is None) is about to run it.
    if thread is not None and (thread.ident is None or thread.is_alive()):
        return False
    progress = import_run_progress(run=run)
    host = run.host or progress.host or HOST
    pid = run.pid or progress.pid
    if host == HOST and pid is not None:
        if pid == os.getpid():
            return True  # this process runs no thread for it (checked above)
        if not _process_alive(pid):
            return True
        started = _process_started(pid)
        # A process that started after the run is not the run's (the pid was reused).
        return started is not None and started > run.started_at + timedelta(seconds=5)
    return now - (progress.at or run.started_at) > STALLED_AFTER


def import_runs_stalled_fail(*, now: datetime | None = None) -> int:
    """Mark failed the running runs whose process or thread is gone."""
    now = now or timezone.now()
    failed = 0
    for run in ImportRun.objects.filter(status=ImportStatus.RUNNING):
        if _stalled(run, now):
            failed += import_run_fail(
                run.pk,
                "the import stopped without finishing (the server stopped or restarted, or its"
                " process was killed)",
            )
    return failed


# -- leftovers --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Leftovers:
    runs_failed: int
    uploads: int
    temp_folders: int
    staged: int


def import_leftovers_remove(*, now: datetime | None = None) -> Leftovers:
    """Fail stopped runs, then remove what no live run can own: the upload folders of runs that
    are not running, the reader's temporary folders from before every live run (and older than
    `IMPORT_TEMP_GRACE_MINUTES`: a mapping page reading a file takes no claim), and staged
    uploads past their day."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.IMPORT_TEMP_GRACE_MINUTES)
    failed = import_runs_stalled_fail(now=now)
    # Listed before the runs are read: a folder exists only after its run was committed, so a
    # run started in between is found running.
    folders = [p for p in uploads_dir().glob("*") if p.is_dir() and p.name.isdigit()]
    temps = list(Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"))
    running = list(ImportRun.objects.filter(status=ImportStatus.RUNNING))
    live = {r.pk for r in running}
    uploads = 0
    for folder in folders:
        if int(folder.name) not in live:
            shutil.rmtree(folder, ignore_errors=True)
            uploads += 1
    # A live run's reader made its folder after the run started.
    oldest_live = min((r.started_at for r in running), default=None)
    removed_temps = 0
    for folder in temps:
        try:
            made = datetime.fromtimestamp(folder.stat().st_mtime, tz=UTC)
        except OSError:
            continue
        if now - made < grace or (oldest_live is not None and made >= oldest_live):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed_temps += 1
    return Leftovers(failed, uploads, removed_temps, staged_uploads_expire(now=now))
