"""Reads the ledger tables the KPI engine needs out of the operational database as Arrow.

Used to feed DuckDB (incremental sync) and Spark (Parquet files). On SQLite, dates and times are
selected as text and parsed by Arrow: far faster than building Python date objects per row.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from recoup.metrics.compiler import TABLE_COLUMNS

_DATES = {
    "issue_date",
    "due_date",
    "received_on",
    "effective_on",
    "valid_from",
    "valid_to",
    "promised_on",
    "opened_on",
    "resolved_on",
    "placed_on",
    "recalled_on",
    "applied_on",
    "decided_on",
    "incurred_on",
}
_TIMESTAMPS = {"occurred_at"}
_TEXT = {
    "currency",
    "kind",
    "segment",
    "country",
    "credit_limit_currency",
    "username",
    "name",
    "channel",
    "direction",
    "outcome",
}
_BOOL = {"policy_exception"}
# Business dates a changed row carries: the earliest tells snapshots where to recompute from.
BUSINESS_DATES: dict[str, tuple[str, ...]] = {
    "ledger_invoice": ("issue_date",),
    "ledger_payment": ("received_on",),
    "ledger_adjustment": ("effective_on",),
    "ledger_assignment": ("valid_from",),
    "ledger_activity": ("occurred_at",),
    "ledger_promisetopay": ("promised_on",),
    "ledger_dispute": ("opened_on",),
    "ledger_placement": ("placed_on",),
    "ledger_creditdecision": ("applied_on",),
    "ledger_collectioncost": ("incurred_on",),
}


def arrow_type(column: str) -> pa.DataType:
    if column in _DATES:
        return pa.date32()
    if column in _TIMESTAMPS:
        return pa.timestamp("us", tz="UTC")
    if column in _TEXT:
        return pa.string()
    if column in _BOOL:
        return pa.bool_()
    return pa.int64()


def schema(table: str) -> pa.Schema:
    return pa.schema([(c, arrow_type(c)) for c in TABLE_COLUMNS[table]])


def _select_list(table: str) -> str:
    quote = connection.ops.quote_name
    sqlite = connection.vendor == "sqlite"
    cols = []
    for c in TABLE_COLUMNS[table]:
        if sqlite and (c in _DATES or c in _TIMESTAMPS):
            cols.append(f"CAST({quote(c)} AS TEXT)")
        else:
            cols.append(quote(c))
    return ", ".join(cols)


def _column(values: list[object], column: str) -> pa.Array:
    kind = arrow_type(column)
    if (
        values
        and isinstance(next((v for v in values if v is not None), None), str)
        and (column in _DATES or column in _TIMESTAMPS)
    ):
        text = pa.array(values, pa.string())
        if column in _TIMESTAMPS:
            # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]"; KPIs read whole seconds at most
            text = pc.utf8_slice_codeunits(text, 0, 19)
            return text.cast(pa.timestamp("us")).cast(kind)
        return text.cast(kind)
    if column in _BOOL:
        return pa.array([None if v is None else bool(v) for v in values], kind)
    return pa.array(values, kind)


def read_batches(
    table: str, *, where: str = "", params: tuple[object, ...] = (), batch_size: int = 500_000
) -> Iterator[pa.RecordBatch]:
    """Rows of `table` (optionally filtered by a SQL `where` with %s params) as Arrow batches."""
    names = TABLE_COLUMNS[table]
    sql = f"SELECT {_select_list(table)} FROM {connection.ops.quote_name(table)}"
    if where:
        sql += f" WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))  # type: ignore[arg-type]
        while rows := cursor.fetchmany(batch_size):
            columns = list(zip(*rows, strict=True))
            yield pa.record_batch(
                [_column(list(col), name) for col, name in zip(columns, names, strict=True)],
                schema=schema(table),
            )


def read_table(table: str, *, where: str = "", params: tuple[object, ...] = ()) -> pa.Table:
    batches = list(read_batches(table, where=where, params=params))
    return pa.Table.from_batches(batches, schema=schema(table))
