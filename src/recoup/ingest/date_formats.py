"""Date formats chosen on the mapping page: the common ways files write a date, which of them a
file's values seem to be in, and how its first dates read with the one chosen.

A choice sets the mapping's `date_formats` (and `datetime_formats`, the same order of day, month
and year followed by a time); a field's own `format` in a preset still wins for that field. The
preview and the guess read the file's first rows with the importer's own compiled SQL, so they
say exactly what an import would make of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
from django.db import connection

from recoup.ingest.kinds import KINDS, FieldType
from recoup.ingest.mapping import Mapping as ImportMapping
from recoup.ingest.mapping import MappingError, RecordMapping, Source
from recoup.ingest.parsing import compile_record

# How many rows the guess reads, and how many dates of each field the preview shows.
GUESS_ROWS = 500
PREVIEW_VALUES = 4
# What the mapping says when it names formats none of the choices stands for.
AS_GIVEN = "as-given"
# Shown in each choice's label: a day above 12 tells day and month apart at a glance.
_SHOWN = date(2024, 1, 31)


@dataclass(frozen=True, slots=True)
class DateFormat:
    key: str
    label: str  # the order of day, month and year in words
    pattern: str  # strptime format of a date

    @property
    def example(self) -> str:
        return _SHOWN.strftime(self.pattern)

    @property
    def datetime_patterns(self) -> tuple[str, ...]:
        """The same date followed by a time, 24-hour or with AM/PM, with or without seconds.
        Year-month-day keeps the importer's default for times (ISO 8601, offsets included)."""
        if self.key == "iso":
            return ()
        p = self.pattern
        return (f"{p} %H:%M:%S", f"{p} %H:%M", f"{p} %I:%M:%S %p", f"{p} %I:%M %p")


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("iso", "year-month-day", "%Y-%m-%d"),
    DateFormat("dmy-dot", "day.month.year", "%d.%m.%Y"),
    DateFormat("dmy-slash", "day/month/year", "%d/%m/%Y"),
    DateFormat("mdy-slash", "month/day/year", "%m/%d/%Y"),
    DateFormat("dmy-dash", "day-month-year", "%d-%m-%Y"),
    DateFormat("ymd-slash", "year/month/day", "%Y/%m/%d"),
    DateFormat("dmy-dot-short", "day.month.year, two-digit year", "%d.%m.%y"),
    DateFormat("dmy-slash-short", "day/month/year, two-digit year", "%d/%m/%y"),
    DateFormat("mdy-slash-short", "month/day/year, two-digit year", "%m/%d/%y"),
    DateFormat("ymd-compact", "yearmonthday, no separators", "%Y%m%d"),
    DateFormat("d-mon-y", "day, month name, year", "%d %b %Y"),
    DateFormat("mon-d-y", "month name, day, year", "%b %d, %Y"),
)
BY_KEY = {f.key: f for f in DATE_FORMATS}


def date_format_of(document: Mapping[str, Any]) -> str:
    """The choice a mapping document stands for: a key of `DATE_FORMATS`, or `AS_GIVEN`."""
    dates = list(document.get("date_formats") or [])
    times = list(document.get("datetime_formats") or [])
    if not dates and not times:
        return "iso"
    for choice in DATE_FORMATS:
        if dates == [choice.pattern] and times in ([], list(choice.datetime_patterns)):
            return choice.key
    return AS_GIVEN


def date_format_apply(document: dict[str, Any], key: str) -> None:
    """Set the chosen format on a mapping document (in place); `AS_GIVEN` keeps what it says."""
    if key == AS_GIVEN:
        return
    if key not in BY_KEY:
        known = ", ".join(f.label for f in DATE_FORMATS)
        raise MappingError(f"date format {key!r}: choose one of {known}")
    choice = BY_KEY[key]
    document.pop("date_formats", None)
    document.pop("datetime_formats", None)
    if choice.key != "iso":
        document["date_formats"] = [choice.pattern]
        document["datetime_formats"] = list(choice.datetime_patterns)


# --- reading the file's dates --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateRead:
    text: str  # as the file writes it
    read: str  # the date in words, "" when not read
    problem: str  # what the importer would say, "" when read


@dataclass(frozen=True, slots=True)
class DateFieldPreview:
    field: str
    column: str
    own_format: bool  # the preset gives this field its own format, kept whatever is chosen
    values: list[DateRead]


@dataclass(frozen=True, slots=True)
class DateGuess:
    """Which formats read every date of the file's first rows (`seen` dates)."""

    seen: int
    fits: list[DateFormat]
    best: DateFormat | None = None  # when none fits: the one that reads the most
    best_reads: int = 0
    unread: str = ""  # a date the best one does not read

    @property
    def ambiguous(self) -> bool:
        return len(self.fits) > 1


@dataclass(frozen=True, slots=True)
class DatePreview:
    fields: list[DateFieldPreview] = field(default_factory=list)
    guess: DateGuess | None = None


