"""Importing invoices from CSV into the embedded database, beside two baselines from the same run.

    .venv/bin/python -m bench import --rows 1000000

1. `recoup import invoices FILE` in its own process (validated, all-or-nothing, audited): rows/s
   over the import itself (the ImportRun's own timing) and over the whole process, and the
   process's peak RSS (wait4's rusage of that child).
2. The floor: the same rows parsed with the csv module and written with one sqlite3
   `executemany` in one transaction, without any checks.
3. The naive way: one Django `save()` per row with a customer lookup, each in its own
   transaction, measured on a sample and extrapolated.
The CSV is generated here, deterministically; everything runs in a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

CUSTOMERS = 5_000
GOAL_ROWS_PER_S = 100_000
GOAL_RSS_BYTES = 1 << 30
RECOUP = str(Path(sys.executable).parent / "recoup")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(data_dir)
    return env


def _amount(i: int) -> str:
    cents = (i * 7919) % 2_500_000 + 100
    return f"{cents // 100}.{cents % 100:02d}"


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    customers = folder / "customers.csv"
    with customers.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "name", "country", "segment"])
        for c in range(CUSTOMERS):
            out.writerow([f"C-{c:05d}", f"Customer {c}", "US", ("smb", "mid", "large")[c % 3]])
    invoices = folder / "invoices.csv"
    start = date(2021, 1, 1)
    with invoices.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "customer", "issue_date", "due_date", "amount", "currency"])
        for i in range(rows):
            issued = start + timedelta(days=i % 1400)
            due = issued + timedelta(days=(30, 45, 60)[i % 3])
            out.writerow([f"INV-{i:08d}", f"C-{i % CUSTOMERS:05d}", issued, due, _amount(i), "USD"])
    return customers, invoices


def _run(data_dir: Path, *args: str) -> None:
    done = subprocess.run([RECOUP, *args], env=_env(data_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"recoup {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def measure_import(data_dir: Path, invoices: Path) -> tuple[float, float, float, int]:
    """(seconds inside the import, seconds of the whole process, its CPU seconds, peak RSS)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [RECOUP, "import", "invoices", str(invoices)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"recoup import failed with {process.returncode}")
    with sqlite3.connect(data_dir / "recoup.sqlite3") as con:
        row = con.execute(
            "SELECT json_extract(details, '$.seconds'), inserted FROM ingest_importrun"
            " WHERE kind = 'invoices' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    cpu = usage.ru_utime + usage.ru_stime
    return float(row[0]), wall, cpu, int(usage.ru_maxrss) * 1024


def measure_floor(db: Path, invoices: Path) -> tuple[float, float, int]:
    """Raw sqlite3: csv module + one executemany, no validation, customer ids from a dict."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA cache_size=-65536")
    ids = dict(con.execute("SELECT external_id, id FROM ledger_customer"))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    started = time.perf_counter()
    cpu_started = time.process_time()

    def rows() -> object:
        with invoices.open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for ext, customer, issued, due, amount, currency in reader:
                whole, _, frac = amount.partition(".")
                yield (
                    ext,
                    ids[customer],
                    issued,
                    due,
                    int(whole) * 100 + int(frac.ljust(2, "0")),
                    currency,
                    "",
                    "",
                    stamp,
                    stamp,
                )

    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO ledger_invoice (external_id, customer_id, issue_date, due_date,"
        " amount_minor, currency, description, delivery, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),  # type: ignore[arg-type]
    )
    con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    count = int(con.execute("SELECT COUNT(*) FROM ledger_invoice").fetchone()[0])
    con.close()
    return elapsed, cpu, count


_NAIVE = """
import csv, sys, time
from datetime import date
import django
django.setup()
from decimal import Decimal
from recoup.core.money import Money
from recoup.ledger.models import Customer, Invoice
path, limit = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
with open(path, newline="") as handle:
    reader = csv.DictReader(handle)
    for n, row in enumerate(reader):
        if n >= limit:
            break
        Invoice(
            external_id=row["external_id"],
            customer=Customer.objects.get(external_id=row["customer"]),
            issue_date=date.fromisoformat(row["issue_date"]),
            due_date=date.fromisoformat(row["due_date"]),
            amount_minor=Money.from_major(row["amount"], row["currency"]).minor,
            currency=row["currency"],
        ).save()
print(time.perf_counter() - started)
"""


def measure_naive(data_dir: Path, invoices: Path, sample: int) -> float:
    env = _env(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "recoup.settings"
    done = subprocess.run(
        [sys.executable, "-c", _NAIVE, str(invoices), str(sample)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"naive loop failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="recoup-bench-import-"))
    try:
        started = time.perf_counter()
        customers, invoices = write_files(folder, args.rows)
        size = invoices.stat().st_size
        print(
            f"generated {args.rows:,} invoice rows ({size / 1e6:.0f} MB CSV) and {CUSTOMERS:,}"
            f" customers in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        main_dir = folder / "var"
        _run(main_dir, "migrate", "-v0")
        _run(main_dir, "import", "customers", str(customers))
        floor_dir = folder / "floor"
        naive_dir = folder / "naive"
        for copy in (floor_dir, naive_dir):
            copy.mkdir()
            shutil.copy(main_dir / "recoup.sqlite3", copy / "recoup.sqlite3")
            shutil.copy(main_dir / "secret_key", copy / "secret_key")

        inside, wall, cpu, rss = measure_import(main_dir, invoices)
        floor_s, floor_cpu, floor_rows = measure_floor(floor_dir / "recoup.sqlite3", invoices)
        sample = min(args.naive_rows, args.rows)
        naive_s = measure_naive(naive_dir, invoices, sample)
        if floor_rows != args.rows:
            raise SystemExit(f"floor wrote {floor_rows} rows, expected {args.rows}")

        rate = args.rows / inside
        naive_rate = sample / naive_s
        print(f"import {args.rows:,} invoice rows from CSV into the embedded SQLite database")
        print(
            f"  recoup import (validated, all-or-nothing) {rate:>12,.0f} rows/s"
            f"  {inside:7.1f} s in the import, {wall:.1f} s with process start"
            f" ({cpu:.1f} CPU s); peak RSS {rss / 2**20:,.0f} MB"
        )
        print(
            f"  floor: csv + sqlite3 executemany, no checks {args.rows / floor_s:>8,.0f} rows/s"
            f"  {floor_s:7.1f} s ({floor_cpu:.1f} CPU s)"
        )
        print(
            f"  naive: Django save() per row             {naive_rate:>12,.0f} rows/s"
            f"  measured on {sample:,} rows in {naive_s:.1f} s;"
            f" extrapolated to {args.rows:,}: {args.rows / naive_rate:,.0f} s"
        )
        ok_rate = "met" if rate >= GOAL_ROWS_PER_S else "NOT met"
        ok_rss = "met" if rss <= GOAL_RSS_BYTES else "NOT met"
        load = os.getloadavg()[0]
        print(
            f"  goals: >= {GOAL_ROWS_PER_S:,} rows/s {ok_rate}; peak memory <= 1 GB {ok_rss}"
            f" (load average {load:.1f} on {os.cpu_count()} CPUs)",
            flush=True,
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(invoices, args.keep / invoices.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
