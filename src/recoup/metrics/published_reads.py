"""How a server, the worker and the CLI read KPIs: published analytics snapshots (decision 0014).

One in-memory DuckDB database per snapshot and process, with the snapshot attached read-only,
and a cursor (a connection of its own) per engine, so threads and processes read at once while
one writer syncs the working copy (`recoup.metrics.published`). Results are kept in Django's cache
(files, shared by every process), keyed by the snapshot, so a question is computed once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connections
from django.utils import timezone

from recoup.core.answers import answer_get, answer_set
from recoup.core.sql import ident
from recoup.metrics.catalogue import CATALOGUE, MetricInputError
from recoup.metrics.duckdb_engine import (
    SMALL_SIDE_ROWS,
    DuckDBEngine,
    Freshness,
    Watermarks,
    default_analytics_path,
    latest_date,
)
from recoup.metrics.evaluate import POINTS_TABLE, Point, Spec, compile_specs, query_sql
from recoup.metrics.published import FileLock, Publication, Store, held, refresh_in_thread
from recoup.metrics.sync import SyncReport

logger = logging.getLogger(__name__)

# A KPI result is cached (shared by every process) while it has at most this many rows: the
# API's and the pages' answers, not a list of every customer behind a number.
RESULT_ROWS = 5_000
RESULT_SECONDS = 24 * 3600
# The static relations a snapshot holds, with what each was made from (`_KEPT` there).
_PUBLISHED_KEPT_SQL = "SELECT name, fill, data_version FROM published._recoup_kept"
# Results being computed are claimed through one of this many lock files, by key.
_STRIPES = 256


class _Opened:
    """One published snapshot opened in this process: an in-memory DuckDB database with the
    snapshot attached read-only. Each engine on it is a cursor, a connection of its own (DuckDB's
    way to use one database from many threads); its temporary tables are its own, while the
    static relations it makes go to the in-memory catalog, shared by them all."""

    def __init__(self, path: Path, publication: Publication) -> None:
        self.publication = publication
        # Two data directories (two tests, two instances) may publish equal ids.
        self.key = f"{path}:{publication.id}"
        self.directory = path.parent
        self.db = duckdb.connect(
            ":memory:",
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "memory_limit": settings.DUCKDB_MEMORY,
            },
        )
        self.db.execute("ATTACH ? AS published (READ_ONLY)", [str(path)])
        self.watermarks = Watermarks.read(self.db, published=True)
        self.in_snapshot = self._kept_in_snapshot()
        self.made: dict[str, str] = {}
        self.lock = threading.Lock()
        self.users = 0
        self.retired = False

    def _kept_in_snapshot(self) -> dict[str, str]:
        """The static relations the writer computed into the snapshot for its data."""
        try:
            rows = self.db.execute(_PUBLISHED_KEPT_SQL).fetchall()
        except duckdb.CatalogException:
            return {}
        fills = {str(name): str(fill) for name, fill, _version in rows}
        return {
            str(name): str(fill)
            for name, fill, version in rows
            if version == self.watermarks.of_relation(str(fill), fills)
        }

    def make_static(self, cursor: duckdb.DuckDBPyConnection, name: str, fill: str) -> bool:
        """Makes static relation `name` in the shared catalog once per snapshot; False if that
        name holds another relation already (the caller then makes a private one)."""
        if self.in_snapshot.get(name) == fill:
            return True
        # One thread computes it, the others wait for it: never the same table twice at once
        # (DuckDB answers that with a write-write conflict).
        with self.lock:
            if name in self.made:
                return self.made[name] == fill
            cursor.execute(f"CREATE TABLE memory.main.{ident(name)} AS {fill}")
            self.made[name] = fill
            return True


_registry = threading.Lock()
_opened: dict[str, _Opened] = {}
_stores: dict[Path, Store] = {}
_refresher: threading.Thread | None = None
_last_refresh = 0.0  # when this process's background refresh last started (epoch seconds)
_last_cost = 0.0  # how long it took (seconds)
# A server's background refresh takes at most about this share of its time: on a large ledger
# one check of the tables' watermarks takes a second, and commits come every second.
BACKGROUND_SHARE = 0.1
_pinned: ContextVar[Publication | None] = ContextVar("recoup_pinned_publication", default=None)
_tables_read: ContextVar[set[str] | None] = ContextVar("recoup_tables_read", default=None)
# Objects inherited through a fork: kept, never closed, so the child never touches the parent's
# DuckDB threads.
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    global _registry, _refresher
    _inherited.extend(_opened.values())
    _opened.clear()
    _registry = threading.Lock()
    _refresher = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def analytics_store() -> Store:
    directory = Path(settings.DATA_DIR)
    with _registry:
        return _stores.setdefault(directory, Store(directory))


def reads_published() -> bool:
    """Whether DuckDB engines read published snapshots: on a real operational database, not a
    test's (`default_analytics_path`)."""
    return default_analytics_path() != ":memory:"


