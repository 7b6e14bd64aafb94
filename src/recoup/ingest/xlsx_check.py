"""Checks an Excel workbook before it is read, so that a small upload cannot take much memory.

An .xlsx file is a zip archive of XML parts, which compress a thousandfold when they repeat
themselves: 400 KB can hold a 400 MB cell, which the workbook reader (python-calamine) holds
several times over. So, before that reader sees the file: the sizes the archive declares for
its parts, unpacked, must stay within a limit (and reading a part never yields more than its
declared size), and every part is unpacked once as a stream, a mebibyte at a time, to find
any text between two XML tags longer than the field-size limit: a cell's value, inline or in
the shared strings, is such a text. That cell is named (B3) from the sheet.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import IO

from recoup.ingest.encoding import what_it_is
from recoup.ingest.problems import FileReadError, Spot

CHUNK = 1 << 20
UNPACKED_SETTING = "RECOUP_IMPORT_MAX_UNPACKED_BYTES"
FIELD_SETTING = "RECOUP_IMPORT_MAX_FIELD_BYTES"
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_SHARED_CELL = r'<c\b[^>]*?\br="([A-Z]{{1,3}})([0-9]{{1,7}})"[^>]*?\bt="s"[^>]*>\s*<v>{index}</v>'
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError, ValueError)


def check_workbook(path: Path, *, field_limit: int, unpacked_limit: int) -> None:
    """Raise FileReadError unless `path` is a zip archive within the limits, no cell too large."""
    try:
        archive = zipfile.ZipFile(path)
    except _BROKEN:
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(b"PK"):
            what = "a damaged or truncated zip archive"
        elif (known := what_it_is(head)) is not None:
            what = known
        else:
            what = "text (a CSV file? name it .csv)" if _looks_like_text(head) else "not a workbook"
        raise FileReadError(
            f"{path.name}: not an Excel workbook (.xlsx is a zip archive of XML): it is {what}"
        ) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(part.file_size for part in parts)
        if unpacked > unpacked_limit:
            raise FileReadError(
                f"{path.name}: unpacks to {unpacked:,} bytes, more than {UNPACKED_SETTING}"
                f" ({unpacked_limit:,}) allows"
            )
        try:
            _check_cells(path.name, archive, parts, field_limit)
        except _BROKEN as exc:
            raise FileReadError(
                f"{path.name}: a damaged or truncated Excel workbook ({exc})"
            ) from None


def _looks_like_text(head: bytes) -> bool:
    return all(b >= 0x20 or b in b"\t\r\n" for b in head)


def _check_cells(
    name: str, archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], field_limit: int
) -> None:
    sheets = [
        p for p in parts if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml")
    ]
    for part in parts:
        if not part.filename.endswith(".xml") or part.is_dir():
            continue
        with archive.open(part) as stream:
            found = _long_text(stream, field_limit, shared=part.filename == "xl/sharedStrings.xml")
        if found is None:
            continue
        column, row = found
        if row == 0:
            # A shared string: `column` holds its index; the cells that show it are in the sheets.
            column, row = _cell_showing(archive, sheets, int(column))
        where = f"cell {column}{row}" if row else f"part {part.filename}"
        expected = f"a value of at most {field_limit:,} bytes ({FIELD_SETTING})"
        raise FileReadError(
            f"{name}: {where} holds a value of more than {field_limit:,} bytes, more than"
            f" {FIELD_SETTING} allows",
            [Spot(row, column, "", expected)] if row else [],
        )


def _long_text(stream: IO[bytes], limit: int, *, shared: bool) -> tuple[str, int] | None:
    """The cell (column letters, row) holding a text between tags longer than `limit` bytes;
    for the shared strings, (its index, 0). None when there is none."""
    run = 0  # bytes since the last '<', carried from one chunk to the next
    strings = -1  # index of the current shared string (<si> elements seen, less one)
    cell: tuple[str, int] = ("", 0)
    tail = b""  # the end of the last chunk, where a cell's tag may have begun
    while chunk := stream.read(CHUNK):
        pieces = chunk.split(b"<")
        runs = [run + len(pieces[0]), *(len(piece) for piece in pieces[1:])]
        long = next((i for i, size in enumerate(runs) if size > limit), None)
        seen = pieces[1:] if long is None else pieces[1 : long + 1]
        if shared:
            strings += sum(1 for piece in seen if piece.startswith((b"si>", b"si ")))
        else:
            end = len(chunk) if long is None else sum(len(p) + 1 for p in pieces[:long])
            for match in _CELL.finditer(tail + chunk[:end]):
                cell = (match.group(1).decode(), int(match.group(2)))
        if long is not None:
            return (str(strings), 0) if shared else cell
        run = runs[-1]
        tail = chunk[-64:]
    return None


def _cell_showing(
    archive: zipfile.ZipFile, sheets: list[zipfile.ZipInfo], index: int
) -> tuple[str, int]:
    pattern = re.compile(_SHARED_CELL.format(index=index).encode())
    for sheet in sheets:
        tail = b""
        with archive.open(sheet) as stream:
            while chunk := stream.read(CHUNK):
                if match := pattern.search(tail + chunk):
                    return match.group(1).decode(), int(match.group(2))
                tail = chunk[-256:]
    return "", 0
