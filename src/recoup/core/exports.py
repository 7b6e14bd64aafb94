"""Tables as files, and tables sorted by their columns: one way for every page.

A page declares its columns once (`Column`: a header in words, a getter and a kind) and hands
its own rows (the page's selector, so an export never holds more than the page may show) to
`export_response`, which streams CSV or writes XLSX through a temporary file. Memory stays
bounded whatever the number of rows: CSV goes out in chunks as the rows are read, and XLSX is
written by openpyxl's write-only workbook, which keeps rows on disk, not in memory.

`sort_parse` reads `?sort=key` / `?sort=-key` against a page's allow-list: only the model field
names the page wrote down ever reach `order_by`, and an unknown key is the request's fault.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from django.db.models import F
from django.db.models.expressions import OrderBy
from django.http import FileResponse, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.utils import timezone

from recoup.core.errors import RecoupError
from recoup.core.money import Money
from recoup.core.scans import scanned

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows written before a chunk is sent: big enough to keep the per-chunk overhead small, small
# enough that a chunk is tens of kilobytes.
CSV_ROWS_PER_CHUNK = 500
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel read the file as UTF-8


class ExportError(RecoupError, ValueError):
    """A download or a sort the request asked for that does not exist: the request's fault."""


def bad_request(error: ExportError) -> HttpResponseBadRequest:
    """The 400 for an unknown format or sort key, saying which ones there are."""
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"  # Money (its currency in its own column or the header) or a Decimal
    NUMBER = "number"
    DATE = "date"  # a date or a timezone-aware datetime
    PERCENT = "percent"  # in percentage points: 25 is 25 %


@dataclass(frozen=True)  # no slots: `Column[Row](...)` sets an attribute on the instance
class Column[T]:
    header: str
    value: Callable[[T], Any]
    kind: Kind = Kind.TEXT


def neutralised(text: str) -> str:
    """`text` that a spreadsheet shows as text: a leading quote defuses a formula-like cell."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(value: Any, kind: Kind) -> Any:
    """A cell's value as numbers, dates and text (Money becomes its amount in major units)."""
    if value is None:
        return None
    if isinstance(value, Money):
        return value.to_decimal()
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if kind is Kind.TEXT:
        return neutralised(str(value))
    return value


def _csv_cell(value: Any, kind: Kind) -> str:
    plain = _plain(value, kind)
    if plain is None:
        return ""
    if isinstance(plain, datetime):
        return plain.isoformat(sep=" ", timespec="seconds")
    if isinstance(plain, date):
        return plain.isoformat()
    if isinstance(plain, Decimal):
        return format(plain, "f")
    return str(plain)


def csv_chunks[T](columns: Sequence[Column[T]], rows: Iterable[T]) -> Iterator[bytes]:
    """The CSV text of `rows`, header first, in UTF-8 with a BOM, a few hundred rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends and quoting
    buffer.write(BOM)
    writer.writerow([neutralised(c.header) for c in columns])
    waiting = 0
    for row in rows:
        writer.writerow([_csv_cell(c.value(row), c.kind) for c in columns])
        waiting += 1
        if waiting >= CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            waiting = 0
    yield buffer.getvalue().encode("utf-8")


NUMBER_FORMATS = {
    Kind.MONEY: "#,##0.00",
    Kind.NUMBER: "#,##0.##",
    Kind.PERCENT: "0.0%",
}


def xlsx_write[T](columns: Sequence[Column[T]], rows: Iterable[T], target: Any) -> None:
    """Writes `rows` as a one-sheet workbook to `target` (a path or a binary file)."""
    # Imported here: only downloads need it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Export")
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=neutralised(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = _plain(column.value(row), column.kind)
            if isinstance(value, datetime):
                # Excel has no time zones: the local time the page shows.
                value = value.replace(tzinfo=None)
            if column.kind is Kind.PERCENT and isinstance(value, Decimal | int | float):
                value = Decimal(value) / 100
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    book.save(target)


def export_format(raw: str | None) -> str:
    """The file format a request asked for: csv (the default) or xlsx."""
    fmt = (raw or "csv").strip().lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown download format {fmt!r}: use csv or xlsx")
    return fmt


def export_file_name(name: str, fmt: str, *, day: date | None = None) -> str:
    """`customers-2026-12-03.csv`: the page and the day."""
    return f"{name}-{(day or timezone.localdate()).isoformat()}.{fmt}"


def export_response[T](
    *,
    name: str,
    fmt: str,
    columns: Sequence[Column[T]],
    rows: Iterable[T],
    day: date | None = None,
) -> StreamingHttpResponse | FileResponse:
    """The download of `rows`, as a file named after the page `name` and the day."""
    file_name = export_file_name(name, export_format(fmt), day=day)
    rows = scanned(rows)
    if fmt == "xlsx":
        # Anonymous temporary file: gone once the response has sent and closed it.
        spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
        xlsx_write(columns, rows, spool)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=file_name, content_type=XLSX_TYPE)
    response = StreamingHttpResponse(csv_chunks(columns, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def chunked[T](rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """`rows` in lists of `size`, for pages that look up names a batch at a time."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Sorting ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    descending: bool
    order_by: tuple[str, ...]  # model field paths from the page's allow-list, signed

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_parse(raw: str | None, allowed: Mapping[str, Sequence[str]], default: str) -> Sort:
    """`?sort=` read against `allowed` (sort key → field paths); `default` when absent."""
    text = (raw or "").strip() or default
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key not in allowed:
        raise ExportError(
            f"cannot sort by {key!r}: sort by one of {', '.join(sorted(allowed))}"
            " (a leading - sorts from the largest)"
        )
    fields = tuple(_flip(f) if descending else f for f in allowed[key])
    return Sort(key, descending, fields)


