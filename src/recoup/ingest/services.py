"""`ledger_file_import`: read, check and load one file into the ledger, all or nothing.

The pipeline, for each record mapping (one file row can feed several kinds of record):
1. DuckDB streams the file in record batches and parses every cell vectorised (`parsing`);
2. each batch's cell problems are collected and its rows written to a staging table;
3. set-based SQL finds the problems that need other rows or the ledger (`loader.Stage`);
4. clean staged rows are merged into the ledger.
Everything happens in one database transaction. If any problem was found anywhere, or on a dry
run, the transaction is rolled back, so the ledger is exactly as before; a killed process leaves
an uncommitted transaction, which the database discards. The run itself is recorded afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recoup.accounts.access import can_import, require
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.ingest.kinds import KINDS, FieldType
from recoup.ingest.loader import MergeCounts, Stage
from recoup.ingest.mapping import (
    Mapping,
    MappingError,
    RecordMapping,
    default_mapping,
    load_preset,
)
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.parsing import compile_record
from recoup.ingest.problems import HEADER_ROW, Problem, ProblemSink
from recoup.ingest.readers import FileReadError, OpenedFile, first_line, open_source, sha256_of
from recoup.ledger.signals import ledger_changed

BATCH_ROWS = 100_000

# phase ("check invoices", "load invoices"), rows done, rows expected (None if unknown)
Progress = Callable[[str, int, int | None], None]


class _Rollback(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside the transaction to undo everything (problems found, or a dry run)."""


@dataclass(slots=True)
class ImportOutcome:
    run: ImportRun
    problems: list[Problem]  # the first ones, for the terminal
    problem_count: int
    report_path: Path | None
    counts: dict[str, MergeCounts] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def default_report_path(kind: str, path: Path, started: datetime) -> Path:
    stamp = started.strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "import-reports" / f"{stamp}-{kind}-{path.stem}.csv"


def _resolve_mapping(kind: str, loaded: Mapping | None, columns: list[str]) -> Mapping:
    if loaded is None:
        return default_mapping(KINDS[kind], columns)
    if not any(r.kind.name == kind for r in loaded.records):
        produced = ", ".join(r.kind.name for r in loaded.records)
        raise MappingError(f"mapping {loaded.name!r} produces {produced}, not {kind}")
    return loaded


def _missing_columns(record: RecordMapping, columns: list[str], file_name: str) -> list[Problem]:
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


def _stage_record(
    opened: OpenedFile,
    record: RecordMapping,
    mapping: Mapping,
    sink: ProblemSink,
    file_name: str,
    progress: Progress | None,
) -> tuple[Stage, int]:
    """Parse the file for one record mapping into a fresh staging table; returns it and the
    number of data rows read."""
    source_columns = [*opened.columns] + (["__row"] if opened.has_row_numbers else [])
    compiled = compile_record(
        record,
        mapping,
        vendor=connection.vendor,
        source_columns=source_columns,
        nul_free=opened.nul_free,
    )
    stage = Stage(record, compiled.fields)
    stage.create()
    labels = {o.spec.name: o.source_label for o in compiled.fields}
    try:
        reader = opened.con.sql(compiled.sql).to_arrow_reader(BATCH_ROWS)
        yield_batches = _batches(reader, file_name)
    except duckdb.Error as exc:
        raise FileReadError(f"{file_name}: cannot be read ({first_line(exc)})") from None
    seen = 0
    phase = f"reading {record.kind.name}"
    value_columns = [f"v_{o.spec.name}" for o in compiled.fields]
    filtered = record.where is not None
    for batch in yield_batches:
        n = batch.num_rows
        # Row numbers are counted here rather than built as Arrow arrays: DuckDB keeps the file's
        # order, and creating Arrow arrays from Python objects would import pandas for nothing.
        numbers: Sequence[int] = (
            batch.column("_row").to_pylist()
            if opened.has_row_numbers
            else opened.line_numbers.of(seen, n)
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
                        labels[name],
                        # Shown and stored (PostgreSQL keeps no NUL): a NUL is shown as ␀.
                        "" if raw is None else str(raw).replace("\x00", "\u2400"),
                        str(what),
                    )
                )
        if batch.num_rows:
            stage.write([numbers, *(batch.column(c).to_pylist() for c in value_columns)])
        seen += n
        if progress is not None:
            progress(phase, seen, opened.rows_estimate)
    stage.index()
    return stage, seen


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


def _check_stage(
    stage: Stage, record: RecordMapping, labels: dict[str, str], sink: ProblemSink, file_name: str
) -> int:
    found = 0
    for finding in stage.findings():
        found += 1
        sink.add(
            Problem(
                file_name,
                finding.row,
                record.kind.name,
                labels.get(finding.field, finding.field),
                finding.value,
                finding.expected,
            )
        )
    return found


def _load_clean_rows(stage: Stage, bad_rows: set[int], now: datetime) -> None:
    try:
        with transaction.atomic():
            stage.discard(sorted(bad_rows))
            stage.dedupe()
            stage.merge(now=now)
    except IntegrityError:
        pass  # the later kinds will report what they miss; nothing of this is kept anyway


