"""Readers: any supported file becomes a DuckDB view `src` of text columns, streamed in batches.

CSV is read by DuckDB itself (its sniffer finds the delimiter unless one is given); files in an
encoding other than UTF-8 are transcoded to a temporary UTF-8 copy chunk by chunk first. Parquet
columns are cast to text, so every format goes through the same parsing. Excel sheets are
converted row by row (python-calamine) into a temporary Parquet file that also carries each row's
spreadsheet row number. Nothing holds the whole file in Python objects.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from recoup.ingest import csv_check
from recoup.ingest.encoding import detect_encoding as detect_encoding
from recoup.ingest.encoding import nul_in_text, transcode
from recoup.ingest.mapping import text_encoding
from recoup.ingest.parsing import ROW_COLUMN, ident, lit
from recoup.ingest.problems import FileReadError as FileReadError
from recoup.ingest.problems import Spot
from recoup.ingest.xlsx_check import check_workbook

_XLSX_BATCH = 20_000
# Rows handed on at once, unless their text is large (Limits.batch_rows).
BATCH_ROWS = 100_000
# Oversized values located in a Parquet file or a converted sheet before the reader gives up.
_SPOTS_LISTED = 100


@dataclass(frozen=True, slots=True)
class LineNumbers:
    """The line of the file each record starts on, the header being line 1.

    Records are counted in the order the reader yields them. Lines that start no record (blank
    lines, which the CSV reader skips, and the further lines of a quoted value that spans
    lines) push later records down; `skipped` holds, for each such line in order, how many
    records come before it, so that a record's line is its position plus the skipped lines
    before it."""

    skipped: np.ndarray[Any, np.dtype[np.int64]] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )

    @classmethod
    def from_lines(cls, lines: list[int]) -> LineNumbers:
        """From the (ascending, 1-based) numbers of the lines that start no record."""
        at = np.asarray(lines, dtype=np.int64)
        return cls(at - np.arange(len(at), dtype=np.int64) - 2)

    def of(self, first: int, count: int) -> Sequence[int]:
        """Line numbers of records `first` .. `first + count - 1` (0-based)."""
        if not len(self.skipped):
            return range(first + 2, first + 2 + count)
        records = np.arange(first, first + count, dtype=np.int64)
        shift = np.searchsorted(self.skipped, records, side="right")
        result: list[int] = (records + 2 + shift).tolist()
        return result


@dataclass(frozen=True, slots=True)
class OpenedFile:
    con: duckdb.DuckDBPyConnection
    columns: list[str]  # as the file names them (without the row-number column)
    rows_estimate: int | None
    has_row_numbers: bool
    encoding: str | None
    delimiter: str | None
    line_numbers: LineNumbers = field(default_factory=LineNumbers)
    # Every byte was looked at and none is NUL (CSV); Parquet and Excel values may hold NULs.
    nul_free: bool = False
    # Rows to read at once: fewer when rows are long, so a batch stays within the memory limit.
    batch_rows: int = BATCH_ROWS


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _scan_lines(path: Path, quotes: tuple[bytes, ...]) -> tuple[int, bool]:
    """The number of line breaks, and whether some line may start no record: a blank line, or a
    line break inside a quoted value. One pass over the bytes; splitting at the quotes keeps the
    quoted stretches apart from the rest without a regular expression (several times faster on
    files that quote every value). A NUL byte anywhere is refused: text never holds one (and
    PostgreSQL stores none)."""
    breaks = 0
    irregular = False
    tail = b"\n"  # as if a line break came before the first line: a leading blank line counts
    inside = dict.fromkeys(quotes, False)  # whether a read ended inside a quoted value
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if (nul := chunk.find(b"\x00")) >= 0:
                raise nul_in_text(path, offset + nul, breaks + chunk.count(b"\n", 0, nul) + 1)
            offset += len(chunk)
            breaks += chunk.count(b"\n")
            if irregular:
                continue
            edge = tail + chunk[:2]
            irregular = any(blank in chunk or blank in edge for blank in (b"\n\n", b"\n\r\n"))
            for quote in quotes:
                if quote not in chunk:
                    continue
                pieces = chunk.split(quote)
                quoted = b"".join(pieces[0 if inside[quote] else 1 :: 2])
                irregular = irregular or b"\n" in quoted
                inside[quote] ^= len(pieces) % 2 == 0
            tail = chunk[-2:]
    return breaks, irregular


def _record_lines(
    path: Path, delimiter: str, quote: str, escape: str | None, field_limit: int
) -> LineNumbers:
    """Find the lines that start no record with the csv module, which splits records as
    DuckDB does (blank lines skipped, quoted values across lines). Only for files that have
    such lines: it is several times slower than DuckDB."""
    lines: list[int] = []
    csv_check.allow_fields(field_limit)  # every field was measured before: none is larger
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar=quote, escapechar=escape)
        last = 0
        try:
            for row in reader:
                first, last = last + 1, reader.line_num
                lines.extend(range(first if not row else first + 1, last + 1))
        except csv.Error:
            pass  # DuckDB reports what it cannot read; the lines before it are numbered right
    return LineNumbers.from_lines(lines)


def _single(value: str | None, default: str) -> str:
    return value if value is not None and len(value) == 1 else default


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Spreadsheets store every number as a float: 12345.0 typed as an id is "12345".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _xlsx_to_parquet(path: Path, target: Path, batch_bytes: int) -> tuple[int, int]:
    """The first sheet as Parquet, written in batches of at most _XLSX_BATCH rows and about
    `batch_bytes` of text; returns the number of rows and their bytes of text."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for every broken file
        raise FileReadError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    first_row = int(sheet.start[0]) + 1 if sheet.start else 1
    rows = sheet.iter_rows()
    header: list[str] | None = None
    header_row = first_row
    for offset, values in enumerate(rows):
        if any(v not in (None, "") for v in values):
            header = [(_cell_text(v) or f"column{i + 1}").strip() for i, v in enumerate(values)]
            header_row = first_row + offset
            break
    if header is None:
        raise FileReadError(f"{path.name}: the first sheet is empty")
    schema = pa.schema([(ROW_COLUMN, pa.int64())] + [(h, pa.string()) for h in header])
    count = 0
    total = 0
    with pq.ParquetWriter(str(target), schema) as writer:
        numbers: list[int] = []
        columns: list[list[str | None]] = [[] for _ in header]
        held = 0
        for offset, values in enumerate(rows, start=1):
            cells = [_cell_text(v) for v in values]
            if all(c is None for c in cells):
                continue
            numbers.append(header_row + offset)
            for i in range(len(header)):
                columns[i].append(cells[i] if i < len(cells) else None)
            held += sum(len(c) for c in cells if c is not None)
            if len(numbers) >= _XLSX_BATCH or held >= batch_bytes:
                writer.write_batch(pa.record_batch([numbers, *columns], schema=schema))
                count += len(numbers)
                total += held
                numbers, columns, held = [], [[] for _ in header], 0
        if numbers or count == 0:
            writer.write_batch(pa.record_batch([numbers, *columns], schema=schema))
            count += len(numbers)
            total += held
    return count, total


