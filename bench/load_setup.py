"""The load benchmark's instance: its data directory, the people it logs in as, the server and
the import it runs, each process started here and stopped by its PID."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from bench.load_http import Client, percentile

RECOUP = str(Path(sys.executable).parent / "recoup")
ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "okrs" / "debt-collection.yaml"
JOIN_TIMEOUT_S = 150.0
READY_TIMEOUT_S = 1800.0
CUSTOMERS_KEPT = 500


@dataclass(frozen=True)
class Setup:
    """Who the benchmark acts as, written beside the pristine ledger."""

    invoices: int
    password: str
    readers: list[str]  # managers first, then collectors
    tokens: dict[str, str]  # username -> API token secret
    writer: str  # a collector: API check-ins of their key result, activities uploads
    writer_manager: str  # web-form check-ins
    writer_login: str  # logs in again and again
    kr_api: int
    kr_web: int
    customers: list[str]  # external ids in the writer's book
    # Their database ids, in the same order: the account pages the writer logs calls on. Empty
    # in a setup saved before they were kept (then no call is logged).
    customer_ids: list[int] = field(default_factory=list)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "recoup.settings"
    return env


def _run(data_dir: Path, *args: str) -> str:
    done = subprocess.run([RECOUP, *args], env=_env(data_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"recoup {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def child(report: Path) -> None:
    """Inside the pristine instance (Django set up on it): passwords, tokens, ids."""
    import secrets

    import django

    django.setup()
    from recoup.accounts.models import Role, User
    from recoup.accounts.services import api_token_create
    from recoup.ledger.models import Assignment
    from recoup.okrs.models import KeyResult

    password = secrets.token_urlsafe(12)
    managers = list(User.objects.filter(role=Role.MANAGER, username__startswith="demo."))
    collectors = list(
        User.objects.filter(role=Role.COLLECTOR, is_active=True, username__startswith="demo.")
    )
    managers.sort(key=lambda u: u.username)
    # Up to three collectors of each team, the teams taken in turn.
    collectors.sort(key=lambda u: (u.username.rsplit(".", 1)[1], u.username))
    chosen = [*managers[:3], *collectors[:9]]
    qa = KeyResult.objects.get(key="qa-score", objective__key="collect-fairly")
    training = KeyResult.objects.get(key="compliance-training", objective__key="collect-fairly")
    assert qa.owner is not None
    assert training.owner is not None
    login_user = next(u for u in collectors if u.pk != qa.owner.pk)
    tokens: dict[str, str] = {}
    for user in {*chosen, qa.owner, training.owner, login_user}:
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        tokens[user.username] = api_token_create(user=user, name="load bench", via="bench").secret
    customers = Assignment.objects.filter(collector=qa.owner, valid_to__isnull=True)
    kept = list(
        customers.order_by("customer_id").values_list("customer__external_id", "customer_id")[
            :CUSTOMERS_KEPT
        ]
    )
    info = Setup(
        invoices=0,
        password=password,
        readers=[u.username for u in chosen],
        tokens=tokens,
        writer=qa.owner.username,
        writer_manager=training.owner.username,
        writer_login=login_user.username,
        kr_api=qa.pk,
        kr_web=training.pk,
        customers=[external_id for external_id, _ in kept],
        customer_ids=[pk for _, pk in kept],
    )
    report.write_text(json.dumps(asdict(info)))


class Workspace:
    """DATA_DIR/pristine: the ledger after setup; DATA_DIR/run: this run's copy of it."""

    def __init__(self, data_dir: Path | None) -> None:
        self.keep = data_dir is not None
        self.root = data_dir or Path(tempfile.mkdtemp(prefix="recoup-bench-load-"))

    def __enter__(self) -> Workspace:
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def prepare(self, invoices: int, *, reuse: bool) -> Setup:
        pristine = self.root / "pristine"
        saved = pristine / "setup.json"
        if reuse and saved.exists():
            info = Setup(**json.loads(saved.read_text()))
            if info.invoices == invoices:
                print(f"reusing the ledger of {invoices:,} invoices in {pristine}", flush=True)
                return info
        shutil.rmtree(pristine, ignore_errors=True)
        started = time.perf_counter()
        _run(pristine, "migrate", "-v0")
        _run(
            pristine,
            "demo-data",
            "--invoices",
            str(invoices),
            "--seed",
            "1",
            "--as-of",
            "2026-09-30",
            "-v0",
        )
        print(f"demo ledger of {invoices:,} invoices: {time.perf_counter() - started:.0f} s")
        _run(pristine, "okr", "apply", str(PLAN))
        report = self.root / "setup-child.json"
        done = subprocess.run(
            [sys.executable, "-m", "bench", "load", "--setup-child", str(report)],
            env=_env(pristine),
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise SystemExit("setting up the people failed")
        info = Setup(**{**json.loads(report.read_text()), "invoices": invoices})
        report.unlink()
        saved.write_text(json.dumps(asdict(info)))
        print(f"set up in {time.perf_counter() - started:.0f} s in all", flush=True)
        return info

    def fresh_copy(self) -> Path:
        run = self.root / "run"
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(self.root / "pristine", run, ignore=shutil.ignore_patterns("setup.json"))
        # A ledger kept from an earlier run of older code gets the migrations added since.
        _run(run, "migrate", "-v0")
        return run

    def import_file(self, rows: int) -> Path:
        """`rows` new invoices: the ledger's own invoices in turn, under new external ids."""
        path = self.root / f"load-invoices-{rows}.csv"
        if path.exists():
            return path
        started = time.perf_counter()
        database = self.root / "pristine" / "recoup.sqlite3"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
            source = con.execute(
                "SELECT c.external_id, i.issue_date, i.due_date, i.amount_minor, i.currency"
                " FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id"
                " ORDER BY i.id"
            ).fetchall()
        partial = path.with_suffix(".partial")
        with partial.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(
                ["external_id", "customer", "issue_date", "due_date", "amount", "currency"]
            )
            for n in range(rows):
                customer, issued, due, minor, currency = source[n % len(source)]
                amount = f"{minor // 100}.{minor % 100:02d}"
                out.writerow([f"LOAD-{n:08d}", customer, issued, due, amount, currency])
        partial.rename(path)
        print(f"import file of {rows:,} invoices: {time.perf_counter() - started:.0f} s")
        return path


def activities_csv(info: Setup, tag: str, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "customer", "channel", "outcome", "collector", "occurred_at"])
    for n in range(rows):
        customer = info.customers[(zlib.crc32(tag.encode()) + n) % len(info.customers)]
        stamp = f"2026-09-{1 + n % 28:02d}T{9 + n % 8:02d}:15:00Z"
        writer.writerow(
            [f"LOADACT-{tag}-{n:03d}", customer, "call", "no_answer", info.writer, stamp]
        )
    return out.getvalue().encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`recoup serve` with its defaults on a free port; stopped by its PID."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.log = data_dir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Server:
        started = time.perf_counter()
        # A worker killed by a signal (SIGSEGV, SIGBUS) writes each thread's Python stack to the
        # log first: which code it was running is then in the report.
        env = {**_env(self.data_dir), "PYTHONFAULTHANDLER": "1"}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [RECOUP, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while True:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"recoup serve ended with {self.process.returncode}:\n{self._tail()}"
                )
            probe = Client(self.port)
            try:
                probe.request("GET", "/login/")
                break
            except OSError:
                if time.perf_counter() - started > READY_TIMEOUT_S:
                    raise SystemExit(f"recoup serve did not answer:\n{self._tail()}") from None
                time.sleep(0.5)
            finally:
                probe.close()
        self.ready_s = time.perf_counter() - started
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: TracebackType | None) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def stylesheet(self) -> str:
        probe = Client(self.port)
        page = probe.request("GET", "/login/").text()
        probe.close()
        found = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
        if found is None:
            raise SystemExit("no stylesheet on the log-in page")
        return found.group(1)

    def errors(self) -> dict[str, int]:
        """The exceptions the server logged (a traceback's last line), by count."""
        seen: Counter[str] = Counter()
        lines = self.log.read_text(errors="replace").splitlines()
        for line in lines:
            if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Conflict)\b", line):
                seen[re.sub(r"\d{3,}", "N", line)[:200]] += 1
        return dict(seen.most_common())

    def deaths(self) -> dict[str, list[str]]:
        """Workers gunicorn saw killed by a signal, before and after it was told to stop: each
        "pid SIGNAL" with the first frames the dying worker wrote (faulthandler)."""
        found: dict[str, list[str]] = {"serving": [], "stopping": []}
        lines = self.log.read_text(errors="replace").splitlines()
        when = "serving"
        for n, line in enumerate(lines):
            if "Handling signal: term" in line:
                when = "stopping"
            died = re.search(r"Worker \(pid:(\d+)\) was sent (SIG\w+)", line)
            if died is None:
                continue
            frames = _dying_frames(lines[:n])
            found[when].append(f"pid {died[1]} {died[2]}" + (f": {frames}" if frames else ""))
        return found

    def print_errors(self) -> None:
        found = self.errors()
        if found:
            print(f"\nexceptions in the server's log ({sum(found.values())}, first kinds):")
            for text, n in list(found.items())[:6]:
                print(f"  {n:>5}x {text}")
        deaths = self.deaths()
        for when, what in (("serving", "while serving"), ("stopping", "on being stopped")):
            if deaths[when]:
                print(f"\nworkers killed by a signal {what} ({len(deaths[when])}):")
                for text in deaths[when][:4]:
                    print(f"  {text}")
        if deaths["serving"] or deaths["stopping"]:
            print(f"  (the whole log: {self.log})")


