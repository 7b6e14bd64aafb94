"""The engines that run compiled metrics: DuckDB (embedded default), PostgreSQL, Spark.

- duckdb: a DuckDB file (`var/analytics.duckdb`) kept in step with the operational database by an
  incremental sync before each evaluation (see docs/decisions/0002).
- postgres: the operational PostgreSQL database itself, on Django's own connection, so results
  see exactly what the application sees (including the current transaction).
- spark: PySpark in local mode over a Parquet export of the operational database, the path for
  ledgers that outgrow one machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from recoup.core.sql import ident
from recoup.metrics.catalogue import MetricInputError
from recoup.metrics.compiler import TABLE_COLUMNS
from recoup.metrics.evaluate import POINTS_TABLE
from recoup.metrics.extract import read_batches, schema
from recoup.metrics.sync import SyncReport, sync_duckdb

ENGINES = ("duckdb", "postgres", "spark")


@dataclass(frozen=True, slots=True)
class Freshness:
    """What the numbers reflect: the latest business date in the data and how it was fed."""

    data_as_of: date | None
    state: str  # e.g. "synced 3 tables (1,204 rows) just now", "live", "exported just now"


def _latest_sql() -> str:
    return (
        "SELECT MAX(d) AS latest FROM ("
        "SELECT MAX(issue_date) AS d FROM ledger_invoice "
        "UNION ALL SELECT MAX(received_on) AS d FROM ledger_payment) AS latest_dates"
    )


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def default_analytics_path() -> str:
    """`var/analytics.duckdb`, or a private in-memory copy for a throwaway operational database
    (test databases are rolled back under the sync's watermarks)."""
    name = str(connection.settings_dict.get("NAME") or "")
    if "memory" in name or name.startswith("test_"):
        return ":memory:"
    return str(settings.DATA_DIR / "analytics.duckdb")


def _connect(target: str) -> duckdb.DuckDBPyConnection:
    """Opens the DuckDB file, waiting while another process holds its lock.

    Only one process may open a DuckDB file at a time: the web server's workers and the background
    sync take turns, each holding it for one evaluation or one sync.
    """
    waited, pause = 0.0, 0.02
    while True:
        try:
            return duckdb.connect(target)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or waited >= settings.DUCKDB_LOCK_WAIT_SECONDS:
                raise
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.5)


# The date ranges of a trend (a point table, the distinct dates open items are needed on) are a
# few dozen rows joined by inequalities to millions of invoices, spans or receipts. DuckDB sorts
# both sides for such a join (IEJoin) unless the small side has fewer rows than this; a nested
# loop over a few dates is one vectorized filter pass per date and measured 35-40% faster on the
# 1M-invoice dashboard (decision 0010).
SMALL_SIDE_ROWS = 32


