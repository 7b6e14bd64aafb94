"""A download's scan reads with a small page cache and gives the connection's back after.

On PostgreSQL the cache is the server's: the rows pass through and nothing is set."""

from __future__ import annotations

import pytest
from django.db import connection

from recoup.core.scans import SCAN_CACHE_KIB, scanned

pytestmark = pytest.mark.django_db


def _cache_size() -> int | None:
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def test_a_scan_reads_with_a_small_cache_and_restores_the_setting() -> None:
    before = _cache_size()
    seen = [(value, _cache_size()) for value in scanned(iter([1, 2, 3]))]
    during = -SCAN_CACHE_KIB if connection.vendor == "sqlite" else None
    assert seen == [(1, during), (2, during), (3, during)]
    assert _cache_size() == before
    if connection.vendor == "sqlite":
        assert before != during


def test_a_scan_stopped_early_restores_the_setting_too() -> None:
    before = _cache_size()
    rows = scanned(iter(range(10)))
    assert next(rows) == 0
    rows.close()  # the client went away mid-download
    assert _cache_size() == before
