"""The phases of one import, and which of them may hold the database's write lock.

1. Read: the file is parsed record mapping by record mapping into temporary staging tables (the
   connection's own: SQLite's temp database, PostgreSQL's temp schema), cell problems collected.
2. Check: the set-based checks of `loader.Stage` run on one read snapshot of the ledger.
3. Merge: one short write transaction merges every clean staging table into the ledger and
   records the run as succeeded; a problem found in it, or a kill, rolls all of it back.

Phases 1 and 2 write nothing but temporary tables, in transactions that take no write lock (on
SQLite `BEGIN DEFERRED`: the IMMEDIATE mode of every other transaction would take it at BEGIN), so
logins, check-ins and the rest write while a large file is read and checked; a dry run never
gets to phase 3. The checks stay true for phase 3 because the ledger's facts are written by
imports, one at a time (`claims`); should anything else have inserted into a table the checks
read (its highest id moved), phase 3 runs the checks again under the lock. A record kind that
refers to one produced earlier from the same file (the IBM preset's invoices refer to its
customers) can only be checked once the earlier one is merged: it is checked in phase 3, and a
dry run of such a mapping rehearses phase 3 and rolls it back. See docs/decisions/0015.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.db import IntegrityError, connection, transaction

from recoup.accounts.models import User
from recoup.accounts.scope import Scope
from recoup.ingest.kinds import FieldType
from recoup.ingest.loader import STAGE, MergeCounts, Stage, ledger_mark
from recoup.ingest.mapping import Mapping, RecordMapping
from recoup.ingest.parsing import compile_record
from recoup.ingest.problems import BAD_ROWS_TRACKED, HEADER_ROW, Problem, ProblemSink
from recoup.ingest.readers import FileReadError, OpenedFile, first_line

# phase ("checking invoices", "loaded invoices"), rows done, rows expected (None if unknown)
Progress = Callable[[str, int, int | None], None]


@dataclass(slots=True)
class Staged:
    """One record mapping's staging table and what is known of its rows so far."""

    record: RecordMapping
    stage: Stage | None  # None: the file lacks a column it needs (reported on the header row)
    seen: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    # Rows with problems (cell or check), so its clean rows can still be loaded for the kinds
    # after it to check against; None once there are too many to track.
    bad_rows: set[int] | None = field(default_factory=set)
    problems: int = 0
    checked: bool = False

    @property
    def name(self) -> str:
        return self.record.kind.name


@contextmanager
def without_write_lock() -> Iterator[None]:
    """A transaction that reads one snapshot of the ledger and writes temporary tables only.
    On SQLite it begins DEFERRED: it never takes the write lock, since it writes nothing to the
    main database. Elsewhere a plain transaction, which locks nothing others write."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()
    mode = connection.transaction_mode  # type: ignore[attr-defined]
    connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            connection.transaction_mode = mode  # type: ignore[attr-defined]
            yield
    finally:
        connection.transaction_mode = mode  # type: ignore[attr-defined]


def missing_columns(record: RecordMapping, columns: list[str], file_name: str) -> list[Problem]:
    problems = []
    available = set(columns)
    fixed = {name for name, _ in record.kind.fixed}
    for f in record.kind.fields:
        if f.name in fixed:
            continue
        source = record.sources.get(f.name)
        if source is None:
            if f.required and f.type is not FieldType.CURRENCY:
                problems.append(
                    Problem(
                        file_name,
                        HEADER_ROW,
                        record.kind.name,
                        f.name,
                        "",
                        f"a column named {f.name} (required), or a mapping that fills it",
                    )
                )
            continue
        for column in source.columns:
            if column not in available:
                problems.append(
                    Problem(
                        file_name,
                        HEADER_ROW,
                        record.kind.name,
                        column,
                        "",
                        f"a column named {column} for {f.name} (the file has: {', '.join(columns)})",
                    )
                )
    if record.where is not None and record.where[0] not in available:
        problems.append(
            Problem(
                file_name,
                HEADER_ROW,
                record.kind.name,
                record.where[0],
                "",
                f"a column named {record.where[0]} (the mapping filters on it)",
            )
        )
    return problems


def _note(staged: Staged, sink: ProblemSink, before: int) -> None:
    """Carry the problems the sink took since `before` over to `staged`'s rows."""
    staged.problems += sink.count - before
    if staged.bad_rows is not None:
        staged.bad_rows |= sink.bad_rows
        if len(staged.bad_rows) > BAD_ROWS_TRACKED:
            staged.bad_rows = None
    sink.bad_rows.clear()