def _give_back_memory() -> None:
    """Return the heap the workbook reader freed to the system (glibc keeps it otherwise, and
    the import's peak would be the workbook's plus the parsing's)."""
    # Not glibc (OSError, AttributeError): that allocator returns memory its own way.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _close_file_system(con: duckdb.DuckDBPyConnection, *, readable: list[Path]) -> None:
    """Leave the reader's connection the files it reads (the upload, or the reader's own copy of
    it) and its spill directory, nothing more: no other file read or written, no extension
    installed or loaded, no setting changed back. Every name from the file is quoted (decision
    0011); this is the second wall, should SQL text ever be made from input again."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute(f"SET allowed_paths = [{', '.join(lit(str(p)) for p in readable)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one import may take, from the settings (`RECOUP_IMPORT_*`): see decision 0018."""

    field_bytes: int
    unpacked_bytes: int
    memory_bytes: int

    @property
    def value_bytes(self) -> int:
        """The values a workbook or Parquet file may hold in all: parsed, one long value is
        copied several times over (measured: 95 MB of 1 MB cells peaked at 1.04 GB)."""
        return self.memory_bytes // 16

    @property
    def batch_bytes(self) -> int:
        """The text one batch of rows may hold: as Arrow, then as Python objects, and again in
        the parsed columns, a batch takes several times its text."""
        return self.memory_bytes // 32

    def batch_rows(self, text_bytes: int, rows: int) -> int:
        """Rows per batch for a file of `rows` rows holding `text_bytes` of text in all."""
        per_row = max(text_bytes // max(rows, 1), 1)
        return max(min(self.batch_bytes // per_row, BATCH_ROWS), 16)

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            field_bytes=settings.IMPORT_MAX_FIELD_BYTES,
            unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            memory_bytes=settings.IMPORT_MEMORY_BYTES,
        )


@dataclass(frozen=True, slots=True)
class _Dialect:
    delimiter: str
    quote: str
    escape: str | None


def _sniff(
    con: duckdb.DuckDBPyConnection, path: Path, delimiter: str | None, line_limit: int
) -> _Dialect:
    """The dialect most lines agree on: errors ignored, so one ragged line cannot make the
    sniffer settle for another delimiter (a file of one column) and hide it."""
    options = ["ignore_errors = true", f"max_line_size = {line_limit}"]
    if delimiter:
        options.append(f"delim = {lit(delimiter)}")
    try:
        sniffed = con.execute(
            f"SELECT Delimiter, Quote, Escape FROM sniff_csv({lit(str(path))}, {', '.join(options)})"
        ).fetchall()
    except duckdb.Error:
        sniffed = []
    found_delimiter, found_quote, found_escape = (
        (str(v) for v in sniffed[0]) if sniffed else (delimiter or ",", "", "")
    )
    quote = _single(found_quote, '"')
    return _Dialect(
        delimiter=_single(delimiter or found_delimiter, ","),
        quote=quote,
        escape=found_escape if len(found_escape) == 1 and found_escape != quote else None,
    )


def _header_fields(path: Path, dialect: _Dialect, field_limit: int) -> int:
    """The number of fields of the header (the first line that is not blank)."""
    csv_check.allow_fields(field_limit)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar=dialect.quote)
        try:
            return next((len(row) for row in reader if row), 1)
        except csv.Error:
            return 1


def _widest(
    con: duckdb.DuckDBPyConnection, relation: str, names: list[str], *, total: bool
) -> tuple[list[int], int]:
    """The longest value of each column in bytes, and the bytes of every value together
    (`total`), in one pass that DuckDB makes in parallel without holding the values."""
    lengths = [f"strlen(CAST({ident(n)} AS VARCHAR))" for n in names]
    parts = [f"COALESCE(max({x}), 0)" for x in lengths]
    if total:
        parts.append(f"COALESCE(sum({' + '.join(f'COALESCE({x}, 0)' for x in lengths)}), 0)")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone()
    assert row is not None
    values = [int(v) for v in row]
    return (values[:-1], values[-1]) if total else (values, 0)


def _oversized_rows(
    con: duckdb.DuckDBPyConnection, relation: str, names: list[str], row: str, limit: int
) -> list[Spot]:
    """Each value over `limit` bytes, with its row (`row`: the SQL for a row's number)."""
    spots: list[Spot] = []
    for name in names:
        found = con.execute(
            f"SELECT {row}, strlen(CAST({ident(name)} AS VARCHAR)) FROM {relation}"
            f" WHERE strlen(CAST({ident(name)} AS VARCHAR)) > {limit}"
            f" ORDER BY 1 LIMIT {_SPOTS_LISTED}"
        ).fetchall()
        spots += [
            Spot(int(number), name, "", csv_check.too_large(limit, int(size)))
            for number, size in found
        ]
    return sorted(spots, key=lambda spot: spot.row)[:_SPOTS_LISTED]


def _refuse_oversized(name: str, spots: list[Spot]) -> FileReadError:
    first = spots[0]
    return FileReadError(f"{name}: row {first.row}, column {first.column}: {first.expected}", spots)


def _check_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, names: list[str], limits: Limits
) -> int:
    """A Parquet file stores repeated values once: a few kilobytes can stand for gigabytes of
    text. Every value is measured before any is read into memory; returns their bytes."""
    relation = f"read_parquet({lit(str(path.resolve()))}, file_row_number = true)"
    columns = [n for n in names if n != "file_row_number"]
    widest, total = _widest(con, relation, columns, total=True)
    if any(width > limits.field_bytes for width in widest):
        # Rows as a spreadsheet shows them: a header row first.
        over = [n for n, w in zip(columns, widest, strict=True) if w > limits.field_bytes]
        spots = _oversized_rows(con, relation, over, "file_row_number + 2", limits.field_bytes)
        raise _refuse_oversized(path.name, spots)
    if total > limits.unpacked_bytes:
        raise FileReadError(
            f"{path.name}: holds {total:,} bytes of values once unpacked, more than"
            f" RECOUP_IMPORT_MAX_UNPACKED_BYTES ({limits.unpacked_bytes:,}) allows"
        )
    _refuse_beyond_values(path, total, limits)
    return total