def _in_words(kind: FieldType, value: str) -> str:
    if kind is FieldType.DATE:
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    moment = datetime.fromisoformat(value)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def _read(
    sample: duckdb.DuckDBPyConnection,
    kind: str,
    name: str,
    source: Source,
    document: Mapping[str, Any],
) -> list[tuple[str, str, str]]:
    """(text, value, problem) of the field's non-blank cells in the sample, read as the importer
    reads them with the formats `document` gives. One field at a time: the order of two dates
    (due after issued) is the import's check, not the format's."""
    mapping = ImportMapping(
        name="preview",
        records=(RecordMapping(KINDS[kind], {name: source}),),
        date_formats=tuple(document.get("date_formats") or ("%Y-%m-%d",)),
        datetime_formats=tuple(document.get("datetime_formats") or ()),
        time_zone=str(document.get("time_zone", "UTC")),
    )
    columns = [str(d[0]) for d in sample.execute("SELECT * FROM src LIMIT 0").description]
    compiled = compile_record(
        mapping.records[0], mapping, vendor=connection.vendor, source_columns=columns
    )
    cursor = sample.execute(compiled.sql)
    index = {str(d[0]): i for i, d in enumerate(cursor.description)}
    out = []
    for row in cursor.fetchall():
        text = row[index[f"r_{name}"]]
        if text is None:
            continue
        problem = row[index[f"e_{name}"]]
        value = row[index[f"v_{name}"]]
        out.append((str(text), "" if problem else str(value), str(problem or "")))
    return out


def date_preview(
    *, kind: str, head: pa.Table | None, chosen: Mapping[str, str], document: Mapping[str, Any]
) -> DatePreview:
    """How the first rows' dates read with `document`'s formats, and which of the common
    formats the file's dates seem to be in. `head` is the file's first rows (`GUESS_ROWS`, as
    `mapping_draft` reads them); `chosen` is field -> column as picked on the page; only date
    and time fields taken straight from a column are read."""
    spec = KINDS[kind]
    record = next(
        (r for r in document.get("records") or [] if isinstance(r, dict) and r.get("kind") == kind),
        {},
    )
    given = record.get("fields") or {}
    sources: dict[str, Source] = {}
    own: set[str] = set()
    for f in spec.fields:
        column = chosen.get(f.name, "")
        if f.type not in (FieldType.DATE, FieldType.DATETIME) or not column:
            continue
        spec_given = given.get(f.name)
        formats: tuple[str, ...] = ()
        if isinstance(spec_given, dict) and spec_given.get("format"):
            raw = spec_given["format"]
            formats = (raw,) if isinstance(raw, str) else tuple(str(x) for x in raw)
            own.add(f.name)
        sources[f.name] = Source(column=column, formats=formats)
    if not sources or head is None:
        return DatePreview()
    if not {s.column for s in sources.values()} <= set(head.column_names):
        return DatePreview()
    # The first rows in a connection of their own: every format is tried on them.
    sample = duckdb.connect()
    try:
        sample.register("src", head)
        fields = [
            DateFieldPreview(
                field=name,
                column=str(sources[name].column),
                own_format=name in own,
                values=[
                    DateRead(
                        text,
                        _in_words(spec.field(name).type, value) if value else "",
                        problem,
                    )
                    for text, value, problem in _read(sample, kind, name, source, document)[
                        :PREVIEW_VALUES
                    ]
                ],
            )
            for name, source in sources.items()
        ]
        # The guess ignores a preset's own formats: it asks what the file's values are.
        plain = {n: Source(column=s.column) for n, s in sources.items()}
        guess = _guess(sample, kind, plain)
    finally:
        sample.close()
    return DatePreview(fields=fields, guess=guess)


def _guess(sample: duckdb.DuckDBPyConnection, kind: str, sources: dict[str, Source]) -> DateGuess:
    reads: dict[str, int] = {}
    seen = 0
    first_unread: dict[str, str] = {}
    for choice in DATE_FORMATS:
        document: dict[str, Any] = {}
        date_format_apply(document, choice.key)
        values = [
            cell
            for name, source in sources.items()
            for cell in _read(sample, kind, name, source, document)
        ]
        seen = len(values)
        reads[choice.key] = sum(1 for _, _, problem in values if not problem)
        first_unread[choice.key] = next((text for text, _, problem in values if problem), "")
    if not seen:
        return DateGuess(seen=0, fits=[])
    fits = [c for c in DATE_FORMATS if reads[c.key] == seen]
    if fits:
        return DateGuess(seen=seen, fits=fits)
    best = max(DATE_FORMATS, key=lambda c: reads[c.key])
    if not reads[best.key]:
        return DateGuess(seen=seen, fits=[])
    return DateGuess(
        seen=seen,
        fits=[],
        best=best,
        best_reads=reads[best.key],
        unread=first_unread[best.key],
    )