def _flip(field: str) -> str:
    return field.removeprefix("-") if field.startswith("-") else f"-{field}"


def order_empties_last(sort: Sort, nullable: Collection[str]) -> list[str | OrderBy]:
    """`sort.order_by` with the fields named in `nullable` holding their nulls last whichever
    way round (databases differ on where a null goes; people expect blanks at the bottom)."""
    found: list[str | OrderBy] = []
    for field in sort.order_by:
        name = field.removeprefix("-")
        if name not in nullable:
            found.append(field)
        elif field.startswith("-"):
            found.append(F(name).desc(nulls_last=True))
        else:
            found.append(F(name).asc(nulls_last=True))
    return found


def _empty(value: Any) -> bool:
    return value is None or value == ""


def rows_sorted[T](
    rows: Iterable[T], sort: Sort, keys: Mapping[str, Callable[[T], Any]]
) -> list[T]:
    """In-memory rows in the order `sort` asks for, by the page's declared key of its column:
    rows without a value (None or "") last whichever way round, ties in their given order."""
    key = keys[sort.key]
    known: list[T] = []
    missing: list[T] = []
    for row in rows:
        (missing if _empty(key(row)) else known).append(row)
    # `sorted` is stable, and stays stable reversed: ties keep the order the rows came in.
    return sorted(known, key=key, reverse=sort.descending) + missing


@dataclass(frozen=True, slots=True)
class SortHeader:
    label: str
    href: str  # the page sorted by this column (the other way round when it is sorted by it)
    aria_sort: str  # "ascending", "descending" or "" (not sorted by it)
    numeric: bool


def query_with(query: QueryDict | Mapping[str, str], **changes: str) -> str:
    """`query` without its page number, with `changes` (an empty value drops the parameter)."""
    kept = {k: v for k, v in query.items() if k not in {"page", "format", *changes}}
    kept.update({k: v for k, v in changes.items() if v})
    return urlencode(kept)


def sort_headers(
    sort: Sort,
    query: QueryDict | Mapping[str, str],
    headers: Sequence[tuple[str, str, bool]],
    *,
    param: str = "sort",
    anchor: str = "",
) -> list[SortHeader]:
    """Headers (label, sort key or "" for a column that does not sort, numeric) as links.

    `param` names the query parameter, for a page with more than one sortable table; `anchor`
    (an element id) brings the reader back to the table after the page reloads."""
    found = []
    tail = f"#{anchor}" if anchor else ""
    for label, key, numeric in headers:
        if not key:
            found.append(SortHeader(label, "", "", numeric))
            continue
        current = sort.key == key
        again = f"-{key}" if current and not sort.descending else key
        aria = ("descending" if sort.descending else "ascending") if current else ""
        href = "?" + query_with(query, **{param: again}) + tail
        found.append(SortHeader(label, href, aria, numeric))
    return found


@dataclass(frozen=True, slots=True)
class ExportLinks:
    csv: str
    xlsx: str


def export_links(url: str, query: QueryDict) -> ExportLinks:
    """The page's downloads at `url`, with the page's filters and sort (not its page number)."""
    return ExportLinks(
        csv=f"{url}?{query_with(query, format='csv')}",
        xlsx=f"{url}?{query_with(query, format='xlsx')}",
    )
