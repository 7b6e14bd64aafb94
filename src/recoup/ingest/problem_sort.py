"""A rejected run's problems in the order a reader asks for, by any column of the report.

The report file may hold millions of problems: DuckDB sorts it on disk within a bounded memory and
the rows come back a batch at a time, so a sorted download streams like the file's own order. A
run without a report file keeps its few problems on the run, sorted in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import duckdb

from recoup.core.exports import Sort, rows_sorted
from recoup.core.sql import ident

# Sort key -> the report's column (`recoup.ingest.problems.REPORT_COLUMNS`).
PROBLEM_SORTS: Mapping[str, tuple[str, ...]] = {
    "row": ("row",),
    "record": ("record",),
    "column": ("column",),
    "value": ("value",),
    "expected": ("expected",),
}
FIELDS = ("row", "record", "column", "value", "expected")
# What the sort may hold in memory before it spills to its temporary folder.
SORT_MEMORY = "256MB"
BATCH = 2_000


def _row_number(problem: Mapping[str, Any]) -> int | None:
    text = str(problem.get("row", ""))
    return int(text) if text.isdigit() else None


def _in_memory_keys() -> dict[str, Any]:
    keys: dict[str, Any] = {
        name: (lambda p, n=name: str(p.get(n, "")).casefold()) for name in FIELDS
    }
    keys["row"] = _row_number
    return keys


def problems_sorted_in_memory(
    problems: Iterable[dict[str, Any]], sort: Sort
) -> list[dict[str, Any]]:
    return rows_sorted(problems, sort, _in_memory_keys())


def problems_sorted_from_report(path: str, sort: Sort) -> Iterator[dict[str, Any]]:
    """The report's problems in `sort`'s order; ties, and blanks (last), in the file's order."""
    column = ident(sort.key)  # a key of PROBLEM_SORTS, never the request's text
    value = f"TRY_CAST({column} AS BIGINT)" if sort.key == "row" else f"lower(NULLIF({column}, ''))"
    direction = "DESC" if sort.descending else "ASC"
    fields = ", ".join(ident(f) for f in FIELDS)
    with tempfile.TemporaryDirectory(prefix="recoup-problems-") as spill:
        # Limits as configuration, the path as a parameter: no value enters the SQL text.
        connection = duckdb.connect(config={"memory_limit": SORT_MEMORY, "temp_directory": spill})
        try:
            result = connection.execute(
                f"SELECT {fields} FROM ("
                "SELECT *, row_number() OVER () AS _line FROM read_csv(?, "
                "header = true, all_varchar = true, quote = '\"', escape = '\"')) "
                f"ORDER BY {value} {direction} NULLS LAST, _line",
                [path],
            )
            while batch := result.fetchmany(BATCH):
                for found in batch:
                    yield {f: ("" if v is None else v) for f, v in zip(FIELDS, found, strict=True)}
        finally:
            connection.close()
