"""The production server under 50 concurrent users, then the same during a 1M-row import.

    .venv/bin/python -m bench load                       # 1,000,000 invoices, 50 clients, 60 s
    .venv/bin/python -m bench load --invoices 20000 --import-rows 50000 --seconds 20 --clients 20
    .venv/bin/python -m bench load --data-dir /tmp/recoup-load --reuse   # ledger generated once

Setup: `recoup migrate`, `recoup demo-data --invoices N --seed 1`, the OKRs of
examples/okrs/debt-collection.yaml, a known password and an API token for three managers and up
to nine collectors; kept in DATA_DIR/pristine and copied afresh for every run (the import of
phase 2 would otherwise stay in the ledger). Then `recoup serve` on a free port of 127.0.0.1 with
its default workers and threads, stopped by its PID at the end, on Ctrl-C or an error too.

Measured, each phase `--seconds` long, after one warm-up request per person and route:
1. `--clients` users, each on one kept-alive connection, sending one request after the other
   (no pause unless `--think`), in turn: the dashboard (/), the explain page of DSO, the OKR
   board, and three KPI API reads by bearer token (DSO now, DSO's monthly series over a year,
   AR by team), a quarter of them managers, the others collectors (their book only); plus one
   writer, one write a second (`--write-every`): a check-in by API, a check-in on the web page,
   a log-in, a call logged on an account page (the debtor called in: the contact rules read the
   history, then the activity and its audit entry are written), and every `--activities-every`
   s a small activities file uploaded on the import page (the upload's run time in the
   background is read from its run record).
2. The same while `recoup import invoices` loads `--import-rows` new invoices (the demo
   ledger's invoices again under new external ids), started when the phase starts; the phase
   lasts until the import has ended too.
An answer is right only with the status each request expects (200 for reads, 201 or a redirect
for writes; a 409 "one import at a time" for an upload while another import runs): a redirect
to the log-in page is an error.

Baselines from the same run: the stylesheet (a static file, WhiteNoise in the same workers)
with one client on the idle server, and the same file inside the mix under load: its latency
is the floor of queueing and client overhead that every other route also pays. Beside each read
route, its p50 with one client on the idle server (`--idle-requests` each, the people in turn):
what the route costs alone, so that the rest of its figure under load is waiting.

Goals (issue 10): 0 errors; p95 <= 100 ms for the cached pages and the API reads; writes
p95 <= 1 s during the import.

The machine has 2 cores and the client, the server (and the import) share them: the load
average and the CPU seconds of client and server are printed with each phase; a client using
much less than a core, with a fast static baseline, is not what limits the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import load_setup as setup
from bench.load_http import Client, Route, log_in

AS_OF = "2026-09-30"  # the demo ledger's default last day
PAGE_GOAL_MS = 100.0
WRITE_GOAL_MS = 1000.0


@dataclass
class Phase:
    name: str
    tag: str  # in the names of the phase's uploads
    routes: dict[str, Route]
    started: float = 0.0
    ended: float = 0.0
    import_window: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)
    cpu: dict[str, float] = field(default_factory=dict)


def _routes() -> dict[str, Route]:
    made = [
        Route("static CSS (baseline)", "static"),
        Route("dashboard /", "page"),
        Route("explain /dashboard/explain/dso/", "page"),
        Route("OKR board /okrs/", "page"),
        Route("API /api/metrics/dso", "api"),
        Route("API /api/metrics/dso/series", "api"),
        Route("API /api/metrics/ar_total?by=team", "api"),
        Route("write: check-in, API", "write", frozenset({201})),
        Route("write: check-in, web form", "write", frozenset({302})),
        Route("write: call logged, account page", "write", frozenset({302})),
        Route("write: log-in", "write", frozenset({302})),
        Route("write: activities upload", "write", frozenset({302, 409})),
    ]
    return {r.name: r for r in made}


def _read_requests(css: str) -> list[tuple[str, str, bool]]:
    """(route name, path, by bearer token) in the order each client goes round them."""
    series = f"/api/metrics/dso/series?start=2025-10-01&end={AS_OF}&grain=month"
    return [
        ("dashboard /", "/", False),
        ("API /api/metrics/dso", "/api/metrics/dso", True),
        ("explain /dashboard/explain/dso/", "/dashboard/explain/dso/", False),
        ("API /api/metrics/dso/series", series, True),
        ("OKR board /okrs/", "/okrs/", False),
        ("API /api/metrics/ar_total?by=team", "/api/metrics/ar_total?by=team", True),
        ("static CSS (baseline)", css, False),
    ]


def _reader(
    client: Client,
    offset: int,
    requests: list[tuple[str, str, bool]],
    routes: dict[str, Route],
    until: threading.Event,
    think: float,
) -> None:
    turn = offset
    while not until.is_set():
        name, path, bearer = requests[turn % len(requests)]
        turn += 1
        routes[name].call(lambda p=path, b=bearer: client.request("GET", p, bearer=b))
        if think:
            until.wait(random.expovariate(1 / think))
    client.close()


class Writer:
    """One person's writes, paced: check-ins, log-ins, and now and then an activities upload."""

    def __init__(self, port: int, info: setup.Setup, work: Path, args: argparse.Namespace) -> None:
        self.port, self.info, self.work, self.args = port, info, work, args
        self.collector = log_in(port, info.writer, info.password)
        self.collector.token = info.tokens[info.writer]
        self.manager = log_in(port, info.writer_manager, info.password)
        self.uploads = 0

    def run(self, routes: dict[str, Route], until: threading.Event, tag: str) -> None:
        ops = [self._checkin_api, self._checkin_web, self._login]
        if self.info.customer_ids:
            ops.append(self._call_logged)
        # The first one early, so a short import's window holds one too.
        next_upload = time.monotonic() + min(2.0, self.args.activities_every / 2)
        turn = 0
        while not until.is_set():
            began = time.monotonic()
            if began >= next_upload:
                next_upload = began + self.args.activities_every
                self._upload(routes, tag)
            else:
                ops[turn % len(ops)](routes, turn)
                turn += 1
            until.wait(max(0.0, self.args.write_every - (time.monotonic() - began)))

    def _checkin_api(self, routes: dict[str, Route], turn: int) -> None:
        body = {"value": str(60 + turn % 30), "confidence": "on_track", "comment": "load bench"}
        path = f"/api/okrs/key-results/{self.info.kr_api}/checkins"
        routes["write: check-in, API"].call(lambda: self.collector.post_json(path, body))

    def _checkin_web(self, routes: dict[str, Route], turn: int) -> None:
        fields = {"value": str(40 + turn % 50), "confidence": "on_track", "comment": "load bench"}
        path = f"/okrs/key-results/{self.info.kr_web}/check-in/"
        routes["write: check-in, web form"].call(lambda: self.manager.post_form(path, fields))

    def _call_logged(self, routes: dict[str, Route], turn: int) -> None:
        customer = self.info.customer_ids[turn % len(self.info.customer_ids)]
        fields = {
            "contact-channel": "call",
            "contact-direction": "inbound",
            "contact-outcome": "right_party_contact",
            "contact-note": "load bench: the debtor called in",
        }
        path = f"/ledger/customers/{customer}/contacts/"
        routes["write: call logged, account page"].call(
            lambda: self.collector.post_form(path, fields)
        )

    def _login(self, routes: dict[str, Route], turn: int) -> None:
        fresh = Client(self.port)
        try:
            fresh.request("GET", "/login/")
            fields = {"username": self.info.writer_login, "password": self.info.password}
            routes["write: log-in"].call(lambda: fresh.post_form("/login/", fields))
        except OSError as error:
            routes["write: log-in"].record(time.perf_counter(), 0.0, status=0, error=str(error))
        finally:
            fresh.close()

    def _upload(self, routes: dict[str, Route], tag: str) -> None:
        self.uploads += 1
        name = f"load-activities-{tag}-{self.uploads:03d}.csv"
        content = setup.activities_csv(self.info, f"{tag}-{self.uploads:03d}", rows=20)
        routes["write: activities upload"].call(
            lambda: self.collector.post_file(
                "/import/run/", {"kind": "activities", "mapping": ""}, name, content
            )
        )


