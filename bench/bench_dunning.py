"""A dunning run at size, without sending: the selection (each customer's next level), then the
whole preview (selection, addresses, rendering of every message, the contact rules at each
message's send time in the debtor's zone), beside the selection alone as the baseline measured
in the same run.

    .venv/bin/python -m bench dunning [--invoices 1000000] [--cache DIR] [--as-of 2026-09-30]

The ledger comes from the demo generator, generated once into a cached directory
(`/tmp/recoup-bench-dunning-<invoices>` by default) and migrated. Nothing is written by the
measured steps. Goal: the whole preview of a 1M-invoice ledger in 60 s or less.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path

from bench.bench_compliance import _generate

AS_OF = date(2026, 9, 30)
GOAL_SECONDS = 60.0


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench dunning")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    args = parser.parse_args(argv)
    cache = args.cache or Path(f"/tmp/recoup-bench-dunning-{args.invoices}")
    _generate(cache, args.invoices)
    os.environ.pop("DATABASE_URL", None)
    os.environ["RECOUP_DATA_DIR"] = str(cache)
    import django

    django.setup()
    from collections import Counter

    from recoup.compliance.selectors import time_zones_warm
    from recoup.dunning.compose import drafts_make
    from recoup.dunning.conditions import judge_for
    from recoup.dunning.selection import select
    from recoup.ledger.open_items import open_items_on

    day = args.as_of
    time_zones_warm()
    print(f"Dunning run of {day.isoformat()} over {args.invoices:,} demo invoices, nothing sent")

    started = time.perf_counter()
    items = open_items_on(day)
    read = time.perf_counter() - started
    selection = select(day=day, open_items=items, judge_for=judge_for(day))
    baseline = time.perf_counter() - started
    print(
        f"  baseline, selection alone: {baseline:7.2f} s  ({read:.2f} s reading "
        f"{len(items):,} open invoices; {len(selection.candidates):,} customers due a level)"
    )

    started = time.perf_counter()
    selection = select(day=day, judge_for=judge_for(day))
    picked = time.perf_counter() - started
    drafts = drafts_make(selection.candidates, day)
    whole = time.perf_counter() - started
    states = Counter(d.status for d in drafts)
    rendered = sum(1 for d in drafts if d.rendered is not None)
    print(
        f"  whole preview:             {whole:7.2f} s  (selection {picked:.2f} s, messages "
        f"{whole - picked:.2f} s; {rendered:,} rendered)"
    )
    print(f"  goal:                      <= {GOAL_SECONDS:.0f} s at 1,000,000 invoices")
    print("  messages by state: " + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())))
    left = ", ".join(f"{k} {v:,}" for k, v in sorted(selection.left_out.items()))
    print(f"  left out: {left}")
