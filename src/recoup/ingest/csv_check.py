"""Why a CSV file cannot be read, line by line: rows with another number of fields than the header,
fields over the size limit, lines that cannot be split into fields.

DuckDB reads the file first (fast, in parallel); only when it refuses it, or when a field is over
the limit, is the file read again here with the csv module to name every line at fault, as
DuckDB's own messages name neither the line of the file nor the column reliably.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from recoup.ingest.problems import FileReadError, Spot, shown_value

# Lines named before the rest are only counted: the file is mostly wrong by then.
SPOTS_LISTED = 100
LIMIT_SETTING = "RECOUP_IMPORT_MAX_FIELD_BYTES"


def line_limit(columns: int, field_limit: int) -> int:
    """The longest line a file of `columns` fields none over `field_limit` bytes can have
    (quotes, doubled quotes aside, and delimiters included)."""
    return max(columns, 1) * (field_limit + 3) + 2


def allow_fields(size: int) -> None:
    """Let the csv module read fields of `size` characters (a process-wide setting, only ever
    raised: a larger limit never breaks another reader)."""
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


def too_large(field_limit: int, size: int) -> str:
    return f"a value of at most {field_limit:,} bytes ({LIMIT_SETTING}); this one has {size:,}"


def diagnose(
    name: str,
    path: Path,
    *,
    columns: int,
    delimiter: str,
    quote: str,
    escape: str | None,
    field_limit: int,
    fallback: str,
) -> FileReadError:
    """The error for a CSV file DuckDB refused (or that has an oversized field), naming each line
    at fault; `fallback` (DuckDB's words) when no line is found at fault."""
    # A field beyond the longest line DuckDB was let read stops the csv module too, so that a
    # huge field is never held whole (the setting is the process's: it is put back).
    previous = csv.field_size_limit(line_limit(columns, field_limit))
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(
                handle, delimiter=delimiter, quotechar=quote, escapechar=escape, strict=True
            )
            spots, count = _spots(reader, field_limit)
    finally:
        csv.field_size_limit(previous)
    if not spots:
        return FileReadError(f"{name}: cannot be read ({fallback})")
    more = f" (and {count - 1:,} more problem(s) of this kind)" if count > 1 else ""
    first = spots[0]
    column = f", column {first.column}" if first.column else ""
    return FileReadError(f"{name}: line {first.row}{column}: {first.expected}{more}", spots)


def _spots(reader: Any, field_limit: int) -> tuple[list[Spot], int]:
    """The first SPOTS_LISTED lines at fault, and how many there are."""
    spots: list[Spot] = []
    count = 0
    header: list[str] | None = None
    last = 0
    try:
        for row in reader:
            first, last = last + 1, reader.line_num
            if not row:
                continue  # a blank line, which every reader skips
            if header is None:
                header = row
            found = _row_spots(row, header, first, field_limit)
            count += len(found)
            spots.extend(found[: max(SPOTS_LISTED - len(spots), 0)])
    except csv.Error as exc:
        # The csv module stops here; what follows cannot be numbered with confidence.
        count += 1
        message = str(exc)
        if "field larger than field limit" in message:
            expected = (
                f"a value of at most {field_limit:,} bytes ({LIMIT_SETTING}); this one has"
                f" more than {csv.field_size_limit():,}"
            )
        else:
            expected = f"a line that splits into fields ({message})"
        if len(spots) < SPOTS_LISTED:
            spots.append(Spot(last + 1, "", "", expected))
    return spots, count


def _row_spots(row: list[str], header: list[str], line: int, field_limit: int) -> list[Spot]:
    out: list[Spot] = []
    if len(row) != len(header):
        hint = (
            ": is a value holding the delimiter not in quotes?"
            if len(row) > len(header)
            else ": are values missing, or is a line break not in quotes?"
        )
        out.append(
            Spot(
                line,
                "",
                shown_value(",".join(row)),
                f"{len(header)} fields, as in the header; this line has {len(row)}{hint}",
            )
        )
    for index, value in enumerate(row):
        # A character is at most four bytes: most values are judged without encoding them.
        if len(value) * 4 <= field_limit:
            continue
        size = len(value.encode("utf-8"))
        if size > field_limit:
            column = header[index] if index < len(header) else f"field {index + 1}"
            out.append(Spot(line, column, shown_value(value), too_large(field_limit, size)))
    return out