def _dying_frames(before: list[str]) -> str:
    """The innermost frames of the last faulthandler dump before a worker's death notice: the
    thread that crashed ("most recent call first")."""
    starts = [n for n, line in enumerate(before) if line.startswith("Fatal Python error")]
    if not starts:
        return ""
    frames: list[str] = []
    current = False
    for line in before[starts[-1] :]:
        if line.startswith(("Current thread", "Thread ")):
            current = line.startswith("Current thread")
        elif current and line.strip().startswith("File "):
            frames.append(line.strip().removeprefix("File ").replace(str(ROOT) + "/", ""))
    return " <- ".join(frames[:3])


class Import:
    """`recoup import invoices FILE` in its own process, timed with its rusage."""

    def __init__(self, data_dir: Path, path: Path | None) -> None:
        assert path is not None
        self.data_dir, self.path = data_dir, path
        self.log = data_dir / "import.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started = self.ended = 0.0
        self.status: int | None = None
        self.cpu = 0.0
        self._waiter: threading.Thread | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [RECOUP, "import", "invoices", str(self.path)],
                env=_env(self.data_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started = time.perf_counter()
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        assert self.process is not None
        _, status, usage = os.wait4(self.process.pid, 0)
        self.ended = time.perf_counter()
        self.process.returncode = self.status = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime

    def running(self) -> bool:
        return self.status is None

    def window(self, now: float) -> tuple[float, float]:
        return (self.started, self.ended if self.status is not None else now)

    def stop(self) -> None:
        if self.process is not None and self.status is None:
            self.process.send_signal(signal.SIGTERM)
            if self._waiter is not None:
                self._waiter.join(timeout=60)

    def describe(self) -> str:
        # The last line that says something, not the border of the summary table.
        lines = self.log.read_text(errors="replace").splitlines()
        tail = [ln.strip() for ln in lines if ln.strip() and ln.strip()[0] not in "┏┃┡│└"][-1:]
        tail = tail or [""]
        if self.status is None:
            return f"the import was still running at the phase's end (stopped): {tail[0]}"
        return (
            f"the import ended with exit status {self.status} after"
            f" {self.ended - self.started:.1f} s ({self.cpu:.0f} CPU s): {tail[0][:160]}"
        )


def warm_up(
    sessions: dict[str, Client], tokens: dict[str, str], requests: list[tuple[str, bool]]
) -> float:
    """Each person's first request of each route, the people in parallel: seconds in all."""
    started = time.perf_counter()

    def one(user: str, client: Client) -> None:
        client.token = tokens[user]
        for path, bearer in requests:
            client.request("GET", path, bearer=bearer)
        client.close()

    threads = [threading.Thread(target=one, args=item) for item in sessions.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def _ticks(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of `pid`, and with `reaped` those of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])
    if reaped:
        used += int(fields[13]) + int(fields[14])
    return used / os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of this process (the clients) and of the server and its workers: the
    live workers, and through the master's reaped-children times those that died or exited."""
    times = os.times()
    server = _ticks(server_pid, reaped=True)
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children")
    for pid in map(int, children.read_text().split()):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            server += _ticks(pid)
    return {"client": times.user + times.system, "server": server}


def uploads_done(data_dir: Path, tag: str) -> str:
    """How the phase's activities uploads ended, from their run records."""
    database = data_dir / "recoup.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as con:
        rows = con.execute(
            "SELECT status, started_at, finished_at FROM ingest_importrun"
            " WHERE file_name LIKE ? ORDER BY id",
            (f"load-activities-{tag}-%",),
        ).fetchall()
    statuses = Counter(r[0] for r in rows)
    took = sorted(
        (datetime.fromisoformat(r[2]) - datetime.fromisoformat(r[1])).total_seconds()
        for r in rows
        if r[2]
    )
    spread = (
        f"; started to finished p50 {percentile(took, 50):.1f} s, max {took[-1]:.1f} s"
        if took
        else ""
    )
    shown = ", ".join(f"{n} {s}" for s, n in statuses.items()) or "none"
    return f"activities uploads (run records): {shown}{spread}"
