"""Published analytics snapshots: one writer syncs, every process reads (docs/decisions/0014).

In the data directory:

- `analytics.duckdb`, the working copy: the incremental sync (decision 0002) writes it, and only
  while holding `analytics.lock` (a file lock, so one writer across threads and processes);
- `analytics-<n>.duckdb`, published snapshots: a copy of the working file taken after a sync that
  changed data, with the static relations (decision 0010) already computed in it, never written
  again. Readers attach them read-only, so any number of processes read at once, and a sync never
  makes a reader wait or fail;
- `analytics.json`, the current publication: which snapshot, its data version, the operational
  database's fingerprint it was synced from, and the sync's report. Replaced atomically.

A snapshot replaced by a newer one stays on disk until the one after: a process that read the
old pointer can still attach it, and a file already attached stays readable after unlink.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db import connections

from recoup.core.db_changes import source_fingerprint
from recoup.ledger.selectors import ledger_fingerprint
from recoup.metrics.duckdb_engine import configure, connect_waiting, latest_date, synced_version
from recoup.metrics.sync import SyncReport, source_version, sync_duckdb

WORKING = "analytics.duckdb"
POINTER = "analytics.json"
LOCK = "analytics.lock"


@dataclass(frozen=True, slots=True)
class Publication:
    """One published snapshot and what it was made from."""

    seq: int
    file: str
    version: str  # the sync's watermarks: equal versions hold equal data
    source: str  # what the operational database held when it was synced (`source_now`)
    checked_at: float  # when a sync last confirmed it (epoch seconds)
    report: str  # what that sync found, for people ("synced at ...: no changes")
    data_as_of: str | None  # the latest business date in it
    # The earliest business date the sync that published it changed (stored snapshots are
    # recomputed from there, whichever process synced).
    earliest_changed: str | None = None
    # Not stored: set on a reading when the ledger has changed since and a sync is pending.
    refreshing: bool = False

    @property
    def id(self) -> str:
        return f"{self.seq}:{self.version}"

    @property
    def latest_date(self) -> date | None:
        return date.fromisoformat(self.data_as_of) if self.data_as_of else None


def source_now() -> str:
    """What the operational database holds now, in short: on a SQLite file this process's
    change counter (`recoup.core.db_changes`: changed by every commit, comparable only within
    this process), else the ledger's fingerprint (one query, changed by every ledger write)."""
    return source_fingerprint() or "ledger:" + ledger_fingerprint()


def _key(publication: Publication) -> str:
    return f"{publication.id}:{publication.source}"


class FileLock:
    """An exclusive `flock` on `path`: one holder across threads and processes alike (each
    acquisition opens the file anew), released by the kernel if its holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float) -> bool:
        """Takes the lock, waiting up to `wait` seconds (0: only if it is free now)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        pause = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
                continue
            self._fd = fd
            return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class AnalyticsBusyError(RuntimeError):
    """No snapshot is published yet and another process is still building the first one."""