def _refuse_beyond_values(path: Path, total: int, limits: Limits) -> None:
    if total > limits.value_bytes:
        raise FileReadError(
            f"{path.name}: holds {total:,} bytes of values, more than an import reads within"
            f" RECOUP_IMPORT_MEMORY_BYTES ({limits.memory_bytes:,}: a sixteenth of it);"
            " import it as CSV, or in parts"
        )


def _check_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    csv_path: Path,
    relation: str,
    names: list[str],
    dialect: _Dialect,
    limits: Limits,
) -> None:
    """Read the whole file once (DuckDB, in parallel) before any row is used: a line it cannot
    split, or a field over the limit, is then named by line and column (`csv_check`)."""
    try:
        widest, _ = _widest(con, relation, names, total=False)
    except duckdb.Error as exc:
        raise _diagnosed(path, csv_path, dialect, limits, first_line(exc)) from None
    if any(width > limits.field_bytes for width in widest):
        raise _diagnosed(path, csv_path, dialect, limits, "a field over the size limit")


def _diagnosed(
    path: Path, csv_path: Path, dialect: _Dialect, limits: Limits, fallback: str
) -> FileReadError:
    return csv_check.diagnose(
        path.name,
        csv_path,
        columns=_header_fields(csv_path, dialect, limits.field_bytes),
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        field_limit=limits.field_bytes,
        fallback=fallback,
    )


