"""Fast set-based writes shared by the importer and the demo generator.

`bulk_insert` streams rows into a table inside the caller's transaction: on SQLite a hundred rows
per `INSERT` statement through one prepared statement, on PostgreSQL `COPY`. `bulk_insert_columns`
does the same from column lists, as the importer gets them from Arrow, without making a tuple per
row. Both bypass model `save()` on purpose: callers validate first and write audit rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import Any

from django.db import connections

ROWS_PER_STATEMENT = 100
# SQLite's default limit on bound parameters per statement since 3.32.
SQLITE_MAX_VARIABLES = 32_766


def quote_name(name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(name)


class _SQLiteInserter:
    """Many rows per statement: the driver's per-statement cost (reset, step, the parameter
    list) is paid once per hundred rows instead of once per row (measured 1.4x faster than one
    row per `executemany` item for the importer's staging table)."""

    def __init__(self, table: str, columns: Sequence[str], using: str) -> None:
        raw = connections[using].connection
        assert raw is not None
        self.raw = raw
        self.width = len(columns)
        column_list = ", ".join(quote_name(c, using) for c in columns)
        self.head = f"INSERT INTO {quote_name(table, using)} ({column_list}) VALUES "
        self.one = "(" + ", ".join(["?"] * self.width) + ")"
        per_statement = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // self.width))
        self.full = self.head + ", ".join([self.one] * per_statement)
        self.span = self.width * per_statement

    def write(self, flat: list[Any]) -> None:
        """Insert the rows whose values, row after row, make up `flat`."""
        whole = len(flat) // self.span * self.span
        if whole:
            self.raw.executemany(
                self.full, [flat[i : i + self.span] for i in range(0, whole, self.span)]
            )
        if whole < len(flat):
            rest = (len(flat) - whole) // self.width
            self.raw.execute(self.head + ", ".join([self.one] * rest), flat[whole:])


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
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy(cursor, table, columns, rows, using)
        inserter = _SQLiteInserter(table, columns, using)
        iterator = iter(rows)
        while batch := list(islice(iterator, batch_size)):
            flat = list(chain.from_iterable(batch))
            if len(flat) != inserter.width * len(batch):
                raise ValueError(f"rows for {table} must have {inserter.width} values each")
            inserter.write(flat)
            count += len(batch)
    return count


def bulk_insert_columns(
    table: str,
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    *,
    using: str = "default",
    batch_size: int = 50_000,
) -> int:
    """Insert rows given column by column (`values[i]` holds column `columns[i]`, all of one
    length) into `table`; returns the number of rows."""
    if len(values) != len(columns):
        raise ValueError(f"{len(columns)} columns for {table}, {len(values)} value lists")
    n = len(values[0]) if values else 0
    if any(len(v) != n for v in values):
        raise ValueError(f"the value lists for {table} differ in length")
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy(cursor, table, columns, zip(*values, strict=True), using)
        inserter = _SQLiteInserter(table, columns, using)
        width = inserter.width
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            # Interleaving by slice assignment runs in C: no tuple per row.
            flat: list[Any] = [None] * ((stop - start) * width)
            for j, column in enumerate(values):
                flat[j::width] = column[start:stop]
            inserter.write(flat)
    return n


def _copy(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], using: str
) -> int:
    column_list = ", ".join(quote_name(c, using) for c in columns)
    count = 0
    raw = cursor.cursor  # psycopg cursor: COPY is several times faster than INSERT
    with raw.copy(f"COPY {quote_name(table, using)} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
