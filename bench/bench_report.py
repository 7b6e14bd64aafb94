"""The weekly report at size: the PDF of the whole organisation's weekly report on an N-invoice
demo ledger, beside the HTML alone (the same content without charts and PDF) as the baseline.

    .venv/bin/python -m bench report [--invoices 1000000] [--cache DIR]

The ledger comes from the demo generator, generated once into `/tmp/recoup-bench-report-<invoices>`
and reused; a copy of the worklist benchmark's ledger of the same size when there is one.

1. The first report of a process (reported apart): it brings the KPI engine's copy of the ledger
   up to date and compiles each query, as a server does once before it serves.
2. The HTML alone (baseline): every figure, table and the board, as the preview page shows it.
3. The PDF: the same plus the four charts drawn by vl-convert and the A4 pages by WeasyPrint
   (goal: <= 10 s at 1M invoices).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from bench.bench_compliance import _generate

GOAL_SECONDS = 10.0


def _cache_for(invoices: int, given: Path | None) -> Path:
    """The ledger's directory: given, or this benchmark's own. A new one starts as a copy of the
    worklist benchmark's ledger of the same size when there is one (generating 1M invoices takes
    long), so that migrating it never touches the other benchmark's directory."""
    if given is not None:
        return given
    own = Path(f"/tmp/recoup-bench-report-{invoices}")
    shared = Path(f"/tmp/recoup-bench-worklist-{invoices}")
    marker = f"generated-{invoices}"
    if not (own / marker).exists() and (shared / marker).exists():
        own.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shared / "recoup.sqlite3", own / "recoup.sqlite3")
        (own / marker).touch()
    return own


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench report")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args(argv)
    cache = _cache_for(args.invoices, args.cache)
    # Migrates the directory, and generates the ledger unless it is there already.
    _generate(cache, args.invoices)
    os.environ.pop("DATABASE_URL", None)
    os.environ["RECOUP_DATA_DIR"] = str(cache)
    import django

    django.setup()
    from recoup.accounts.scope import Scope
    from recoup.reports.render import report_html, report_pdf
    from recoup.reports.weekly import weekly_report_build

    scope = Scope.organisation("bench report")
    started = time.perf_counter()
    first = weekly_report_build(scope=scope)
    cold = time.perf_counter() - started
    print(f"first report of the process (engine sync and query compiling): {cold:.2f} s")

    started = time.perf_counter()
    report = weekly_report_build(scope=scope, as_of=first.as_of)
    html = report_html(report, charts=[]).html
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    report = weekly_report_build(scope=scope, as_of=first.as_of)
    pdf = report_pdf(report)
    took = time.perf_counter() - started

    print(f"{args.invoices:,} invoices, week ending {report.as_of}, {len(report.board)} objectives")
    print(f"  HTML alone (baseline) {baseline:6.2f} s  ({len(html):,} characters)")
    print(f"  weekly PDF            {took:6.2f} s  ({len(pdf):,} bytes)")
    verdict = "met" if took <= GOAL_SECONDS else "NOT met"
    print(f"  goal: PDF <= {GOAL_SECONDS:.0f} s at 1M invoices: {verdict} at this size")