def published_mode() -> bool:
    """Whether the default engine reads published snapshots (DuckDB on a real database)."""
    return settings.KPI_ENGINE == "duckdb" and reads_published()


def prepare_static(raw: duckdb.DuckDBPyConnection) -> None:
    """Computes every static relation the catalogue's metrics read into the working copy, so a
    published snapshot holds them for its data and no reader computes them (decision 0010)."""
    engine = DuckDBEngine.on(raw)
    day = latest_date(raw) or timezone.localdate()
    compiled = compile_specs([Spec(m) for m in CATALOGUE], [Point.at(day)], book=None)
    done: set[str] = set()
    for query in compiled.queries:
        _sql, shared = query_sql(engine, compiled, query)
        for name, fill, static in shared:
            if static and name not in done:
                engine.materialize(name, fill, static=True)
                done.add(name)


def analytics_refresh() -> SyncReport | None:
    """Syncs the analytics copy now and publishes it if it changed (the worker, `recoup warm`);
    waits for another writer instead of syncing twice. None when that writer's sync made the
    copy current. Outside the published mode, syncs a private copy (tests)."""
    if not published_mode():
        engine = DuckDBEngine()
        try:
            return engine.sync()
        finally:
            engine.close()
    return refresh_in_thread(analytics_store(), prepare_static)


def analytics_reading() -> Publication | None:
    """The snapshot a reader should use now (None outside the published mode), `refreshing`
    when the ledger changed since it was synced. A reader waits for the sync if nothing is
    published yet, unless `ANALYTICS_ANSWER_WHILE_SYNCING` (a server): then it answers from the
    current snapshot while a background thread syncs, at most once per
    `ANALYTICS_REFRESH_SECONDS`."""
    if not published_mode():
        return None
    store = analytics_store()
    current = store.current()
    if current is not None and not store.stale(current):
        return current
    if current is not None and settings.ANALYTICS_ANSWER_WHILE_SYNCING:
        _refresh_soon(store, current)
        return replace(current, refreshing=True)
    try:
        refresh_in_thread(store, prepare_static)
    except Exception:
        if current is None:
            raise
        # Another writer's trouble never fails a reader: it gets the last published numbers.
        logger.exception("the analytics copy could not be synced; using the published one")
        return replace(current, refreshing=True)
    fresh = store.current()
    if fresh is None:
        raise MetricInputError(f"no analytics snapshot was published in {store.directory}")
    return fresh


def _refresh_soon(store: Store, current: Publication) -> None:
    global _refresher
    with _registry:
        if _refresher is not None and _refresher.is_alive():
            return
        # At most one refresh per period and process, whoever published last: a burst of
        # commits costs one sync, not one per commit. The period grows with what the last one
        # cost, so readers keep most of the machine (the answers say "being refreshed").
        period = max(settings.ANALYTICS_REFRESH_SECONDS, _last_cost / BACKGROUND_SHARE)
        due = max(_last_refresh, current.checked_at) + period
        _refresher = threading.Thread(
            target=_refresh_later,
            args=(store, max(0.0, due - time.time())),
            name="recoup-analytics-refresh",
            daemon=True,
        )
        _refresher.start()


def _refresh_later(store: Store, delay: float) -> None:
    global _last_refresh, _last_cost
    time.sleep(delay)
    _last_refresh = time.time()
    started = time.monotonic()
    try:
        # Most commits (log-ins, check-ins) change no synced row: confirmed without waiting for
        # the writer's lock, which another process's sync may hold for seconds.
        if not store.confirm():
            store.refresh(prepare_static, threads=1)
    except Exception:
        logger.exception("the analytics copy could not be synced; readers keep the published one")
    finally:
        _last_cost = time.monotonic() - started
        connections.close_all()


def pinned_publication() -> Publication | None:
    """The publication `pinned` chose for this block, if any."""
    return _pinned.get()


@contextmanager
def pinned(publication: Publication | None) -> Iterator[None]:
    """Engines opened in this block read `publication` (a page computes from the snapshot its
    cache key names, even if a newer one is published meanwhile)."""
    token = _pinned.set(publication)
    try:
        yield
    finally:
        _pinned.reset(token)


@contextmanager
def tables_read() -> Iterator[set[str]]:
    """`with tables_read() as read:` the synced tables every snapshot query in the block read
    (cached answers included), for a page keyed by the data it shows (`snapshot_marks`)."""
    read: set[str] = set()
    token = _tables_read.set(read)
    try:
        yield read
    finally:
        _tables_read.reset(token)


def snapshot_marks(publication: Publication, tables: Collection[str]) -> str | None:
    """The watermarks of `tables` in `publication` (`_Opened.marks`); None if it is gone."""
    try:
        opened = _open(analytics_store(), publication)
    except duckdb.IOException:
        return None  # removed after a newer one was published
    try:
        return opened.watermarks.marks(tables)
    finally:
        _release(opened)


