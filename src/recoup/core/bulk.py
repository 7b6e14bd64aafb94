"""Fast set-based writes shared by the importer and the demo generator.

`bulk_insert` streams rows into a table inside the caller's transaction: `executemany` on SQLite
(one prepared statement, no per-row Python objects) and `COPY` on PostgreSQL. It bypasses model
`save()` on purpose: callers validate first and write audit rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connections


def quote_name(name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(name)


def bulk_insert(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = "default",
    batch_size: int = 50_000,
) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; returns the number of rows."""
    connection = connections[using]
    quoted_table = quote_name(table, using)
    column_list = ", ".join(quote_name(c, using) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg cursor: COPY is several times faster than INSERT
            with raw.copy(f"COPY {quoted_table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quoted_table} ({column_list}) VALUES ({placeholders})"
        iterator = iter(rows)
        while batch := list(islice(iterator, batch_size)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
