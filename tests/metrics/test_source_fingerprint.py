"""The operational database's change counter (`recoup.core.db_changes`): it sees every commit, is
never shared between processes, and never drops the locks SQLite holds on its own files.

Closing any descriptor of a file drops all of the process's POSIX locks on it. A fingerprint that
opened and closed `-shm` released SQLite's, so another process reset the file under this one's
mapping: three web workers died of SIGBUS under the load benchmark (decision 0014).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from recoup.core.db_changes import sqlite_fingerprint
from recoup.metrics.sync import source_fingerprint

# Asks, from another process, which process would block a write lock over the whole file.
_WHO_LOCKS = """
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
kind, _whence, _start, _length, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, query))
print(0 if kind == fcntl.F_UNLCK else pid)
"""


def _holder_of(path: Path) -> int:
    found = subprocess.run(
        [sys.executable, "-c", _WHO_LOCKS, str(path)], capture_output=True, text=True, check=True
    )
    return int(found.stdout)


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    """A SQLite database file in WAL mode, as Recoup runs its operational database."""
    path = tmp_path / "ledger.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE fact (n INTEGER)")
    writer.close()
    return path


def _fingerprint(path: Path, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The fingerprint the sync takes of the operational database, here the file at `path`."""
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict, "NAME", str(path))
        return source_fingerprint()
    # On PostgreSQL the operational database has no file: the same counter, asked directly.
    return sqlite_fingerprint(path)


def test_taking_the_fingerprint_keeps_the_locks_sqlite_holds_on_its_shared_memory(
    ledger_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = sqlite3.connect(ledger_file, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM fact").fetchall()  # a read mark in -shm, locked
    shm = Path(f"{ledger_file}-shm")
    assert _holder_of(shm) == os.getpid(), "the test holds no lock to lose: it proves nothing"

    assert _fingerprint(ledger_file, monkeypatch)
    assert _fingerprint(ledger_file, monkeypatch)

    assert _holder_of(shm) == os.getpid()
    reader.execute("COMMIT")
    reader.close()


def test_the_fingerprint_changes_with_every_commit_of_another_connection(
    ledger_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _fingerprint(ledger_file, monkeypatch)
    assert first is not None
    assert _fingerprint(ledger_file, monkeypatch) == first

    writer = sqlite3.connect(ledger_file, isolation_level=None)
    for n in range(3):
        writer.execute("INSERT INTO fact VALUES (?)", [n])
        now = _fingerprint(ledger_file, monkeypatch)
        assert now != first
        first = now
    writer.close()


def test_another_process_never_has_the_same_fingerprint(ledger_file: Path) -> None:
    ours = sqlite_fingerprint(ledger_file)
    program = (
        "import sys; from pathlib import Path; from recoup.core.db_changes import "
        "sqlite_fingerprint; print(sqlite_fingerprint(Path(sys.argv[1])))"
    )
    theirs = subprocess.run(
        [sys.executable, "-c", program, str(ledger_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert ours is not None
    assert theirs.startswith("sqlite:")
    assert theirs != ours


def test_a_database_file_replaced_by_another_gets_a_counter_of_its_own(
    ledger_file: Path, tmp_path: Path
) -> None:
    before = sqlite_fingerprint(ledger_file)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE fact (n INTEGER)").connection.close()
    os.replace(other, ledger_file)

    assert sqlite_fingerprint(ledger_file) not in (None, before)
