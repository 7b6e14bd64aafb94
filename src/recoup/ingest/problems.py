"""Problems found in a file, as data: collected from every check, streamed to the CSV report.

Row numbers follow the spreadsheet convention: the header is row 1 and the first data row is row 2,
as a person sees the file in Excel or LibreOffice. Problems about the file as a whole (a missing
column) are reported on row 1, the header.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from recoup.core.errors import RecoupError

HEADER_ROW = 1
# A value longer than this is shown cut, with its length: the report names it, the terminal and
# the page stay readable, and a huge field is not copied into every problem list.
# What is shown is never longer than this, so that showing a shown value again changes nothing.
SHOWN_VALUE_CHARS = 240
# Beyond this many rows with problems the file is mostly wrong: stop remembering which (memory
# stays bounded) and let later record kinds report what they miss.
BAD_ROWS_TRACKED = 100_000
REPORT_COLUMNS = ("file", "row", "record", "column", "value", "expected")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    row: int
    record: str  # the kind of record the row was read as (one row can feed several)
    column: str
    value: str
    expected: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", shown_value(self.value))

    def as_row(self) -> tuple[str, ...]:
        return (self.file, str(self.row), self.record, self.column, self.value, self.expected)


def shown_value(value: str) -> str:
    if len(value) <= SHOWN_VALUE_CHARS:
        return value
    return f"{value[: SHOWN_VALUE_CHARS - 40]}… ({len(value):,} characters)"


@dataclass(frozen=True, slots=True)
class Spot:
    """Where in the file something that stops the reader is: its row (line), column and value."""

    row: int
    column: str
    value: str
    expected: str


class FileReadError(RecoupError):
    """The file cannot be read (format, encoding, broken CSV, a limit): reported, nothing written.

    `spots` name the rows and columns at fault when they are known; the message sums them up
    for the pages and commands that show one line."""

    def __init__(self, message: str, spots: Sequence[Spot] = ()) -> None:
        super().__init__(message)
        self.spots = tuple(spots)

    def problems(self, file: str, record: str) -> list[Problem]:
        spots = self.spots or (Spot(HEADER_ROW, "", "", str(self)),)
        return [Problem(file, s.row, record, s.column, s.value, s.expected) for s in spots]


class ProblemSink:
    """Keeps the first `keep` problems for the terminal and writes every one to a spool file."""

    def __init__(self, *, keep: int = 50) -> None:
        self.keep = keep
        self.first: list[Problem] = []
        self.count = 0
        # Rows with problems in the record kind being read, so its clean rows can still be
        # loaded (and then rolled back) for the kinds that refer to them.
        self.bad_rows: set[int] = set()
        self._spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            "w", suffix=".csv", newline="", encoding="utf-8", delete=False
        )
        self._writer = csv.writer(self._spool)
        self._writer.writerow(REPORT_COLUMNS)

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.bad_rows) <= BAD_ROWS_TRACKED:
            self.bad_rows.add(problem.row)
        if len(self.first) < self.keep:
            self.first.append(problem)
        self._writer.writerow(problem.as_row())

    @property
    def bad_rows_complete(self) -> bool:
        return len(self.bad_rows) <= BAD_ROWS_TRACKED

    def save(self, target: Path) -> Path:
        self._spool.flush()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._spool.name, target)
        return target

    def close(self) -> None:
        self._spool.close()
        Path(self._spool.name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
