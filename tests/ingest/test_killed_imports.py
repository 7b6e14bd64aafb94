"""Fault injection: `recoup import` killed with SIGKILL at ten seeded points (while it stages
rows, checks them, merges them, or right before its COMMIT) leaves the ledger exactly as it was,
and the next import succeeds, imports every row and records the killed run as failed.

Each seed's file inserts new invoices and changes the amounts of the previous seed's (so a
kill in the merge interrupts inserts, updates and their audit rows). The import runs in
`killable_import.py`, which stops at the seed's point for the test to kill it from outside; the
next import runs in the test's process. Both work on the test database, so on SQLite this needs
a database file (`make test-sqlite` runs this module with RECOUP_TEST_DATABASE_FILE=1).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings

from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import ledger_fingerprint
from tests.ingest.conftest import ledger_fingerprint as ledger_checksums

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = range(10)
NEW_ROWS = 6_000  # new invoices per seed; as many of the previous seed's are changed
RUNNER = Path(__file__).with_name("killable_import.py")
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The test database, for the import processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(str(db['PASSWORD']))}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(str(db['USER']))}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def env(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
        # Another process cannot open Django's in-memory test database.
        pytest.fail("needs a database file on SQLite: run with RECOUP_TEST_DATABASE_FILE=1")
    # Data and temporary folders of the test's own, for both processes.
    settings.DATA_DIR = tmp_path / "var"
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = dict(os.environ)
    out["DATABASE_URL"] = _database_url()
    out["RECOUP_DATA_DIR"] = str(settings.DATA_DIR)
    out["TMPDIR"] = str(temp)
    out["PYTHONPATH"] = str(ROOT)
    return out


def kill_point(seed: int) -> tuple[str, float]:
    """The seed's point to kill the import at, and how long after it is reached."""
    rng = random.Random(seed)
    rows = 2 * NEW_ROWS if seed else NEW_ROWS
    match seed % 4:
        case 0:
            return f"reading:{rng.randrange(1, rows)}", 0.0
        case 1:
            return "checking", 0.0
        case 2:
            return "loading", rng.uniform(0.0, 0.4)  # inside the merge's statements
        case _:
            return "commit", 0.0


def _write_file(path: Path, seed: int) -> int:
    """Seed `seed`'s invoices: new ones, and the previous seed's new ones with a new amount."""
    rows = 0
    with path.open("w") as out:
        out.write("external_id,customer,issue_date,due_date,amount\n")
        for s, cents in ((seed, 25), (seed - 1, 75)):
            if s < 0:
                continue
            for i in range(NEW_ROWS):
                out.write(f"INV-{s:02d}-{i:06d},C-{i % 3},2024-01-05,2024-02-04,{i + 1}.{cents}\n")
                rows += 1
    return rows


def _kill_at(env: dict[str, str], point: str, delay: float, path: Path) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), point, "invoices", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)  # a runner that never gets there
    watchdog.start()
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("KILL-POINT"):
                time.sleep(delay)
                os.kill(process.pid, signal.SIGKILL)
                break
        process.wait(60)
    finally:
        watchdog.cancel()
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    return seen


@pytest.mark.slow
def test_an_import_killed_at_ten_seeded_points_leaves_the_ledger_unchanged_each_time(
    env: dict[str, str], tmp_path: Path
) -> None:
    for n in range(3):
        Customer.objects.create(external_id=f"C-{n}", name=f"Customer {n}")
    expected_invoices = 0
    for seed in SEEDS:
        path = tmp_path / f"invoices-{seed}.csv"
        rows = _write_file(path, seed)
        digest, checksums = ledger_fingerprint(), ledger_checksums()
        point, delay = kill_point(seed)

        seen = _kill_at(env, point, delay, path)

        where = f"seed {seed}, killed at {point} (+{delay:.2f} s): {''.join(seen[-3:])}"
        assert ledger_fingerprint() == digest, where
        assert ledger_checksums() == checksums, where
        killed = ImportRun.objects.get(status=ImportStatus.RUNNING)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA integrity_check")
                assert cursor.fetchone()[0] == "ok", where

        # The next import, in this process (a second interpreter per seed would double the
        # test's time): `recoup import` as the console script runs it.
        out = StringIO()
        call_command("import", "invoices", str(path), stdout=out)
        assert "imported" in out.getvalue(), where + out.getvalue()
        expected_invoices += NEW_ROWS
        assert Invoice.objects.count() == expected_invoices, where
        run = ImportRun.objects.exclude(pk=killed.pk).latest("id")
        assert (run.status, run.rows, run.inserted) == (ImportStatus.SUCCEEDED, rows, NEW_ROWS)
        assert run.updated == rows - NEW_ROWS, where
        killed.refresh_from_db()
        assert killed.status == ImportStatus.FAILED, where
        assert "stopped without finishing" in killed.error, where
    last = Invoice.objects.get(external_id=f"INV-{max(SEEDS):02d}-000000")
    assert last.amount_minor == 125
    assert Invoice.objects.get(external_id="INV-00-000009").amount_minor == 1075