@contextmanager
def open_source(
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
) -> Iterator[OpenedFile]:
    """Open `path` as the DuckDB view `src` (text columns), cleaning temporary files afterwards.

    Whatever the file holds, it is read within `limits` (the settings by default): every
    field's size is known before a row is handed on, and an Excel workbook is measured before
    it is unpacked."""
    if not path.is_file():
        raise FileReadError(f"{path}: no such file")
    limits = limits or Limits.from_settings()
    tmp = Path(tempfile.mkdtemp(prefix="recoup-import-")).resolve()
    source = path.resolve()
    con = duckdb.connect()
    try:
        # Bounded memory whatever the file size: DuckDB spills to the temporary directory.
        con.execute(f"SET memory_limit = {lit(f'{limits.memory_bytes * 3 // 8 >> 20}MB')}")
        con.execute(f"SET temp_directory = {lit(str(tmp / 'spill'))}")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET TimeZone = 'UTC'")
        parquet, utf8 = tmp / "sheet.parquet", tmp / "utf8.csv"
        _close_file_system(con, readable=[source, parquet, utf8])
        suffix = path.suffix.lower()
        used_encoding: str | None = None
        has_rows = False
        csv_path: Path | None = None
        dialect: _Dialect | None = None
        estimate = 0
        text_bytes = 0
        if suffix in {".xlsx", ".xlsm"}:
            check_workbook(
                path, field_limit=limits.field_bytes, unpacked_limit=limits.unpacked_bytes
            )
            estimate, text_bytes = _xlsx_to_parquet(path, parquet, limits.batch_bytes)
            _give_back_memory()
            _refuse_beyond_values(path, text_bytes, limits)
            relation = f"read_parquet({lit(str(parquet))})"
            has_rows = True
        elif suffix == ".parquet":
            relation = f"read_parquet({lit(str(source))})"
            try:
                estimate = pq.ParquetFile(str(path)).metadata.num_rows
            except Exception as exc:  # pyarrow's errors for broken Parquet vary by cause
                raise FileReadError(f"{path.name}: not a readable Parquet file ({exc})") from None
        else:
            used_encoding = text_encoding(encoding) if encoding else detect_encoding(path)
            csv_path = source
            if used_encoding not in {"utf-8", "ascii"}:
                csv_path = utf8
                transcode(path, used_encoding, csv_path)
            # Long enough for any line whose fields are all within the limit, whatever the
            # number of columns; DuckDB then refuses only lines that hold a field too large.
            line_limit = csv_check.line_limit(64, limits.field_bytes)
            dialect = _sniff(con, csv_path, delimiter, line_limit)
            line_limit = csv_check.line_limit(
                _header_fields(csv_path, dialect, limits.field_bytes), limits.field_bytes
            )
            options = [
                "header = true",
                "all_varchar = true",
                "auto_detect = true",
                f"delim = {lit(dialect.delimiter)}",
                f"max_line_size = {line_limit}",
            ]
            relation = f"read_csv({lit(str(csv_path))}, {', '.join(options)})"
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        except duckdb.Error as exc:
            if csv_path is not None and dialect is not None:
                raise _diagnosed(path, csv_path, dialect, limits, first_line(exc)) from None
            raise FileReadError(f"{path.name}: cannot be read ({first_line(exc)})") from None
        names = [str(row[0]) for row in described]
        if not [n for n in names if n != ROW_COLUMN]:
            raise FileReadError(f"{path.name}: has no columns")
        for number, name in enumerate(names, start=1):
            if "\x00" in name:
                raise FileReadError(
                    f"{path.name}: the name of column {number} holds a NUL character"
                    f" ({name!r}): is the file UTF-16? Give its --encoding"
                )
        if csv_path is not None and dialect is not None:
            _check_csv(con, path, csv_path, relation, names, dialect, limits)
        elif suffix == ".parquet":
            try:
                text_bytes = _check_parquet(con, path, names, limits)
            except duckdb.Error as exc:
                raise FileReadError(f"{path.name}: cannot be read ({first_line(exc)})") from None
        casts = ", ".join(
            f"{ident(n)}" if n == ROW_COLUMN else f"CAST({ident(n)} AS VARCHAR) AS {ident(n)}"
            for n in names
        )
        con.execute(f"CREATE VIEW src AS SELECT {casts} FROM {relation}")
        line_numbers = LineNumbers()
        if csv_path is not None and dialect is not None:
            breaks, irregular = _scan_lines(csv_path, tuple(sorted({dialect.quote.encode(), b'"'})))
            estimate = max(breaks - 1, 0)
            text_bytes = csv_path.stat().st_size
            if irregular:
                line_numbers = _record_lines(
                    csv_path, dialect.delimiter, dialect.quote, dialect.escape, limits.field_bytes
                )
        yield OpenedFile(
            con=con,
            columns=[n for n in names if n != ROW_COLUMN],
            rows_estimate=estimate,
            has_row_numbers=has_rows,
            encoding=used_encoding,
            delimiter=dialect.delimiter if dialect is not None else delimiter,
            line_numbers=line_numbers,
            nul_free=csv_path is not None,
            batch_rows=limits.batch_rows(text_bytes, estimate),
        )
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
