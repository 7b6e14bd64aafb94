"""KPI readers on many threads while the ledger changes and the analytics copy is synced.

Run as a program on a data directory of its own (a SQLite file in WAL mode, as Recoup runs):

    python tests/metrics/concurrent_reads.py setup DIR [--invoices N]
    python tests/metrics/concurrent_reads.py read DIR [--threads N] [--seconds S] [--change]

Several `read` processes on one directory measure processes reading while one syncs;
`measure` runs the same inside a test's process (tests/metrics/test_concurrent_reads.py).

`read` asks for DSO and total receivables through the KPI selectors (the path of
/api/metrics/dso and the dashboard) on every thread; with `--change` one more thread adds an
invoice after a second and then runs the worker's sync job. It prints one JSON line: reads, the
errors raised (by message), answers that were neither the numbers before the change nor after
it, answers that lagged the change, and latency percentiles. The expected numbers come from a
private in-memory DuckDB copy synced afresh, so any code version can be measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

AS_OF = date(2026, 6, 30)
METRICS = ("dso", "ar_total")
CHANGE_AFTER = 1.0
ADDED_MINOR = 1_234_500


def _django(data_dir: Path) -> None:
    os.environ["RECOUP_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    import django

    django.setup()


def setup(data_dir: Path, invoices: int) -> None:
    _django(data_dir)
    from django.core.management import call_command

    from recoup.demo.services import demo_ledger_generate

    call_command("migrate", verbosity=0)
    demo_ledger_generate(invoices=invoices, seed=7, as_of=AS_OF)


def _expected() -> dict[str, Any]:
    """The numbers from a private copy synced now: what every reader must agree with."""
    from recoup.accounts.scope import Scope
    from recoup.metrics.contracts import MetricRequest
    from recoup.metrics.engines import DuckDBEngine
    from recoup.metrics.selectors import metric_evaluate

    engine = DuckDBEngine(":memory:")
    try:
        engine.sync()
        scope = Scope.organisation("concurrency check")
        return {
            m: str(metric_evaluate(MetricRequest(m, AS_OF), scope=scope, engine=engine).value)
            for m in METRICS
        }
    finally:
        engine.close()


def _change() -> None:
    """One new open invoice: total receivables and DSO both move."""
    from django.conf import settings

    from recoup.ledger.models import Customer, Invoice

    Invoice.objects.create(
        external_id=f"CONCURRENT-{os.getpid()}-{time.time_ns()}",
        customer=Customer.objects.order_by("id").first(),
        issue_date=AS_OF - timedelta(days=10),
        due_date=AS_OF + timedelta(days=20),
        amount_minor=ADDED_MINOR,
        currency=settings.BASE_CURRENCY,
    )


def _sync() -> None:
    """What the worker does after a ledger change."""
    from recoup.metrics.tasks import analytics_sync

    analytics_sync.call()


def read(data_dir: Path, threads: int, seconds: float, change: bool) -> dict[str, Any]:
    _django(data_dir)
    return measure(threads, seconds, change)


def measure(threads: int, seconds: float, change: bool) -> dict[str, Any]:
    """`read` in a process where Django is set up already (a test's database)."""
    from django.db import connections

    from recoup.accounts.scope import Scope
    from recoup.metrics.contracts import MetricRequest
    from recoup.metrics.selectors import metric_evaluate

    before = _expected()
    scope = Scope.organisation("concurrency check")
    reads: list[tuple[float, float, str, str]] = []
    errors: Counter[str] = Counter()
    marks: dict[str, float] = {}
    # The window opens when every thread is ready (the barrier's action runs before any is
    # released): on a busy machine, starting the threads must not eat the readers' time.
    deadline = [0.0]

    def open_window() -> None:
        deadline[0] = time.monotonic() + seconds + 1

    start = threading.Barrier(threads + (1 if change else 0), action=open_window)

    def reader(n: int) -> None:
        start.wait()
        i = n
        try:
            while time.monotonic() < deadline[0]:
                metric = METRICS[i % len(METRICS)]
                i += 1
                began = time.monotonic()
                try:
                    value = metric_evaluate(MetricRequest(metric, AS_OF), scope=scope).value
                except Exception as error:  # counted: the point of the exercise
                    errors[f"{type(error).__name__}: {str(error)[:120]}"] += 1
                    continue
                reads.append((began, time.monotonic(), metric, str(value)))
        finally:
            connections.close_all()

    def writer() -> None:
        start.wait()
        try:
            time.sleep(CHANGE_AFTER)
            _change()
            marks["changed"] = time.monotonic()
            try:
                _sync()
            except Exception as error:
                errors[f"sync {type(error).__name__}: {str(error)[:120]}"] += 1
            marks["synced"] = time.monotonic()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=reader, args=(n,)) for n in range(threads)]
    if change:
        workers.append(threading.Thread(target=writer))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    after = _expected()
    changed_at = marks.get("changed")
    wrong = [r for r in reads if r[3] not in (before[r[2]], after[r[2]])]
    # A reader that starts after the change committed waits for the sync (outside a server).
    lagging = [
        r for r in reads if changed_at is not None and r[0] > changed_at and r[3] != after[r[2]]
    ]
    took = sorted(r[1] - r[0] for r in reads)

    def pct(p: float) -> float:
        return round(1000 * took[min(len(took) - 1, int(p * len(took)))], 1) if took else 0.0

    return {
        "reads": len(reads),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "wrong": len(wrong),
        "lagging": len(lagging),
        "changed": before != after,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "max_ms": pct(1.0),
        "sync_s": round(marks["synced"] - marks["changed"], 2) if "synced" in marks else None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("setup", "read"))
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--change", action="store_true")
    args = parser.parse_args(argv)
    if args.phase == "setup":
        setup(args.data_dir, args.invoices)
        return 0
    outcome = read(args.data_dir, args.threads, args.seconds, args.change)
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