def ledger_file_import(
    *,
    kind: str,
    path: Path,
    mapping: str | None = None,
    dry_run: bool = False,
    delimiter: str | None = None,
    encoding: str | None = None,
    report_path: Path | None = None,
    progress: Progress | None = None,
    actor: User | None = None,
    keep_problems: int = 50,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Import `path` as `kind` records. Raises `MappingError`/`FileReadError` for usage errors;
    problems in the data are returned in the outcome (and written to the CSV report). `run` is a
    run already recorded as running (an upload from the web page): it is completed, not copied."""
    if kind not in KINDS:
        raise MappingError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    started = timezone.now()
    clock = time.monotonic()
    path = Path(path)
    digest = sha256_of(path) if path.is_file() else ""
    counts: dict[str, MergeCounts] = {}
    rows_read = 0
    mapping_name = ""
    with ProblemSink(keep=keep_problems) as sink:
        try:
            preset = load_preset(mapping) if mapping is not None else None
            # A mapping may feed several kinds from one file (invoices with their customers):
            # the person importing must be allowed every one of them.
            for produced in [r.kind.name for r in preset.records] if preset else [kind]:
                require(
                    actor is None or can_import(actor, produced),
                    f"your role may not import {produced}: managers and admins import it",
                )
            with (
                open_source(
                    path,
                    delimiter=delimiter or (preset.delimiter if preset else None),
                    encoding=encoding or (preset.encoding if preset else None),
                ) as opened,
                transaction.atomic(),
            ):
                chosen = _resolve_mapping(kind, preset, opened.columns)
                mapping_name = chosen.name
                for record in chosen.records:
                    problems_before = sink.count
                    sink.bad_rows.clear()
                    missing = _missing_columns(record, opened.columns, path.name)
                    for problem in missing:
                        sink.add(problem)
                    if missing:
                        continue
                    stage, seen = _stage_record(opened, record, chosen, sink, path.name, progress)
                    stage.scope = None if actor is None else scope_for(actor)
                    rows_read = max(rows_read, seen)
                    labels = {f.name: f.name for f in record.kind.fields}
                    labels.update({n: s.describe() for n, s in record.sources.items()})
                    if progress is not None:
                        progress(f"checking {record.kind.name}", seen, seen)
                    _check_stage(stage, record, labels, sink, path.name)
                    if sink.count == problems_before:
                        stage.dedupe()
                        counts[record.kind.name] = stage.merge(now=started, actor=actor)
                        if progress is not None:
                            progress(f"loaded {record.kind.name}", seen, seen)
                    elif record is not chosen.records[-1] and sink.bad_rows_complete:
                        # The clean rows are loaded anyway (all is rolled back in the end) so
                        # that the kinds after this one find what they refer to and report
                        # their own problems, not an echo of these.
                        _load_clean_rows(stage, sink.bad_rows, started)
                    stage.drop()
                if sink.count or dry_run:
                    raise _Rollback
                run = _record_run(
                    kind,
                    path,
                    digest,
                    mapping_name,
                    rows_read,
                    counts,
                    0,
                    started,
                    clock,
                    status=ImportStatus.SUCCEEDED,
                    dry_run=False,
                    report="",
                    run=run,
                )
                inserted = sum(c.inserted for c in counts.values())
                updated = sum(c.updated for c in counts.values())
                if inserted or updated:
                    audit_record(
                        action="import",
                        object_type="import_run",
                        object_id=run.pk,
                        after={"file": path.name, "kind": kind, **run.details},
                        actor=actor,
                        via="import",
                    )
                    run_id = run.pk
                    transaction.on_commit(
                        lambda: ledger_changed.send(sender=ImportRun, run_id=run_id)
                    )
                return ImportOutcome(run, [], 0, None, counts)
        except _Rollback:
            pass
        except FileReadError as exc:
            sink.add(Problem(path.name, HEADER_ROW, kind, "", "", str(exc)))
        except IntegrityError as exc:
            # A database constraint no check foresaw (an update that contradicts a field the
            # file does not give): still all or nothing, still reported, never a traceback.
            message = first_line(exc)
            sink.add(
                Problem(
                    path.name, HEADER_ROW, kind, "", "", f"a change the database accepts: {message}"
                )
            )
        saved: Path | None = None
        if sink.count or report_path is not None:
            saved = sink.save(report_path or default_report_path(kind, path, started))
        status = ImportStatus.REJECTED if sink.count else ImportStatus.DRY_RUN
        if sink.count:
            counts = {}  # rolled back: nothing was inserted or updated, whatever was staged
        run = _record_run(
            kind,
            path,
            digest,
            mapping_name,
            rows_read,
            counts,
            sink.count,
            started,
            clock,
            status=status,
            dry_run=dry_run,
            report=str(saved or ""),
            run=run,
        )
        return ImportOutcome(run, list(sink.first), sink.count, saved, counts)


@transaction.atomic
def _record_run(
    kind: str,
    path: Path,
    digest: str,
    mapping_name: str,
    rows: int,
    counts: dict[str, MergeCounts],
    errors: int,
    started: datetime,
    clock: float,
    *,
    status: ImportStatus,
    dry_run: bool,
    report: str,
    run: ImportRun | None = None,
) -> ImportRun:
    details: dict[str, Any] = {
        name: {
            "rows": c.rows,
            "inserted": c.inserted,
            "updated": c.updated,
            "unchanged": c.unchanged,
            **({"allocations": c.allocations} if name == "payments" else {}),
        }
        for name, c in counts.items()
    }
    details["seconds"] = round(time.monotonic() - clock, 3)
    fields: dict[str, Any] = {
        "kind": kind,
        "file_name": str(path.name),
        "sha256": digest,
        "mapping": mapping_name,
        "rows": rows,
        "inserted": sum(c.inserted for c in counts.values()),
        "updated": sum(c.updated for c in counts.values()),
        "unchanged": sum(c.unchanged for c in counts.values()),
        "errors": errors,
        "details": details,
        "report_path": report,
        "finished_at": timezone.now(),
        "dry_run": dry_run,
        "status": status,
    }
    if run is None:
        return ImportRun.objects.create(started_at=started, **fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))
    return run


__all__ = ["ImportOutcome", "RecoupError", "ledger_file_import"]
