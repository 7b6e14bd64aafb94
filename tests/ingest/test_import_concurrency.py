"""Imports beside other writers: a login (the service, and the whole log-in request), a check-in,
a logged call or a second import answer at once while a file is read and checked (a dry run too), and two
starts in the same instant let one through.

Each write runs in its own thread with its own database connection, so the database, not the
test, decides who waits. On SQLite this needs a database file (`make test-sqlite` runs this
module with RECOUP_TEST_DATABASE_FILE=1); on PostgreSQL `scripts/with-postgres` runs it as is.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.ingest import runs
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.runs import ImportBusyError, import_run_start, import_threads_join
from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import Customer, Invoice
from recoup.okrs.models import KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import checkin_create, plan_apply
from recoup.web.services import login_attempt_claim
from recoup.workspace.services.contacts import contact_log

pytestmark = pytest.mark.django_db(transaction=True)

# The goal for a write during an import; a free write here takes a few milliseconds.
ANSWER_WITHIN = 1.0
ROWS = 20_000
PASSWORD = "correct horse battery staple 42"

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
people:
  - username: ana
    role: manager
    teams: [North]
objectives:
  - key: cash
    title: Turn receivables into cash sooner
    owner: ana
    team: North
    key_results:
      - key: promises
        title: Payment promises kept
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: ana
"""


