"""Generating the demo ledger into the embedded SQLite database, beside two baselines.

    .venv/bin/python -m bench demo --invoices 1000000

1. `demo_ledger_generate` in its own process on a fresh SQLite file (one transaction, checks and
   foreign keys verified): wall and CPU seconds, rows/s per table, and the process's peak RSS.
2. The generator alone: the same ledger drawn with numpy, nothing written (the part no database
   can avoid).
3. The floor for the writing: SQLite copying the finished tables into an empty database with the
   same schema, `INSERT INTO ... SELECT` in C, no Python per row.
The goal is the whole of 1 at most 60 s for 1,000,000 invoices. The machine's load average is
printed too: on a shared machine, wall time stretches while CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

GOAL_SECONDS = 60.0
AS_OF = date(2026, 9, 30)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(data_dir)
    env.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    return env


def child(invoices: int, seed: int, report: Path) -> None:
    """Run inside the measured process: migrate, then generate with per-stage timings."""
    import django

    django.setup()
    from django.core.management import call_command

    from recoup.demo.services import demo_ledger_generate

    call_command("migrate", verbosity=0)
    stages: dict[str, list[float]] = {}
    cpu0 = time.process_time()

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == 0:
            stages[stage] = [now, now, float(total)]
        else:
            stages[stage][1] = now

    summary = demo_ledger_generate(invoices=invoices, seed=seed, as_of=AS_OF, progress=progress)
    report.write_text(
        json.dumps(
            {
                "seconds": summary.seconds,
                "cpu": time.process_time() - cpu0,
                "rows": dict(summary.rows),
                "stages": {k: [v[1] - v[0], v[2]] for k, v in stages.items()},
            }
        )
    )


def _generator_only(invoices: int, seed: int) -> float:
    from recoup.demo import generator

    started = time.perf_counter()
    generator.generate(invoices=invoices, seed=seed, as_of=AS_OF)
    return time.perf_counter() - started


def _sqlite_copy_floor(source: Path, target: Path, tables: list[str]) -> float:
    """Seconds for SQLite to copy `tables` (children last) into an empty same-schema database."""
    from recoup.core.sql import ident  # no Django in this process

    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA cache_size=-1048576")
    con.execute("ATTACH DATABASE ? AS src", (str(source),))
    schema = con.execute(
        "SELECT type, tbl_name, sql FROM src.sqlite_master WHERE sql IS NOT NULL"
        " AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for kind, _, sql in schema:
        if kind == "table":
            con.execute(sql)
    started = time.perf_counter()
    con.execute("BEGIN")
    for table in tables:
        con.execute(f"INSERT INTO main.{ident(table)} SELECT * FROM src.{ident(table)}")
    for kind, table, sql in schema:
        if kind == "index" and table in tables:
            con.execute(sql)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench demo", description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.invoices, args.seed, args.child)
        return

    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="recoup-bench-demo-") as tmp:
        folder = Path(tmp)
        report = folder / "report.json"
        command = [sys.executable, "-m", "bench.bench_demo", "--invoices", str(args.invoices)]
        command += ["--seed", str(args.seed), "--child", str(report)]
        started = time.perf_counter()
        process = subprocess.Popen(command, env=_env(folder / "var"), cwd=Path.cwd())
        _, status, usage = os.wait4(process.pid, 0)
        process_seconds = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"demo generation failed (status {status})")
        result = json.loads(report.read_text())
        peak_rss_mb = usage.ru_maxrss / 1024
        database = folder / "var" / "recoup.sqlite3"
        size_mb = sum(p.stat().st_size for p in database.parent.glob("recoup.sqlite3*")) / 2**20
        tables = list(result["rows"])
        floor = _sqlite_copy_floor(database, folder / "floor.sqlite3", tables)
        generator_seconds = _generator_only(args.invoices, args.seed)

    total_rows = sum(result["rows"].values())
    seconds = result["seconds"]
    print(f"demo ledger, {args.invoices:,} invoices, seed {args.seed}, embedded SQLite")
    print(
        f"  load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  {'stage':<22}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for stage, (stage_seconds, rows) in result["stages"].items():
        rate = f"{rows / stage_seconds:,.0f}" if stage_seconds and rows > 1 else ""
        shown = f"{int(rows):,}" if rows > 1 else ""
        print(f"  {stage:<22}{shown:>12}{stage_seconds:>10.2f}{rate:>12}")
    verdict = "meets" if seconds <= GOAL_SECONDS else "misses"
    print(
        f"  generate + write:   {seconds:7.1f} s wall, {result['cpu']:.1f} s CPU, "
        f"{total_rows / seconds:,.0f} rows/s over {total_rows:,} rows "
        f"({verdict} the {GOAL_SECONDS:.0f} s goal)"
    )
    print(f"  whole process:      {process_seconds:7.1f} s (with Django start-up and migrate)")
    print(f"  peak RSS:           {peak_rss_mb:7.0f} MB; database {size_mb:,.0f} MB")
    print(f"  baseline, generator only (numpy, nothing written): {generator_seconds:7.1f} s")
    print(f"  baseline, SQLite copying the same tables in C (floor): {floor:7.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