def read_file(
    opened: OpenedFile,
    mapping: Mapping,
    sink: ProblemSink,
    file_name: str,
    progress: Progress | None,
    scope: Scope | None,
    staged: list[Staged],
) -> None:
    """Phase 1: stage every record mapping of the file (appended to `staged` as it goes, so the
    caller drops what was made whatever happens)."""
    for number, record in enumerate(mapping.records):
        missing = missing_columns(record, opened.columns, file_name)
        if missing:
            for problem in missing:
                sink.add(problem)
            sink.bad_rows.clear()
            staged.append(Staged(record, None, problems=len(missing), bad_rows=None))
            continue
        before = sink.count
        source_columns = [*opened.columns] + (["__row"] if opened.has_row_numbers else [])
        compiled = compile_record(
            record,
            mapping,
            vendor=connection.vendor,
            source_columns=source_columns,
            nul_free=opened.nul_free,
        )
        stage = Stage(record, compiled.fields, table=f"{STAGE}_{number}")
        stage.scope = scope
        item = Staged(record, stage)
        staged.append(item)
        stage.create()
        item.labels = {f.name: f.name for f in record.kind.fields}
        item.labels.update({n: s.describe() for n, s in record.sources.items()})
        cell_labels = {o.spec.name: o.source_label for o in compiled.fields}
        try:
            reader = opened.con.sql(compiled.sql).to_arrow_reader(opened.batch_rows)
        except duckdb.Error as exc:
            raise FileReadError(f"{file_name}: cannot be read ({first_line(exc)})") from None
        phase = f"reading {record.kind.name}"
        value_columns = [f"v_{o.spec.name}" for o in compiled.fields]
        filtered = record.where is not None
        for batch in _batches(reader, file_name):
            n = batch.num_rows
            # Row numbers are counted here rather than built as Arrow arrays: DuckDB keeps the
            # file's order, and creating Arrow arrays from Python objects would import pandas.
            numbers: Sequence[int] = (
                batch.column("_row").to_pylist()
                if opened.has_row_numbers
                else opened.line_numbers.of(item.seen, n)
            )
            if filtered:
                kept = pc.indices_nonzero(batch.column("_keep"))
                batch = batch.take(kept)
                numbers = [numbers[i] for i in kept.to_pylist()]
            for name in compiled.checked:
                errors = batch.column(f"e_{name}")
                if errors.null_count == len(errors):
                    continue
                bad = pc.indices_nonzero(pc.is_valid(errors))
                raws = batch.column(f"r_{name}").take(bad).to_pylist()
                expected = errors.take(bad).to_pylist()
                for i, raw, what in zip(bad.to_pylist(), raws, expected, strict=True):
                    sink.add(
                        Problem(
                            file_name,
                            int(numbers[i]),
                            record.kind.name,
                            cell_labels[name],
                            # Shown and stored (PostgreSQL keeps no NUL): a NUL is shown as ␀.
                            "" if raw is None else str(raw).replace("\x00", "\u2400"),
                            str(what),
                        )
                    )
            if batch.num_rows:
                stage.write([numbers, *(batch.column(c).to_pylist() for c in value_columns)])
            item.seen += n
            if progress is not None:
                progress(phase, item.seen, opened.rows_estimate)
        stage.index()
        _note(item, sink, before)


def _batches(reader: pa.RecordBatchReader, file_name: str) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            # A malformed line deep in a CSV surfaces only when DuckDB reaches it.
            raise FileReadError(f"{file_name}: cannot be read ({first_line(exc)})") from None
        yield batch


