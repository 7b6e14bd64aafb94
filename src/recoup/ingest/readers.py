"""Readers: any supported file becomes a DuckDB view `src` of text columns, streamed in batches.

CSV is read by DuckDB itself (its sniffer finds the delimiter unless one is given); files in an
encoding other than UTF-8 are transcoded to a temporary UTF-8 copy chunk by chunk first. Parquet
columns are cast to text, so every format goes through the same parsing. Excel sheets are
converted row by row (python-calamine) into a temporary Parquet file that also carries each row's
spreadsheet row number. Nothing holds the whole file in Python objects.
"""

from __future__ import annotations

import codecs
import csv
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
from charset_normalizer import from_bytes

from recoup.core.errors import RecoupError
from recoup.ingest.mapping import text_encoding
from recoup.ingest.parsing import ROW_COLUMN, ident, lit

SAMPLE_BYTES = 1 << 20
_XLSX_BATCH = 20_000


class FileReadError(RecoupError):
    """The file cannot be read at all (format, encoding, broken CSV): reported, nothing written."""


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _nul_in_text(path: Path, offset: int) -> FileReadError:
    return FileReadError(
        f"{path.name}: byte {offset} is a NUL character, which text never holds: is the file"
        " UTF-16 or not text at all? Give its --encoding (e.g. utf-16)"
    )


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Valid UTF-8, but no text file has NULs: most likely UTF-16 without a byte order mark.
        raise _nul_in_text(path, sample.index(b"\x00"))
    try:
        # A chunk boundary may cut a multi-byte character: the incremental decoder allows that.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is None:
        raise FileReadError(f"{path.name}: cannot tell the text encoding; give --encoding")
    return codecs.lookup(best.encoding).name


def _transcode(path: Path, encoding: str, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(SAMPLE_BYTES):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise FileReadError(
                    f"{path.name}: byte {offset + exc.start} is not valid {encoding};"
                    " give the right --encoding"
                ) from None
            offset += len(chunk)
        out.write(decoder.decode(b"", final=True))


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
                raise _nul_in_text(path, offset + nul)
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


def _record_lines(path: Path, delimiter: str, quote: str, escape: str | None) -> LineNumbers:
    """Find the lines that start no record with the csv module, which splits records as
    DuckDB does (blank lines skipped, quoted values across lines). Only for files that have
    such lines: it is several times slower than DuckDB."""
    lines: list[int] = []
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


def _xlsx_to_parquet(path: Path, target: Path) -> tuple[list[str], int]:
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
    with pq.ParquetWriter(str(target), schema) as writer:
        numbers: list[int] = []
        columns: list[list[str | None]] = [[] for _ in header]
        for offset, values in enumerate(rows, start=1):
            cells = [_cell_text(v) for v in values]
            if all(c is None for c in cells):
                continue
            numbers.append(header_row + offset)
            for i in range(len(header)):
                columns[i].append(cells[i] if i < len(cells) else None)
            if len(numbers) >= _XLSX_BATCH:
                writer.write_batch(pa.record_batch([numbers, *columns], schema=schema))
                count += len(numbers)
                numbers, columns = [], [[] for _ in header]
        if numbers or count == 0:
            writer.write_batch(pa.record_batch([numbers, *columns], schema=schema))
            count += len(numbers)
    return header, count


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


@contextmanager
def open_source(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> Iterator[OpenedFile]:
    """Open `path` as the DuckDB view `src` (text columns), cleaning temporary files afterwards."""
    if not path.is_file():
        raise FileReadError(f"{path}: no such file")
    tmp = Path(tempfile.mkdtemp(prefix="recoup-import-")).resolve()
    source = path.resolve()
    con = duckdb.connect()
    try:
        # Bounded memory whatever the file size: DuckDB spills to the temporary directory.
        con.execute("SET memory_limit = '384MB'")
        con.execute(f"SET temp_directory = {lit(str(tmp / 'spill'))}")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET TimeZone = 'UTC'")
        parquet, utf8 = tmp / "sheet.parquet", tmp / "utf8.csv"
        _close_file_system(con, readable=[source, parquet, utf8])
        suffix = path.suffix.lower()
        used_encoding: str | None = None
        has_rows = False
        csv_path: Path | None = None
        estimate = 0
        if suffix in {".xlsx", ".xlsm"}:
            _, estimate = _xlsx_to_parquet(path, parquet)
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
                _transcode(path, used_encoding, csv_path)
            options = ["header = true", "all_varchar = true", "auto_detect = true"]
            if delimiter:
                options.append(f"delim = {lit(delimiter)}")
            relation = f"read_csv({lit(str(csv_path))}, {', '.join(options)})"
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        except duckdb.Error as exc:
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
        casts = ", ".join(
            f"{ident(n)}" if n == ROW_COLUMN else f"CAST({ident(n)} AS VARCHAR) AS {ident(n)}"
            for n in names
        )
        con.execute(f"CREATE VIEW src AS SELECT {casts} FROM {relation}")
        used_delimiter = delimiter
        line_numbers = LineNumbers()
        if csv_path is not None:
            sniff_options = f", delim = {lit(delimiter)}" if delimiter else ""
            sniffed = con.execute(
                f"SELECT Delimiter, Quote, Escape FROM sniff_csv({lit(str(csv_path))}{sniff_options})"
            ).fetchall()
            found_delimiter, found_quote, found_escape = (
                (str(v) for v in sniffed[0]) if sniffed else (delimiter or ",", "", "")
            )
            used_delimiter = delimiter or found_delimiter
            quote = _single(found_quote, '"')
            breaks, irregular = _scan_lines(csv_path, tuple(sorted({quote.encode(), b'"'})))
            estimate = max(breaks - 1, 0)
            if irregular:
                line_numbers = _record_lines(
                    csv_path,
                    _single(used_delimiter, ","),
                    quote,
                    found_escape if len(found_escape) == 1 and found_escape != quote else None,
                )
        yield OpenedFile(
            con=con,
            columns=[n for n in names if n != ROW_COLUMN],
            rows_estimate=estimate,
            has_row_numbers=has_rows,
            encoding=used_encoding,
            delimiter=used_delimiter,
            line_numbers=line_numbers,
            nul_free=csv_path is not None,
        )
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
