"""`recoup import-cleanup`, and the start of `recoup serve` and `recoup worker` that run it: a
killed import's run is marked failed, the uploads of runs that no longer run and old temporary
folders of the reader are removed, and a live run's files are kept."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from recoup.core.management.commands import serve, worker
from recoup.ingest.claims import import_run_hold, import_run_let_go, run_folder
from recoup.ingest.mapping_edit import STAGED_FOR
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.tasks import import_leftovers_clean

pytestmark = pytest.mark.django_db

HOURS_AGO = timedelta(hours=2)


@pytest.fixture(autouse=True)
def temp_root(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data directory and the system's temporary directory, both this test's own."""
    settings.DATA_DIR = tmp_path / "var"
    settings.IMPORT_TEMP_GRACE_MINUTES = 60
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited (as a kill -9 leaves an import's)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _run(status: str, *, pid: int | None, started: timedelta = HOURS_AGO) -> ImportRun:
    return ImportRun.objects.create(
        kind="invoices",
        file_name="big.csv",
        sha256="",
        started_at=timezone.now() - started,
        status=status,
        pid=pid,
        host=socket.gethostname()[:255],
    )


def _upload(run: ImportRun) -> Path:
    folder = run_folder(run.pk)
    folder.mkdir(parents=True)
    (folder / "big.csv").write_text("external_id\nINV-1\n")
    (folder / "progress.json").write_text('{"phase": "reading invoices", "seen": 1}')
    return folder


def _folder(parent: Path, name: str, *, age: timedelta, content: bool = False) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    if content:
        (folder / "spill").mkdir()
        (folder / "spill" / "block.tmp").write_bytes(b"\0" * 1024)
    stamp = (timezone.now() - age).timestamp()
    os.utime(folder, (stamp, stamp))
    return folder


def test_a_killed_runs_record_is_failed_and_its_upload_and_old_temporary_folders_removed(
    temp_root: Path, dead_pid: int
) -> None:
    killed = _run(ImportStatus.RUNNING, pid=dead_pid)
    killed_upload = _upload(killed)
    finished_upload = _upload(_run(ImportStatus.SUCCEEDED, pid=dead_pid))
    old_empty = _folder(temp_root, "recoup-import-old1", age=HOURS_AGO)
    old_spilled = _folder(temp_root, "recoup-import-old2", age=HOURS_AGO, content=True)
    fresh = _folder(temp_root, "recoup-import-new", age=timedelta(minutes=5))
    not_ours = _folder(temp_root, "other-program-x", age=HOURS_AGO)
    staged = Path(temp_root.parent / "var" / "uploads" / "staged")
    stale_staged = _folder(staged, "a" * 22, age=STAGED_FOR + timedelta(hours=1))
    kept_staged = _folder(staged, "b" * 22, age=timedelta(hours=1))

    out = StringIO()
    call_command("import_cleanup", stdout=out)

    assert out.getvalue().strip() == (
        "imports marked failed: 1, uploads removed: 2, temporary folders removed: 2,"
        " staged uploads expired: 1"
    )
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED
    assert "stopped without finishing" in killed.error
    assert killed.finished_at is not None
    assert not killed_upload.exists()
    assert not finished_upload.exists()
    assert not old_empty.exists()
    assert not old_spilled.exists()
    assert not stale_staged.exists()
    assert fresh.is_dir()
    assert not_ours.is_dir()
    assert kept_staged.is_dir()


@pytest.fixture
def live_run() -> Iterator[ImportRun]:
    """A run held by a thread of this process (a web upload's import thread, running)."""
    run = _run(ImportStatus.RUNNING, pid=os.getpid(), started=timedelta(hours=3))
    import_run_hold(run.pk)
    yield run
    import_run_let_go(run.pk)


def test_the_files_of_a_live_run_are_kept_until_it_ends(
    temp_root: Path, live_run: ImportRun
) -> None:
    upload = _upload(live_run)
    # Made after the live run started: its reader's; older than the run: nobody's.
    its_reader = _folder(temp_root, "recoup-import-live", age=HOURS_AGO, content=True)
    before_it = _folder(temp_root, "recoup-import-older", age=timedelta(hours=4))

    call_command("import_cleanup", stdout=StringIO())

    live_run.refresh_from_db()
    assert live_run.status == ImportStatus.RUNNING
    assert (upload / "big.csv").is_file()
    assert (upload / "progress.json").is_file()
    assert its_reader.is_dir()
    assert not before_it.exists()

    import_run_let_go(live_run.pk)
    ImportRun.objects.filter(pk=live_run.pk).update(status=ImportStatus.SUCCEEDED)
    call_command("import_cleanup", stdout=StringIO())
    assert not upload.exists()
    assert not its_reader.exists()


def test_serve_cleans_up_before_it_serves(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, dead_pid: int
) -> None:
    settings.DEBUG = True  # no collectstatic
    served: list[bool] = []
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: served.append(True))
    killed = _run(ImportStatus.RUNNING, pid=dead_pid)
    upload = _upload(killed)

    call_command("serve", "--no-warm", "--port", "8765", stdout=StringIO())

    assert served == [True]
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED
    assert not upload.exists()


def _pending_cleanups() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path=import_leftovers_clean.module_path, status="READY", finished_at__isnull=True
        )
    )


def test_the_worker_cleans_up_at_start_and_keeps_one_cleanup_job_scheduled(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, dead_pid: int
) -> None:
    settings.IMPORT_LEFTOVERS_EVERY_MINUTES = 15
    polled: list[str] = []

    def commands(name: str, *args: Any, **options: Any) -> None:
        if name == "db_worker":  # the job loop itself: not run here
            polled.append(name)
            return
        call_command(name, *args, stdout=StringIO(), **options)

    monkeypatch.setattr(worker, "call_command", commands)
    killed = _run(ImportStatus.RUNNING, pid=dead_pid)
    upload = _upload(killed)

    call_command("worker", "--batch")

    assert polled == ["db_worker"]
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED
    assert not upload.exists()
    [job] = _pending_cleanups()
    # On a 15-minute boundary, the same in every worker's scheduler.
    assert timedelta(0) < job.run_after - timezone.now() <= timedelta(minutes=15)
    assert job.run_after.minute % 15 == 0
    assert job.run_after.second == 0
    call_command("worker", "--batch")
    assert len(_pending_cleanups()) == 1


def test_the_cleanup_job_removes_leftovers_and_schedules_its_next_run(dead_pid: int) -> None:
    killed = _run(ImportStatus.RUNNING, pid=dead_pid)
    upload = _upload(killed)

    left = import_leftovers_clean.call()

    assert left == {"runs_failed": 1, "uploads": 1, "temp_folders": 0, "staged": 0}
    assert not upload.exists()
    assert ImportRun.objects.get(pk=killed.pk).status == ImportStatus.FAILED
    assert len(_pending_cleanups()) == 1
