"""A 1M-row CSV download: streamed through the product's export path, beside a baseline that
builds the whole file in memory first.

    .venv/bin/python -m bench export [--invoices 1000000] [--cache DIR] [--xlsx-rows N]

Every invoice of the ledger goes through `recoup.core.exports.export_response` (the code path of
every table's "Download CSV"), read with `.iterator(chunk_size=...)` from the scoped queryset the
pages use, and the response's chunks are consumed as a client would. Each method runs in a
process of its own so that its peak resident memory (`ru_maxrss`) is its own. Goal: the
streamed CSV peaks at <= 200 MB whatever the number of rows.

The ledger comes from the demo generator, generated once into a cached directory. A ledger
another benchmark already generated at the same size (`/tmp/recoup-bench-worklist-N`,
`/tmp/recoup-bench-compliance-N`) is read as it is, without migrating it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.bench_compliance import _generate

GOAL_MB = 200.0
CHUNK = 5_000
SHARED_CACHES = ("worklist", "compliance", "export")


def _cache_for(invoices: int) -> Path:
    for name in SHARED_CACHES:
        found = Path(f"/tmp/recoup-bench-{name}-{invoices}")
        if (found / f"generated-{invoices}").exists():
            return found
    found = Path(f"/tmp/recoup-bench-export-{invoices}")
    _generate(found, invoices)
    return found


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _columns() -> Any:
    from recoup.core.exports import Column, Kind
    from recoup.core.money import Money

    return (
        Column("Invoice", lambda r: r[0]),
        Column("Customer", lambda r: r[1]),
        Column("Issued", lambda r: r[2], Kind.DATE),
        Column("Due", lambda r: r[3], Kind.DATE),
        Column("Amount", lambda r: Money(r[4], r[5]), Kind.MONEY),
        Column("Currency", lambda r: r[5]),
    )


def _rows(limit: int | None) -> Iterator[tuple[Any, ...]]:
    from recoup.accounts.scope import Scope
    from recoup.ledger.selectors import invoices_in_scope

    invoices = (
        invoices_in_scope(Scope.organisation("bench"))
        .order_by("id")
        .values_list(
            "external_id", "customer__name", "issue_date", "due_date", "amount_minor", "currency"
        )
    )
    if limit is not None:
        invoices = invoices[:limit]
    return invoices.iterator(chunk_size=CHUNK)


def _child(mode: str, limit: int | None) -> dict[str, Any]:
    """One method in this process: rows, bytes, seconds and peak memory."""
    import django

    django.setup()
    from recoup.core.exports import csv_chunks, export_response

    baseline_mb = _peak_mb()
    started = time.perf_counter()
    size = rows = 0
    if mode == "stream":
        response = export_response(
            name="invoices", fmt="csv", columns=_columns(), rows=_rows(limit)
        )
        for chunk in response.streaming_content:  # type: ignore[union-attr]
            size += len(chunk)
            rows += chunk.count(b"\r\n")
    elif mode == "naive":
        # What one writes first: every row in a list, the whole text in memory, then sent.
        everything = list(_rows(limit))
        body = b"".join(csv_chunks(_columns(), everything))
        size, rows = len(body), body.count(b"\r\n")
    elif mode == "xlsx":
        response = export_response(
            name="invoices", fmt="xlsx", columns=_columns(), rows=_rows(limit)
        )
        for chunk in response.streaming_content:  # type: ignore[union-attr]
            size += len(chunk)
        rows = limit or 0
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "rows": rows - (0 if mode == "xlsx" else 1),  # the header
        "bytes": size,
        "seconds": seconds,
        "start_mb": baseline_mb,
        "peak_mb": _peak_mb(),
    }


def _run(cache: Path, mode: str, limit: int | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(cache)
    env.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    command = [sys.executable, "-m", "bench", "export", "--child", mode]
    if limit is not None:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    found = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(found[-1])
    return result


def _line(r: dict[str, Any]) -> str:
    rate = r["rows"] / r["seconds"] if r["seconds"] else 0.0
    return (
        f"{r['mode']:>7}: {r['rows']:>10,} rows, {r['bytes'] / 1e6:8.1f} MB of file in "
        f"{r['seconds']:6.1f} s = {rate:>9,.0f} rows/s; peak RSS {r['peak_mb']:7.1f} MB "
        f"(after start-up {r['start_mb']:.1f} MB)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench export")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--xlsx-rows", type=int, default=20_000, help="0 leaves XLSX out")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", choices=("stream", "naive", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.limit)))
        return
    cache = args.cache or _cache_for(args.invoices)
    print(f"ledger: {cache}")
    stream = _run(cache, "stream", None)
    print(_line(stream), flush=True)
    if not args.no_baseline:
        print(_line(_run(cache, "naive", None)), flush=True)
    if args.xlsx_rows:
        print(_line(_run(cache, "xlsx", args.xlsx_rows)), flush=True)
    verdict = "met" if stream["peak_mb"] <= GOAL_MB else "MISSED"
    print(
        f"goal: streamed CSV peak RSS <= {GOAL_MB:.0f} MB: {verdict} ({stream['peak_mb']:.1f} MB)"
    )