def _depends_on_earlier(staged: list[Staged], index: int) -> bool:
    """Do the checks of `staged[index]` read a table an earlier record of the file writes?"""
    item = staged[index]
    assert item.stage is not None
    reads = item.stage.reads()
    return any(s.stage is not None and s.stage.writes() & reads for s in staged[:index])


def check(item: Staged, sink: ProblemSink, file_name: str, progress: Progress | None) -> None:
    assert item.stage is not None
    if progress is not None:
        progress(f"checking {item.name}", item.seen, item.seen)
    before = sink.count
    for finding in item.stage.findings():
        sink.add(
            Problem(
                file_name,
                finding.row,
                item.name,
                item.labels.get(finding.field, finding.field),
                finding.value,
                finding.expected,
            )
        )
    item.checked = True
    _note(item, sink, before)


def check_on_snapshot(
    staged: list[Staged], sink: ProblemSink, file_name: str, progress: Progress | None
) -> tuple[int | None, ...]:
    """Phase 2: the checks of every record that refers to nothing earlier in the file, on one
    snapshot; returns the ledger's mark of that snapshot (taken before the checks read it)."""
    mark = ledger_mark(tables_read(staged))
    for index, item in enumerate(staged):
        if item.stage is not None and not _depends_on_earlier(staged, index):
            check(item, sink, file_name, progress)
    return mark


def tables_read(staged: list[Staged]) -> list[str]:
    return sorted(set().union(*(s.stage.reads() for s in staged if s.stage is not None)))


def needs_merge_phase(staged: list[Staged], sink: ProblemSink, dry_run: bool) -> bool:
    """Whether phase 3 (the write lock) is needed at all: to load, or to check a record that
    needs the records before it loaded."""
    unchecked = any(s.stage is not None and not s.checked for s in staged)
    return unchecked or (not dry_run and sink.count == 0)


def merge(
    staged: list[Staged],
    sink: ProblemSink,
    file_name: str,
    progress: Progress | None,
    *,
    mark: tuple[int | None, ...],
    now: datetime,
    actor: User | None,
) -> dict[str, MergeCounts]:
    """Phase 3, inside the caller's write transaction: check what phase 2 could not, merge
    each clean record in order. The caller rolls everything back if the sink holds problems."""
    # Something other than an import inserted into a table the checks read: check again.
    recheck = sink.count == 0 and ledger_mark(tables_read(staged)) != mark
    counts: dict[str, MergeCounts] = {}
    for item in staged:
        stage = item.stage
        if stage is None:
            continue
        if recheck or not item.checked:
            check(item, sink, file_name, progress)
        if item.problems == 0:
            if progress is not None:
                progress(f"loading {item.name}", 0, item.seen)
            stage.dedupe()
            counts[item.name] = stage.merge(now=now, actor=actor)
            if progress is not None:
                progress(f"loaded {item.name}", item.seen, item.seen)
        elif item is not staged[-1] and item.bad_rows is not None:
            # The clean rows are loaded anyway (all is rolled back in the end) so that the kinds
            # after this one find what they refer to and report their own problems, not an
            # echo of these.
            _load_clean_rows(stage, item.bad_rows, now)
    return counts


def preview(staged: list[Staged], progress: Progress | None) -> dict[str, MergeCounts]:
    """A clean dry run's counts, without the write lock: what phase 3 would do."""
    counts: dict[str, MergeCounts] = {}
    for item in staged:
        if item.stage is None:
            continue
        item.stage.dedupe()
        counts[item.name] = item.stage.preview()
        if progress is not None:
            progress(f"checked {item.name}", item.seen, item.seen)
    return counts


def _load_clean_rows(stage: Stage, bad_rows: set[int], now: datetime) -> None:
    try:
        with transaction.atomic():
            stage.discard(sorted(bad_rows))
            stage.dedupe()
            stage.merge(now=now)
    except IntegrityError:
        pass  # the later kinds will report what they miss; nothing of this is kept anyway


def drop_stages(staged: list[Staged]) -> None:
    for item in staged:
        if item.stage is not None:
            item.stage.drop()