def _open(store: Store, publication: Publication) -> _Opened:
    """The snapshot opened in this process (opened now if needed), counted as used."""
    with _registry:
        path = store.directory / publication.file
        opened = _opened.get(f"{path}:{publication.id}")
        if opened is None:
            opened = _Opened(path, publication)
            same = [o for o in _opened.values() if o.directory == store.directory]
            opened.retired = max((o.publication.seq for o in same), default=0) > publication.seq
            for other in same:
                if other.publication.seq < publication.seq:
                    other.retired = True
                    _close_if_unused(other)
            _opened[opened.key] = opened
        opened.users += 1
        return opened


def _acquire(store: Store, publication: Publication) -> tuple[_Opened, duckdb.DuckDBPyConnection]:
    """The snapshot opened in this process (opened now if needed) and a new cursor on it."""
    opened = _open(store, publication)
    try:
        cursor = opened.db.cursor()
    except BaseException:
        _release(opened)
        raise
    return opened, cursor


def _release(opened: _Opened) -> None:
    with _registry:
        opened.users -= 1
        _close_if_unused(opened)


def _close_if_unused(opened: _Opened) -> None:
    if opened.retired and opened.users == 0:
        _opened.pop(opened.key, None)
        opened.db.close()


def analytics_close() -> None:
    """Closes every snapshot no engine uses (`recoup serve` calls it before forking workers)."""
    with _registry:
        for opened in list(_opened.values()):
            opened.retired = True
            _close_if_unused(opened)


def _result_lock(key: str) -> FileLock:
    stripe = int(key[-8:], 16) % _STRIPES
    return FileLock(Path(settings.DATA_DIR) / "locks" / f"result-{stripe:03d}.lock")


class PublishedEngine(DuckDBEngine):
    """An engine on a published snapshot. Relations are made when a query needs them, so a
    query answered from the shared result cache costs no DuckDB work at all."""

    def __init__(self, publication: Publication | None = None) -> None:
        store = analytics_store()
        chosen = publication or analytics_reading()
        if chosen is None:
            raise MetricInputError("no published analytics snapshot outside the published mode")
        try:
            opened, cursor = _acquire(store, chosen)
        except duckdb.IOException:
            # Removed after a newer one was published, before this process opened it.
            latest = store.current()
            if latest is None or latest.id == chosen.id:
                raise
            chosen = replace(latest, refreshing=chosen.refreshing)
            opened, cursor = _acquire(store, chosen)
        self.opened = opened
        self.publication = chosen
        self.raw = cursor
        self.last_sync = None
        self._fills = {}
        self._closed = False
        self._points = ""
        self._used: list[tuple[str, str, bool]] = []
        self._pending: list[tuple[str, str, bool]] = []
        cursor.execute("SET search_path = 'memory.main,published.main'")
        cursor.execute(f"SET nested_loop_join_threshold = {SMALL_SIDE_ROWS}")

    def sync(self) -> SyncReport:
        raise TypeError("a published snapshot is read-only: analytics_refresh() syncs the copy")

    def forget_static(self) -> None:
        raise TypeError("a published snapshot keeps its static relations for its data")

    def load_points(self, table: pa.Table) -> None:
        self._points = hashlib.sha256(repr(table.to_pydict()).encode()).hexdigest()
        self._used = []
        self._pending = []
        self.raw.register(POINTS_TABLE, table)

    def materialize(self, name: str, sql: str, *, static: bool = False) -> None:
        self._used.append((name, sql, static))
        self._pending.append((name, sql, static))

    def _make_pending(self) -> None:
        for name, sql, static in self._pending:
            if static and self.opened.make_static(self.raw, name, sql):
                continue
            self.raw.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {sql}")
        self._pending = []

    def run(self, sql: str) -> list[dict[str, Any]]:
        # The watermarks of the tables read, the points and the SQL of every relation made for
        # this query name the answer, in every snapshot, thread and process: a question whose
        # tables did not change is not computed again when a new snapshot is published.
        tables = self.opened.watermarks.tables_named([sql, *(f for _n, f, _s in self._used)])
        collecting = _tables_read.get()
        if collecting is not None:
            collecting.update(tables)
        data = self.opened.watermarks.marks(tables)
        question = repr((str(self.opened.directory), data, self._points, self._used, sql))
        key = "recoup:kpi:" + hashlib.sha256(question.encode()).hexdigest()
        found = answer_get(key)
        if found is not None:
            return list(found)
        # One thread computes a result, the others wait for it and read it.
        with held(_result_lock(key), settings.DUCKDB_LOCK_WAIT_SECONDS) as got:
            found = answer_get(key) if got else None
            if found is not None:
                return list(found)
            self._make_pending()
            rows = super().run(sql)
            if len(rows) <= RESULT_ROWS:
                answer_set(key, rows, RESULT_SECONDS)
        return rows

    def data_as_of(self) -> date | None:
        return self.publication.latest_date

    def freshness(self) -> Freshness:
        state = self.publication.report
        if self.publication.refreshing:
            state += "; being refreshed: the ledger changed since"
        return Freshness(self.publication.latest_date, state)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.raw.close()
            _release(self.opened)
