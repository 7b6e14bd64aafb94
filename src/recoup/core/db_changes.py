"""Whether the operational SQLite database changed, told without touching SQLite's own files.

A process keeps one read-only SQLite connection to the database for this alone and reads its
`PRAGMA data_version`, which changes whenever any other connection commits. The fingerprint is
that counter with a token naming the connection, so it is comparable only within this process:
another process's fingerprint never matches (the caller then checks the tables, a cost, never a
missed change). Decision 0014.

Never `open()` SQLite's files (`-shm`, `-wal`, the database) from Python to read them: closing any
descriptor of a file drops every POSIX lock this process holds on it, SQLite's included. Another
process then takes the `-shm` for unused, resets and truncates it while this one has it mapped,
and this one dies of SIGBUS (three web workers did, under the load benchmark).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection


@dataclass(slots=True)
class _Counter:
    path: Path
    inode: int
    pid: int
    token: str
    watch: sqlite3.Connection


_lock = threading.Lock()
_counter: _Counter | None = None
# Connections inherited through a fork: kept, never closed, so closing one cannot drop a lock
# this process's own connections hold on the same files.
_inherited: list[_Counter] = []


def _after_fork_in_child() -> None:
    global _lock, _counter
    _lock = threading.Lock()
    if _counter is not None:
        _inherited.append(_counter)
        _counter = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def _open(path: Path, inode: int) -> _Counter:
    watch = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=5.0,
        isolation_level=None,  # autocommit: no read transaction stays open between reads
        check_same_thread=False,  # shared by this process's threads under `_lock`
    )
    return _Counter(path, inode, os.getpid(), uuid.uuid4().hex[:12], watch)


def sqlite_fingerprint(path: Path) -> str | None:
    """This process's change counter of the SQLite database at `path`: equal values mean no
    commit happened in between. None if the file is missing or cannot be read now."""
    global _counter
    try:
        inode = path.stat().st_ino
    except OSError:
        return None
    with _lock:
        counter = _counter
        if counter is None or counter.path != path or counter.inode != inode:
            # A replaced file (a new inode) has a counter of its own. Closing the old connection
            # through SQLite is safe: SQLite keeps a descriptor open while its locks need it.
            if counter is not None:
                counter.watch.close()
                _counter = None
            try:
                counter = _counter = _open(path, inode)
            except sqlite3.Error:
                return None
        try:
            version = counter.watch.execute("PRAGMA data_version").fetchall()[0][0]
        except sqlite3.Error:
            return None
    return f"sqlite:{counter.token}:{version}"


def source_fingerprint() -> str | None:
    """The operational database's change counter in this process (`sqlite_fingerprint`); None
    off SQLite files (an in-memory database, PostgreSQL)."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or "memory" in name:
        return None
    return sqlite_fingerprint(Path(name))
