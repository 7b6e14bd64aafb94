"""A whole-table read that does not take the connection's page cache with it.

SQLite keeps up to `cache_size` pages per connection (64 MB in the settings, for imports and
dashboards that revisit pages). A download of a million rows visits each page once, so a big
cache buys it nothing and would fill the process with 64 MB of pages it never reads again. For
the length of the scan the connection keeps a small cache; the setting comes back after, and
SQLite frees the pages above the smaller limit at once. PostgreSQL's cache is the server's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection

# Enough for the customer and team pages a scan joins on every row (a few MB at a million
# invoices); the invoice pages stream through it.
SCAN_CACHE_KIB = 8 * 1024


def scanned[T](rows: Iterable[T]) -> Iterator[T]:
    """`rows`, read with the small page cache while they stream."""
    if connection.vendor != "sqlite":
        yield from rows
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SCAN_CACHE_KIB}")
    try:
        yield from rows
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")
