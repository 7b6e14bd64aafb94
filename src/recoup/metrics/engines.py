"""The engines that run compiled metrics: DuckDB (embedded default), PostgreSQL, Spark.

- duckdb: DuckDB fed from the operational database by an incremental sync (decision 0002,
  `recoup.metrics.duckdb_engine`). A server, the worker and the CLI read published snapshots of
  it (`recoup.metrics.published_reads`, decision 0014), so threads and processes read at once
  while one writer syncs. A throwaway operational database gets a private in-memory copy.
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
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from recoup.core.sql import ident
from recoup.metrics.catalogue import MetricInputError
from recoup.metrics.compiler import TABLE_COLUMNS
from recoup.metrics.duckdb_engine import (
    SMALL_SIDE_ROWS,
    DuckDBEngine,
    Freshness,
    _as_date,
    _latest_sql,
    configure,
    connect_waiting,
    default_analytics_path,
    latest_date,
    synced_version,
)
from recoup.metrics.evaluate import POINTS_TABLE
from recoup.metrics.extract import read_batches, schema
from recoup.metrics.published_reads import (
    PublishedEngine,
    analytics_close,
    analytics_reading,
    analytics_refresh,
    analytics_store,
    pinned,
    pinned_publication,
    published_mode,
    reads_published,
    snapshot_marks,
    tables_read,
)

__all__ = [
    "ENGINES",
    "SMALL_SIDE_ROWS",
    "DuckDBEngine",
    "Freshness",
    "PostgresEngine",
    "PublishedEngine",
    "SparkEngine",
    "analytics_close",
    "analytics_reading",
    "analytics_refresh",
    "analytics_store",
    "configure",
    "connect_waiting",
    "default_analytics_path",
    "engine_open",
    "export_parquet",
    "latest_date",
    "pinned",
    "published_mode",
    "snapshot_marks",
    "spark_session",
    "synced_version",
    "tables_read",
]

ENGINES = ("duckdb", "postgres", "spark")


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
        if reads_published():
            return PublishedEngine(pinned_publication())
        engine = DuckDBEngine()
        engine.sync()
        return engine
    if chosen == "postgres":
        return PostgresEngine()
    if chosen == "spark":
        return SparkEngine()
    raise MetricInputError(f"unknown engine {chosen!r}: expected one of {', '.join(ENGINES)}")