@pytest.fixture(autouse=True)
def _database_file(settings: Settings, tmp_path: Path) -> None:
    if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
        # Threads on Django's shared in-memory database lock each other out at once: the wait
        # is not measured there, so say how to run it rather than pass (make test sets it).
        pytest.fail("needs a database file on SQLite: run with RECOUP_TEST_DATABASE_FILE=1")
    settings.DATA_DIR = tmp_path / "var"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def invoices_file(tmp_path: Path) -> Path:
    Customer.objects.create(external_id="C-1", name="Acme")
    path = tmp_path / "invoices.csv"
    lines = ["external_id,customer,issue_date,due_date,amount"]
    lines += [f"INV-{i:06d},C-1,2024-01-05,2024-02-04,{i % 9000 + 1}.25" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Answer:
    phase: str
    write: str
    seconds: float | None  # None: still waiting when the import moved on
    outcome: str = "waiting"


@dataclass
class Bystanders:
    """Writes made from other threads each time the import reports a new phase, timed."""

    writes: dict[str, Callable[[], object]]
    skip: tuple[str, ...] = ()
    answers: list[Answer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def __call__(self, phase: str, seen: int, total: int | None) -> None:
        if phase.startswith(self.skip) or any(a.phase == phase for a in self.answers):
            return
        for name, write in self.writes.items():
            answer = Answer(phase, name, None)
            self.answers.append(answer)
            thread = threading.Thread(target=self._timed, args=(answer, write))
            thread.start()
            self.threads.append(thread)
            # Not longer: on a database whose lock the import holds, the write waits for its end.
            thread.join(ANSWER_WITHIN * 2)

    @staticmethod
    def _timed(answer: Answer, write: Callable[[], object]) -> None:
        started = time.monotonic()
        try:
            write()
            answer.outcome = "ok"
        except Exception as error:  # the outcome the test reports
            answer.outcome = f"{type(error).__name__}: {error}"
        finally:
            answer.seconds = time.monotonic() - started
            connections.close_all()

    def finish(self) -> list[Answer]:
        for thread in self.threads:
            thread.join(60)
        return self.answers


@pytest.fixture
def key_result(db: None) -> KeyResult:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    return KeyResult.objects.get(key="promises")


@pytest.fixture
def other_file(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\nC-9,Zeta\n")
    return path


def _writes(key_result: KeyResult, other_file: Path) -> dict[str, Callable[[], object]]:
    author = User.objects.get(username="ana")
    counter = iter(range(1000))

    def login() -> object:
        return login_attempt_claim(username="nina", ip=f"203.0.113.{next(counter) % 250}")

    def check_in() -> object:
        kr = KeyResult.objects.get(pk=key_result.pk)
        return checkin_create(
            key_result=kr, value=Decimal(65), confidence="on_track", author=author, via="test"
        )

    def activity() -> object:
        # A collector logs a call on an account page: the contact rules read the ledger, then
        # the activity and its audit entry are written.
        customer = Customer.objects.order_by("pk").first()
        assert customer is not None
        return contact_log(
            actor=author,
            customer=customer,
            channel="call",
            direction="inbound",
            outcome="right_party_contact",
            note="called in while the import ran",
            via="test",
        )

    def second_import() -> object:
        try:
            ledger_file_import(kind="customers", path=other_file)
        except ImportBusyError as busy:
            return busy  # the answer expected: at once, naming the running import
        raise AssertionError("a second import started while one was running")

    def web_login() -> object:
        # The whole request: the attempt, the session, the user's last login, the audit entry.
        response = Client().post(reverse("web:login"), {"username": "max", "password": PASSWORD})
        if response.status_code != 302:
            raise AssertionError(f"the log-in page answered {response.status_code}")
        return response

    return {
        "login": login,
        "web log-in": web_login,
        "check-in": check_in,
        "activity": activity,
        "second import": second_import,
    }


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_other_writes_answer_at_once_while_an_import_reads_and_checks_its_file(
    dry_run: bool, invoices_file: Path, key_result: KeyResult, other_file: Path, manager: User
) -> None:
    # The final merge holds the write lock by design (as short as a merge can be): it is not
    # asked to answer within the second, everything before it is.
    bystanders = Bystanders(_writes(key_result, other_file), skip=("loading", "loaded"))
    outcome = ledger_file_import(
        kind="invoices", path=invoices_file, dry_run=dry_run, progress=bystanders
    )
    answers = bystanders.finish()
    assert outcome.ok, outcome.problems
    assert Invoice.objects.count() == (0 if dry_run else ROWS)
    phases = {a.phase for a in answers}
    assert {"reading invoices", "checking invoices"} <= phases
    slow = [a for a in answers if a.outcome != "ok" or (a.seconds or 99) > ANSWER_WITHIN]
    assert not slow, slow


def _write_locks_held_by_import() -> Callable[[str, int, int | None], None] | Any:
    """A progress callback that asks, from another connection, whether the import's own
    connection holds a write lock on the ledger right now; it collects the phases it did."""
    held: list[str] = []

    def probe(phase: str, seen: int, total: int | None) -> None:
        if connection.vendor == "sqlite":
            import sqlite3

            # Another process's view: can it take the write lock now, without waiting?
            other = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError:
                held.append(phase)
            finally:
                other.close()
            return
        with connection.cursor() as cursor:  # the import's own connection: this thread's
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        found: list[Any] = []

        def look() -> None:
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " WHERE l.pid = %s AND c.relname LIKE 'ledger%%'"
                    " AND l.mode <> 'AccessShareLock'",
                    [backend],
                )
                found.extend(cursor.fetchall())
            connections.close_all()

        other = threading.Thread(target=look)
        other.start()
        other.join(30)
        if found:
            held.append(f"{phase}: {found}")

    probe.held = held  # type: ignore[attr-defined]
    return probe


def test_a_dry_run_takes_no_write_lock_at_any_point(invoices_file: Path) -> None:
    probe = _write_locks_held_by_import()
    assert ledger_file_import(kind="invoices", path=invoices_file, dry_run=True, progress=probe).ok
    assert probe.held == []


def test_an_import_holds_the_write_lock_only_to_load(invoices_file: Path) -> None:
    probe = _write_locks_held_by_import()
    assert ledger_file_import(kind="invoices", path=invoices_file, progress=probe).ok
    assert all(phase.startswith(("loading", "loaded")) for phase in probe.held), probe.held


# -- one import at a time ---------------------------------------------------------------------
CONTENDERS = 6


@pytest.fixture
def manager(db: None) -> User:
    return user_create(
        username="max", password=PASSWORD, role=Role.MANAGER, first_name="Max", last_name="Moss"
    )


def _race(
    monkeypatch: pytest.MonkeyPatch, start: Callable[[int, Callable[[], None]], Any]
) -> tuple[list[Any], list[str]]:
    """`CONTENDERS` starts released together right before they decide; the winner `hold`s its
    import until every other has its answer, so no run ends before the others have tried."""
    gate = threading.Barrier(CONTENDERS, timeout=10)
    lined_up: set[int] = set()
    answered = threading.Semaphore(0)
    deadline = time.monotonic() + 20
    for module in _deciding_modules():
        original = module.import_runs_stalled_fail

        def synchronised(*args: Any, _original: Any = original, **kwargs: Any) -> int:
            done = _original(*args, **kwargs)
            if threading.get_ident() not in lined_up:  # a retry lines up with nobody
                lined_up.add(threading.get_ident())
                with contextlib.suppress(threading.BrokenBarrierError):
                    gate.wait()
            return int(done)

        monkeypatch.setattr(module, "import_runs_stalled_fail", synchronised)

    def hold() -> None:
        for _ in range(CONTENDERS - 1):
            answered.acquire(timeout=max(0.0, deadline - time.monotonic()))

    started: list[Any] = []
    refused: list[str] = []
    lock = threading.Lock()

    def contender(number: int) -> None:
        try:
            result = start(number, hold)
            with lock:
                started.append(result)
        except Exception as error:
            with lock:
                refused.append(str(error) if isinstance(error, ImportBusyError) else repr(error))
            answered.release()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    gate.abort()
    import_threads_join()
    return started, refused


def _deciding_modules() -> list[Any]:
    """Where the import's start looks for stopped runs right before it claims its turn."""
    import importlib

    modules = [runs]
    # Before the claim existed the check-then-create lived in runs alone.
    with contextlib.suppress(ImportError):
        modules.append(importlib.import_module("recoup.ingest.claims"))
    return modules


def test_of_uploads_started_in_the_same_instant_one_runs_and_the_others_are_told_who_holds_it(
    monkeypatch: pytest.MonkeyPatch, manager: User
) -> None:
    def start(number: int, hold: Callable[[], None]) -> ImportRun:
        def upload() -> Iterator[bytes]:
            hold()
            yield b"external_id,name\nC-7,Gamma\n"

        return import_run_start(
            kind="customers",
            file_name=f"upload-{number}.csv",
            chunks=upload(),
            mapping=None,
            dry_run=False,
            actor=manager,
        )

    started, refused = _race(monkeypatch, start)
    assert len(started) == 1, (started, refused)
    assert len(refused) == CONTENDERS - 1
    winner = started[0]
    for message in refused:
        assert f"{winner.file_name} is being imported (customers, by Max Moss, started" in message
    assert ImportRun.objects.count() == 1
    assert ImportRun.objects.get().status == ImportStatus.SUCCEEDED


def test_of_command_line_imports_started_in_the_same_instant_one_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def start(number: int, hold: Callable[[], None]) -> object:
        path = tmp_path / f"customers-{number}.csv"
        path.write_text("external_id,name\nC-7,Gamma\n")
        held: list[bool] = []

        def progress(phase: str, seen: int, total: int | None) -> None:
            if not held:  # the winner's first report: its run is claimed, its import running
                held.append(True)
                hold()

        return ledger_file_import(kind="customers", path=path, progress=progress)

    started, refused = _race(monkeypatch, start)
    assert len(started) == 1, (started, refused)
    assert all("is being imported (customers, by the command line" in m for m in refused)


def _running(manager: User, *, pid: int, file_name: str = "big.csv") -> ImportRun:
    return ImportRun.objects.create(
        kind="invoices",
        file_name=file_name,
        sha256="",
        started_at=timezone.now(),
        status=ImportStatus.RUNNING,
        started_by=manager,
        pid=pid,
        host=socket.gethostname()[:255],
    )


def test_the_upload_page_answers_409_naming_the_running_import(manager: User) -> None:
    # Held by a live process of this machine (the one that started the test run).
    _running(manager, pid=os.getppid())
    client = Client()
    client.force_login(manager)
    response = client.post(
        reverse("ingest:run"),
        {
            "kind": "customers",
            "mapping": "",
            "file": SimpleUploadedFile("c.csv", b"external_id,name\nC-7,Gamma\n"),
        },
    )
    assert response.status_code == 409
    assert "big.csv is being imported (invoices, by Max Moss, started" in response.content.decode()
    assert ImportRun.objects.count() == 1


def test_a_run_of_a_live_process_blocks_the_next_and_a_killed_one_is_failed(
    manager: User, other_file: Path
) -> None:
    held = _running(manager, pid=os.getppid(), file_name="live.csv")
    with pytest.raises(ImportBusyError, match=r"live\.csv is being imported"):
        ledger_file_import(kind="customers", path=other_file)
    finished = subprocess.Popen(["true"])  # a process that has certainly exited
    finished.wait()
    ImportRun.objects.filter(pk=held.pk).update(pid=finished.pid)
    assert ledger_file_import(kind="customers", path=other_file).ok
    held.refresh_from_db()
    assert held.status == ImportStatus.FAILED
    assert "stopped without finishing" in held.error