# Static relations stored in the analytics file: name, the SQL that filled it, the data version.
_KEPT = "_recoup_kept"


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str | Path | None = None) -> None:
        target = str(path) if path is not None else default_analytics_path()
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        raw = _connect(target)
        # Extensions would be fetched from the network on first use: never, here.
        raw.execute("SET autoinstall_known_extensions = false")
        raw.execute("SET autoload_known_extensions = false")
        # Beyond this DuckDB spills to disk instead of growing: the dashboard must fit in 2 GB.
        raw.execute("SET memory_limit = ?", [settings.DUCKDB_MEMORY])
        raw.execute(f"SET nested_loop_join_threshold = {SMALL_SIDE_ROWS}")
        self.raw = raw
        self.last_sync: SyncReport | None = None

    def sync(self) -> SyncReport:
        self.last_sync = sync_duckdb(self.raw)
        return self.last_sync

    def _data_version(self) -> str | None:
        """The sync's watermarks: they change whenever it brings in a changed row, and only the
        sync writes the ledger tables here, so equal watermarks mean equal data."""
        if not self._has_table("_recoup_sync"):
            return None
        row = self.raw.execute(
            "SELECT string_agg(concat_ws(':', table_name, max_id, max_updated, row_count), ';'"
            " ORDER BY table_name) FROM _recoup_sync"
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def _has_table(self, name: str) -> bool:
        found = self.raw.execute(
            "SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
        ).fetchone()
        return bool(found and found[0])

    def forget_static(self) -> None:
        """Drops what was kept from earlier evaluations: the next one recomputes it all."""
        if self._has_table(_KEPT):
            self.raw.execute(f"DELETE FROM {_KEPT}")

    def load_points(self, table: pa.Table) -> None:
        self.raw.register(POINTS_TABLE, table)

    def materialize(self, name: str, sql: str, *, static: bool = False) -> None:
        version = self._data_version() if static else None
        if version is None:
            self.raw.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {sql}")
            return
        # A static relation is stored in the file with the data version it was made from, so
        # every engine on this file (each page, each process) reuses it until a sync changes
        # rows: the per-invoice balance spans are then computed once, not on every dashboard.
        self.raw.execute(
            f"CREATE TABLE IF NOT EXISTS {_KEPT}"
            " (name VARCHAR PRIMARY KEY, fill VARCHAR, data_version VARCHAR)"
        )
        kept = self.raw.execute(
            f"SELECT fill, data_version FROM {_KEPT} WHERE name = ?", [name]
        ).fetchone()
        if kept == (sql, version) and self._has_table(name):
            return
        self.raw.execute(f"CREATE OR REPLACE TABLE {ident(name)} AS {sql}")
        self.raw.execute(f"INSERT OR REPLACE INTO {_KEPT} VALUES (?, ?, ?)", [name, sql, version])

    def run(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.raw.execute(sql)
        names = [c[0] for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def data_as_of(self) -> date | None:
        return _as_date(self.run(_latest_sql())[0]["latest"])

    def freshness(self) -> Freshness:
        report = self.last_sync or self.sync()
        return Freshness(self.data_as_of(), report.describe())

    def close(self) -> None:
        self.raw.close()


class PostgresEngine:
    """Runs on Django's own connection, so it sees what the application sees (tests included)."""

    name = "postgres"
    dialect = "postgres"

    def __init__(self) -> None:
        if connection.vendor != "postgresql":
            raise MetricInputError(
                "engine postgres needs a PostgreSQL operational database "
                "(DATABASE_URL=postgres://...)"
            )

    def load_points(self, table: pa.Table) -> None:
        columns = ", ".join(f"{ident(name)} date" for name in table.column_names)
        placeholders = ", ".join(["%s"] * table.num_columns)
        rows = [tuple(r.values()) for r in table.to_pylist()]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {POINTS_TABLE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {POINTS_TABLE} ({columns})")
            cursor.executemany(f"INSERT INTO {POINTS_TABLE} VALUES ({placeholders})", rows)

    def materialize(self, name: str, sql: str, *, static: bool = False) -> None:
        # Live data: every evaluation recomputes, static relations included.
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {ident(name)}")
            cursor.execute(f"CREATE TEMPORARY TABLE {ident(name)} AS {sql}")

    def run(self, sql: str) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL TIME ZONE 'UTC'" if connection.in_atomic_block else "SET TIME ZONE 'UTC'"
            )
            cursor.execute(sql)
            names = [c[0] for c in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def data_as_of(self) -> date | None:
        return _as_date(self.run(_latest_sql())[0]["latest"])

    def freshness(self) -> Freshness:
        return Freshness(self.data_as_of(), "live: computed on the operational database")


_spark_lock = threading.Lock()
_spark_session: Any = None


def spark_session() -> Any:
    """One local Spark session per process: starting Spark takes seconds."""
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            from pyspark.sql import SparkSession

            _spark_session = (
                SparkSession.builder.master("local[2]")
                .appName("recoup-kpi")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.memory", settings.SPARK_MEMORY)
                .getOrCreate()
            )
            _spark_session.sparkContext.setLogLevel("ERROR")
        return _spark_session


class SparkEngine:
    name = "spark"
    dialect = "pyspark"

    def __init__(self, export_dir: str | Path | None = None) -> None:
        self.session = spark_session()
        self.export_dir = Path(export_dir or tempfile.mkdtemp(prefix="recoup-spark-"))
        self._owns_dir = export_dir is None
        self._loads = 0
        self._kept: dict[str, str] = {}
        self.rows = export_parquet(self.export_dir)
        for name in TABLE_COLUMNS:
            frame = self.session.read.parquet(str(self.export_dir / f"{name}.parquet"))
            frame.createOrReplaceTempView(name)

    def load_points(self, table: pa.Table) -> None:
        # A fresh file each time: Spark caches file listings, and skips names starting with "_".
        self._loads += 1
        path = self.export_dir / f"points-{self._loads}.parquet"
        pq.write_table(table, path)
        self.session.read.parquet(str(path)).createOrReplaceTempView(POINTS_TABLE)

    def materialize(self, name: str, sql: str, *, static: bool = False) -> None:
        # The export is a snapshot: a static relation cached once serves every evaluation.
        if static and self._kept.get(name) == sql:
            return
        frame = self.session.sql(sql).cache()
        frame.createOrReplaceTempView(name)
        if static:
            self._kept[name] = sql

    def run(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.session.sql(sql).collect()]

    def data_as_of(self) -> date | None:
        return _as_date(self.run(_latest_sql())[0]["latest"])

    def freshness(self) -> Freshness:
        return Freshness(
            self.data_as_of(),
            f"exported {self.rows:,} rows from the operational database to Parquet",
        )

    def close(self) -> None:
        if self._owns_dir:
            shutil.rmtree(self.export_dir, ignore_errors=True)


def export_parquet(directory: Path) -> int:
    """Writes every table the compiler reads to `directory/<table>.parquet`; returns rows."""
    directory.mkdir(parents=True, exist_ok=True)
    total = 0
    for name in TABLE_COLUMNS:
        path = directory / f"{name}.parquet"
        with pq.ParquetWriter(path, schema(name)) as writer:
            wrote = False
            for batch in read_batches(name):
                writer.write_batch(batch)
                total += batch.num_rows
                wrote = True
            if not wrote:
                writer.write_table(schema(name).empty_table())
    return total


def engine_open(name: str | None = None) -> DuckDBEngine | PostgresEngine | SparkEngine:
    """The engine by name; the default is DuckDB fed from the operational database."""
    chosen = name or settings.KPI_ENGINE
    if chosen == "duckdb":
        engine = DuckDBEngine()
        engine.sync()
        return engine
    if chosen == "postgres":
        return PostgresEngine()
    if chosen == "spark":
        return SparkEngine()
    raise MetricInputError(f"unknown engine {chosen!r}: expected one of {', '.join(ENGINES)}")