def _run_phase(
    phase: Phase,
    port: int,
    clients: list[Client],
    writer: Writer,
    args: argparse.Namespace,
    css: str,
    server_pid: int,
    importer: setup.Import | None,
) -> None:
    until = threading.Event()
    requests = _read_requests(css)
    threads = [
        threading.Thread(
            target=_reader,
            args=(c, i, requests, phase.routes, until, args.think),
            daemon=True,
        )
        for i, c in enumerate(clients)
    ]
    threads.append(
        threading.Thread(target=writer.run, args=(phase.routes, until, phase.tag), daemon=True)
    )
    cpu0 = setup.cpu_seconds(server_pid)
    phase.load = (os.getloadavg()[0], 0.0)
    phase.started = time.perf_counter()
    if importer is not None:
        importer.start()
    for t in threads:
        t.start()
    try:
        deadline = phase.started + args.seconds
        while time.perf_counter() < deadline or (
            importer is not None
            and importer.running()
            and time.perf_counter() < phase.started + args.import_timeout
        ):
            time.sleep(0.2)
    finally:
        until.set()
        for t in threads:
            t.join(timeout=setup.JOIN_TIMEOUT_S)
    phase.ended = time.perf_counter()
    cpu1 = setup.cpu_seconds(server_pid)
    phase.load = (phase.load[0], os.getloadavg()[0])
    phase.cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
    if importer is not None:
        phase.import_window = importer.window(phase.ended)
        phase.notes.append(importer.describe())


