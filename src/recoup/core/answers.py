"""Answers kept under keys that name their question and data: Django's cache (files, shared by
every process, decision 0014) with a small memory of this process in front.

Such a key never comes to hold another value (a new snapshot or a changed table makes another
key), so what this process read once it need not read, unpickle and copy again: on a busy server
that was a sixth of a cached page's time. The memory holds references to the values, so they
must not be changed by their readers (frozen dataclasses, rows only read).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, cast

from django.core.cache import cache
from django.db import connection

from recoup.core.db_changes import source_fingerprint

# Entries kept in memory per process: the pages and KPI answers of the latest snapshots. A page
# of a large ledger's drill-down holds thousands of rows, so the memory is counted in entries.
MEMORY_ENTRIES = 128


class _Memory:
    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_memory = _Memory(MEMORY_ENTRIES)
_this_commit = _Memory(MEMORY_ENTRIES)


def answer_get(key: str) -> Any:
    """The answer kept under `key`, or None."""
    found = _memory.get(key)
    if found is not None:
        return found
    try:
        found = cache.get(key)
    except Exception:
        # An entry written by another version of the code, or cut short: computed again.
        return None
    if found is not None:
        _memory.put(key, found)
    return found


def answer_set(key: str, value: Any, seconds: int) -> None:
    """Keeps `value` under `key` for every process, `seconds` long in the shared cache."""
    cache.set(key, value, seconds)
    _memory.put(key, value)


def until_next_commit[T](key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, kept in this process until the next commit to the operational database, for
    what is read from it on every page (the OKR board, the FX rates). Only where a commit is
    cheap to tell (a SQLite file: `source_fingerprint`) and outside a transaction (whose own
    writes no commit has counted yet); computed every time elsewhere."""
    version = None if connection.in_atomic_block else source_fingerprint()
    if version is None:
        return build()
    full = repr((version, key))
    found = _this_commit.get(full)
    if found is None:
        found = build()
        _this_commit.put(full, found)
    return cast(T, found)


def answers_forget() -> None:
    """Forgets every answer: the shared cache and this process's memory."""
    cache.clear()
    answers_forget_here()


def answers_forget_here() -> None:
    """Empties this process's memory only."""
    _memory.clear()
    _this_commit.clear()
