"""DuckDB fed from the operational database by an incremental sync (decision 0002): the engine
on a private connection (a working copy, a test's in-memory copy), and the helpers every DuckDB
connection of Recoup shares. Readers of a data directory use published snapshots instead
(`recoup.metrics.published_reads`, decision 0014).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection

from recoup.core.sql import ident
from recoup.metrics.evaluate import POINTS_TABLE
from recoup.metrics.sync import SyncReport, sync_duckdb, watermark_version


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
    (test databases are rolled back under the sync's watermarks, and a test database file's
    ids start again in the next run: a copy kept in `var/` would hold another run's rows)."""
    name = str(connection.settings_dict.get("NAME") or "")
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    if "memory" in name or name.startswith("test_") or (test_name and name == str(test_name)):
        return ":memory:"
    return str(settings.DATA_DIR / "analytics.duckdb")


def connect_waiting(target: str) -> duckdb.DuckDBPyConnection:
    """Opens the DuckDB file for writing, waiting while another process holds its lock.

    Only one process may open a DuckDB file for writing: readers use published snapshots
    instead; the sync's writers take turns (`recoup.metrics.published`).
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
_WATERMARKS_SQL = "SELECT table_name, max_id, max_updated, row_count FROM _recoup_sync"
_PUBLISHED_WATERMARKS_SQL = (
    "SELECT table_name, max_id, max_updated, row_count FROM published._recoup_sync"
)


class Watermarks:
    """Each synced table's watermark in a DuckDB copy (`recoup.metrics.sync`): equal marks,
    equal rows, in whichever copy or snapshot. What a query or a relation computes is named by
    the marks of the tables its SQL names: a sync that brought in a logged call leaves the
    balances' relations and answers valid."""

    def __init__(self, by_table: dict[str, str]) -> None:
        self.by_table = by_table
        self._names = _table_names_pattern(frozenset(by_table))

    @classmethod
    def read(cls, raw: duckdb.DuckDBPyConnection, *, published: bool = False) -> Watermarks:
        sql = _PUBLISHED_WATERMARKS_SQL if published else _WATERMARKS_SQL
        rows = raw.execute(sql).fetchall()
        return cls({str(t): f"{i}:{u}:{c}" for t, i, u, c in rows})

    def tables_named(self, texts: Iterable[str]) -> list[str]:
        """The synced tables the SQL `texts` name; all of them for texts naming none (never a
        key too narrow)."""
        named = set(self._names.findall("\n".join(texts))) if self.by_table else set()
        return sorted(named or self.by_table)

    def marks(self, tables: Iterable[str]) -> str:
        return ";".join(f"{t}={self.by_table.get(t)}" for t in sorted(tables))

    def of_sql(self, *texts: str) -> str:
        """The marks of the tables `texts` name: equal in two copies, equal results."""
        return self.marks(self.tables_named(texts))

    def of_relation(self, sql: str, relations: Mapping[str, str]) -> str:
        """The marks of relation `sql` and of the `relations` (name: SQL) it reads, theirs too:
        a relation made from another is as new as the tables behind both."""
        texts: list[str] = []
        pending, seen = [sql], set()
        while pending:
            text = pending.pop()
            texts.append(text)
            for name, fill in relations.items():
                if name not in seen and name in text:
                    seen.add(name)
                    pending.append(fill)
        return self.of_sql(*texts)


@lru_cache(maxsize=8)
def _table_names_pattern(tables: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(tables)) + r")\b")


def configure(raw: duckdb.DuckDBPyConnection) -> None:
    # Extensions would be fetched from the network on first use: never, here.
    raw.execute("SET autoinstall_known_extensions = false")
    raw.execute("SET autoload_known_extensions = false")
    # Beyond this DuckDB spills to disk instead of growing: the dashboard must fit in 2 GB.
    raw.execute("SET memory_limit = ?", [settings.DUCKDB_MEMORY])
    raw.execute(f"SET nested_loop_join_threshold = {SMALL_SIDE_ROWS}")


def synced_version(raw: duckdb.DuckDBPyConnection) -> str:
    """A digest of the sync's watermarks in `raw`: equal digests, equal data. Equal to the
    operational database's `source_version()` when a sync would read nothing new."""
    rows = raw.execute(
        "SELECT table_name, max_id, max_updated, row_count FROM _recoup_sync"
    ).fetchall()
    return watermark_version(
        (str(t), int(i), None if u is None else str(u), int(c)) for t, i, u, c in rows
    )


def latest_date(raw: duckdb.DuckDBPyConnection) -> date | None:
    row = raw.execute(_latest_sql()).fetchone()
    return _as_date(row[0]) if row else None


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str | Path | None = None) -> None:
        """A private connection to `path` (default: `default_analytics_path()`), which this
        engine may sync and keep static relations in. Readers of a shared data directory use
        `engine_open` instead, which reads published snapshots."""
        target = str(path) if path is not None else default_analytics_path()
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        raw = connect_waiting(target)
        configure(raw)
        self.raw = raw
        self.last_sync: SyncReport | None = None
        self._fills: dict[str, str] = {}  # the SQL of each relation made here, by name

    @classmethod
    def on(cls, raw: duckdb.DuckDBPyConnection) -> DuckDBEngine:
        """An engine on a connection the caller opened and closes."""
        engine = cls.__new__(cls)
        engine.raw = raw
        engine.last_sync = None
        engine._fills = {}
        return engine

    def sync(self) -> SyncReport:
        self.last_sync = sync_duckdb(self.raw)
        return self.last_sync

    def _relation_version(self, sql: str) -> str | None:
        """The watermarks of the tables relation `sql` reads, through the relations it reads:
        only the sync writes the ledger tables here, so equal marks mean an equal relation."""
        if not self._has_table("_recoup_sync"):
            return None
        return Watermarks.read(self.raw).of_relation(sql, self._fills)

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
        version = self._relation_version(sql) if static else None
        self._fills[name] = sql
        if version is None:
            self.raw.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {sql}")
            return
        # A static relation is stored in the file with the watermarks of the tables it read, so
        # every engine on this file (each page, each process) reuses it until a sync changes
        # those rows: the per-invoice balance spans are then computed once, not on every
        # dashboard, and not again for a sync that brought in only logged calls.
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