def _print_phase(phase: Phase, idle: dict[str, object], alone: dict[str, Route]) -> None:
    seconds = phase.ended - phase.started
    print(
        f"\n{phase.name}: {seconds:.0f} s; load average {phase.load[0]:.1f} at start,"
        f" {phase.load[1]:.1f} at end, {os.cpu_count()} cores; CPU seconds: client"
        f" {phase.cpu['client']:.1f} ({phase.cpu['client'] / seconds:.0%} of a core), server"
        f" {phase.cpu['server']:.1f} ({phase.cpu['server'] / seconds:.0%} of a core)"
    )
    for note in phase.notes:
        print(f"  {note}")
    head = f"  {'route':<36}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
    print(head + f"{'p99 ms':>9}{'max ms':>9}{'req/s':>8}{'alone p50':>11}")
    print(_row("static CSS, one client, idle server", idle))
    for route in phase.routes.values():
        single = alone.get(route.name)
        print(_row(route.name, route.summary(), single.summary() if single else None))
        if route.kind == "write" and phase.import_window is not None:
            print(_row("    during the import", route.summary(phase.import_window)))
    for route in phase.routes.values():
        for text in route.error_texts():
            print(f"  ! {route.name}: {text}")


def _ms(value: object) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _row(name: str, s: dict[str, object], alone: dict[str, object] | None = None) -> str:
    return (
        f"  {name:<36}{s['requests']:>9,}{s['errors']:>7,}{_ms(s['p50_ms']):>9}"
        f"{_ms(s['p95_ms']):>9}{_ms(s['p99_ms']):>9}{_ms(s['max_ms']):>9}{s['per_s']:>8.1f}"
        + (f"{_ms(alone['p50_ms']):>11}" if alone else "")
    )


def _alone(
    sessions: dict[str, Client], requests: list[tuple[str, str, bool]], count: int
) -> dict[str, Route]:
    """Each read route with one client on the idle server, the people taken in turn."""
    people = list(sessions.values())
    routes: dict[str, Route] = {}
    for name, path, bearer in requests:
        route = routes[name] = Route(name, "alone")
        for n in range(count):
            client = people[n % len(people)]
            route.call(lambda c=client, p=path, b=bearer: c.request("GET", p, bearer=b))
    for client in people:
        client.close()
    return routes


def _goals(phases: list[Phase]) -> list[dict[str, object]]:
    verdicts: list[dict[str, object]] = []
    for phase in phases:
        errors = sum(int(r.summary()["errors"]) for r in phase.routes.values())  # type: ignore[call-overload]
        verdicts.append({"goal": f"{phase.name}: 0 errors", "value": errors, "ok": errors == 0})
        for route in phase.routes.values():
            if route.kind in {"page", "api"}:
                p95 = route.summary()["p95_ms"]
                verdicts.append(
                    {
                        "goal": f"{phase.name}: {route.name} p95 <= {PAGE_GOAL_MS:.0f} ms",
                        "value": p95,
                        "ok": p95 is not None and float(p95) <= PAGE_GOAL_MS,  # type: ignore[arg-type]
                    }
                )
            if route.kind == "write" and phase.import_window is not None:
                p95 = route.summary(phase.import_window)["p95_ms"]
                verdicts.append(
                    {
                        "goal": f"{phase.name}: {route.name} during the import p95 <= 1 s",
                        "value": p95,
                        "ok": p95 is not None and float(p95) <= WRITE_GOAL_MS,  # type: ignore[arg-type]
                    }
                )
    return verdicts


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between requests")
    parser.add_argument("--write-every", type=float, default=1.0)
    parser.add_argument("--activities-every", type=float, default=15.0)
    parser.add_argument("--import-timeout", type=float, default=900.0)
    parser.add_argument(
        "--idle-requests", type=int, default=20, help="each read route, one client, idle server"
    )
    parser.add_argument("--no-import", action="store_true", help="phase 1 only")
    parser.add_argument("--data-dir", type=Path, help="keep the ledger and files here")
    parser.add_argument("--reuse", action="store_true", help="reuse the ledger in --data-dir")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--setup-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup_child:
        setup.child(args.setup_child)
        return
    if args.reuse and args.data_dir is None:
        parser.error("--reuse needs --data-dir")
    # SIGTERM ends the run like Ctrl-C, so the server is still stopped by the finally below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    source = importlib.util.find_spec("recoup")
    print(f"code under test: {source.origin if source else '?'}", flush=True)
    with setup.Workspace(args.data_dir) as space:
        info = space.prepare(args.invoices, reuse=args.reuse)
        run = space.fresh_copy()
        import_file = None if args.no_import else space.import_file(args.import_rows)
        with setup.Server(run) as server:
            print(f"server up after {server.ready_s:.1f} s (warmed before serving)", flush=True)
            _measure(args, info, run, server, import_file)