class Store:
    """The analytics files of one data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: tuple[tuple[int, int, int], Publication] | None = None
        # A publication another process synced, which this one found current by its tables,
        # and `source_now()` here then: fresh until the next commit.
        self._confirmed: tuple[str, str] | None = None

    @property
    def working(self) -> Path:
        return self.directory / WORKING

    def lock(self) -> FileLock:
        return FileLock(self.directory / LOCK)

    def current(self) -> Publication | None:
        """The current publication; re-read only when the pointer file changed (one `stat`)."""
        path = self.directory / POINTER
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        seen = self._seen
        if seen is not None and seen[0] == key:
            return seen[1]
        try:
            fields = json.loads(path.read_text())
            publication = Publication(**fields)
        except (OSError, ValueError, TypeError):
            return None  # replaced while read, or written by another version: sync again
        self._seen = (key, publication)
        return publication

    def stale(self, publication: Publication) -> bool:
        """Whether the operational database may have changed since `publication` was synced.
        Cheap (no table is read): True for a publication another process synced until this one
        confirms it (`refresh`)."""
        return not self._fresh(publication, source_now())

    def _fresh(self, publication: Publication, source: str) -> bool:
        return source == publication.source or self._confirmed == (_key(publication), source)

    def _holds(self, publication: Publication, source: str) -> bool:
        """Whether `publication` holds what the operational database held when `source` was
        taken: by the fingerprint, else by its tables (`source_version`, one query each)."""
        if self._fresh(publication, source):
            return True
        if not (self.directory / publication.file).exists():
            return False
        if source_version() != publication.version:
            return False
        # Current, though synced by another process (or before a commit that changed no synced
        # row, such as a log-in): noted here, the pointer is left alone, so the other
        # processes' notes stay valid.
        self._confirmed = (_key(publication), source)
        return True

    def confirm(self) -> bool:
        """Whether the current publication holds what the operational database holds now,
        checked without the writer's lock (nothing is written): a commit that changed no synced
        row then costs no sync and no wait."""
        current = self.current()
        return current is not None and self._holds(current, source_now())

    def refresh(
        self, prepare: Callable[[duckdb.DuckDBPyConnection], None], *, threads: int | None = None
    ) -> SyncReport | None:
        """Syncs the working copy and publishes it if its data changed; `None` when the current
        publication holds what the operational database holds (another writer made it fresh
        while this one waited for the lock, or its tables say so).

        `prepare(connection)` computes what readers should find ready in the snapshot (the
        static relations); it runs only when a new snapshot is published. The sync reads the
        operational database on this thread's connection: call it where that connection sees
        only committed data (see `refresh_in_thread`). `threads` bounds DuckDB's threads (a
        server's background refresh leaves the other cores to the readers)."""
        lock = self.lock()
        if not lock.acquire(settings.DUCKDB_LOCK_WAIT_SECONDS):
            raise AnalyticsBusyError(
                f"another process has held {lock.path} for over "
                f"{settings.DUCKDB_LOCK_WAIT_SECONDS:g} s (RECOUP_DUCKDB_LOCK_WAIT)"
            )
        try:
            before = self.current()
            # Taken before the checks and the sync: a commit during them leaves the pointer
            # stale, never fresh.
            source = source_now()
            if before is not None and self._holds(before, source):
                return None
            report = self._sync_and_publish(before, source, prepare, threads)
        finally:
            lock.release()
        return report

    def _sync_and_publish(
        self,
        before: Publication | None,
        source: str,
        prepare: Callable[[duckdb.DuckDBPyConnection], None],
        threads: int | None,
    ) -> SyncReport:
        self.directory.mkdir(parents=True, exist_ok=True)
        raw = connect_waiting(str(self.working))
        try:
            configure(raw)
            if threads is not None:
                raw.execute("SET threads = ?", [threads])
            report = sync_duckdb(raw)
            version = synced_version(raw)
            if (
                before is not None
                and before.version == version
                and (self.directory / before.file).exists()
            ):
                self._point(
                    replace(before, source=source, checked_at=time.time(), report=report.describe())
                )
                return report
            prepare(raw)
            latest = latest_date(raw)
        finally:
            raw.close()  # checkpoints: the file alone holds every change, ready to copy
        seq = (before.seq if before is not None else self._highest_seq()) + 1
        name = f"analytics-{seq:06d}.duckdb"
        partial = self.directory / f".{name}.partial"
        shutil.copyfile(self.working, partial)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, self.directory / name)
        self._point(
            Publication(
                seq=seq,
                file=name,
                version=version,
                source=source,
                checked_at=time.time(),
                report=report.describe(),
                data_as_of=latest.isoformat() if latest else None,
                earliest_changed=(
                    report.earliest_changed.isoformat() if report.earliest_changed else None
                ),
            )
        )
        self._remove_old(keep_from=before.seq if before is not None else seq)
        return report

    def _point(self, publication: Publication) -> None:
        fields = asdict(publication)
        del fields["refreshing"]
        partial = self.directory / f".{POINTER}.partial"
        partial.write_text(json.dumps(fields, indent=1))
        os.replace(partial, self.directory / POINTER)

    def _snapshots(self) -> Iterator[tuple[int, Path]]:
        for path in self.directory.glob("analytics-*.duckdb"):
            number = path.stem.removeprefix("analytics-")
            if number.isdigit():
                yield int(number), path

    def _highest_seq(self) -> int:
        return max((seq for seq, _path in self._snapshots()), default=0)

    def _remove_old(self, keep_from: int) -> None:
        """Removes snapshots older than the previous one, and copies a crash left half made."""
        for seq, path in self._snapshots():
            if seq < keep_from:
                path.unlink(missing_ok=True)
        for partial in self.directory.glob(".analytics-*.partial"):
            partial.unlink(missing_ok=True)


def refresh_in_thread(
    store: Store, prepare: Callable[[duckdb.DuckDBPyConnection], None]
) -> SyncReport | None:
    """`store.refresh` on a thread of its own, waiting for it: a database connection of its own
    reads only committed rows, whatever transaction the caller is in."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["report"] = store.refresh(prepare)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="recoup-analytics-sync")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    report: SyncReport | None = outcome.get("report")
    return report


@contextmanager
def held(lock: FileLock, wait: float) -> Iterator[bool]:
    """`with held(lock, wait) as got:` the lock for the block if `got`."""
    got = lock.acquire(wait)
    try:
        yield got
    finally:
        if got:
            lock.release()