def _measure(
    args: argparse.Namespace,
    info: setup.Setup,
    run: Path,
    server: setup.Server,
    import_file: Path | None,
) -> None:
    port = server.port
    css = server.stylesheet()
    idle = Route("static idle", "static")
    probe = Client(port)
    for _ in range(300):
        idle.call(lambda: probe.request("GET", css))
    probe.close()
    sessions = {u: log_in(port, u, info.password) for u in info.readers}
    clients = []
    for i in range(args.clients):
        user = info.readers[i % len(info.readers)]
        client = Client(port, token=info.tokens[user])
        client.cookies = dict(sessions[user].cookies)
        clients.append(client)
    warmed = setup.warm_up(sessions, info.tokens, [(p, b) for _, p, b in _read_requests(css)])
    print(f"warm-up: one request per person and route, {warmed:.1f} s", flush=True)
    alone = _alone(sessions, _read_requests(css), args.idle_requests)
    for route in alone.values():
        for text in route.error_texts():
            print(f"  ! {route.name}, one client alone: {text}")
    writer = Writer(port, info, run, args)
    phases = [Phase("phase 1, reads and writes", "p1", _routes())]
    if import_file is not None:
        name = f"phase 2, the same during a {args.import_rows:,}-row import"
        phases.append(Phase(name, "p2", _routes()))
    for phase in phases:
        importer = setup.Import(run, import_file) if phase is not phases[0] else None
        print(f"\n{phase.name} ...", flush=True)
        try:
            _run_phase(phase, port, clients, writer, args, css, server.pid, importer)
        finally:
            if importer is not None:
                importer.stop()
        phase.notes.append(setup.uploads_done(run, phase.tag))
    print(
        f"\n{args.clients} clients ({len(info.readers)} people: managers and collectors),"
        f" {args.seconds:.0f} s a phase, {args.invoices:,} invoices in the ledger, server"
        f" `recoup serve` (its default workers and threads), SQLite"
    )
    idle_s = idle.summary()
    for phase in phases:
        _print_phase(phase, idle_s, alone)
    server.print_errors()
    verdicts = _goals(phases)
    died = len(server.deaths()["serving"])
    verdicts.append(
        {"goal": "no server worker killed while serving", "value": died, "ok": not died}
    )
    print("\ngoals (issue 10):")
    for v in verdicts:
        shown = v["value"] if not isinstance(v["value"], float) else f"{v['value']:,.0f} ms"
        verdict = "n/a " if v["value"] is None else "PASS" if v["ok"] else "MISS"
        print(f"  {verdict}  {v['goal']}  ({'no request' if v['value'] is None else shown})")
    if args.json:
        figures = {
            "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "static_idle": idle_s,
            "alone": {n: r.summary() for n, r in alone.items()},
            "phases": {
                p.name: {
                    "seconds": p.ended - p.started,
                    "load_average": p.load,
                    "cpu_seconds": p.cpu,
                    "notes": p.notes,
                    "routes": {n: r.summary() for n, r in p.routes.items()},
                    "writes_during_import": {
                        n: r.summary(p.import_window)
                        for n, r in p.routes.items()
                        if r.kind == "write" and p.import_window is not None
                    },
                }
                for p in phases
            },
            "server_errors": server.errors(),
            "server_worker_deaths": server.deaths(),
            "goals": verdicts,
        }
        args.json.write_text(json.dumps(figures, indent=2, default=str))
        print(f"figures written to {args.json}")
