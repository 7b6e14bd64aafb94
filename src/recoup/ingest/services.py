"""`ledger_file_import`: read, check and load one file into the ledger, all or nothing.

The import claims its turn first (`claims`: one import at a time, its run recorded as running
with its process). Then, for each record mapping (one file row can feed several kinds of record):
1. DuckDB streams the file in record batches and parses every cell vectorised (`parsing`); each
   batch's cell problems are collected and its rows written to a temporary staging table;
2. set-based SQL finds the problems that need other rows or the ledger (`loader.Stage`);
3. clean staged rows are merged into the ledger.
Steps 1 and 2 take no write lock (`pipeline`); step 3 is one transaction that also marks the run
succeeded. If any problem was found anywhere, or on a dry run, nothing is written; a killed
process leaves an uncommitted transaction, which the database discards, and a running run that
the next start marks failed.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.accounts.access import can_import, require
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.accounts.services import audit_record
from recoup.compliance.imports import imported_contacts_judge
from recoup.core.errors import RecoupError
from recoup.ingest.claims import (
    ProgressThrottle,
    import_run_claim,
    import_run_fail,
    import_run_let_go,
    import_run_progress_record,
    run_folder,
)
from recoup.ingest.kinds import KINDS
from recoup.ingest.loader import MergeCounts
from recoup.ingest.mapping import Mapping, MappingError, default_mapping, load_preset
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.pipeline import (
    Progress,
    Staged,
    check_on_snapshot,
    drop_stages,
    merge,
    needs_merge_phase,
    preview,
    read_file,
    without_write_lock,
)
from recoup.ingest.problems import HEADER_ROW, Problem, ProblemSink
from recoup.ingest.readers import FileReadError, first_line, open_source, sha256_of
from recoup.ledger.signals import ledger_changed


class _Rollback(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside the merge transaction to undo everything (problems found, or a dry run)."""


class ImportClaimLostError(RecoupError):
    """The run was marked failed while it ran (taken for a stopped one): nothing is written."""


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
    """Import `path` as `kind` records. Raises `MappingError`/`FileReadError` for usage errors
    and `ImportBusyError` when another import is running; problems in the data are returned in
    the outcome (and written to the CSV report). `run` is a run already claimed by this thread
    (an upload from the web page): it is completed, not copied."""
    if kind not in KINDS:
        raise MappingError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    path = Path(path)
    preset = load_preset(mapping) if mapping is not None else None
    # A mapping may feed several kinds from one file (invoices with their customers): the
    # person importing must be allowed every one of them.
    for produced in [r.kind.name for r in preset.records] if preset else [kind]:
        require(
            actor is None or can_import(actor, produced),
            f"your role may not import {produced}: managers and admins import it",
        )
    if run is not None:
        return _import(
            kind,
            path,
            preset,
            dry_run,
            delimiter,
            encoding,
            report_path,
            progress,
            actor,
            keep_problems,
            run,
        )
    run = import_run_claim(
        kind=kind,
        file_name=path.name,
        mapping=Path(mapping).stem if mapping else "",
        dry_run=dry_run,
        actor=actor,
    )
    run_id = run.pk
    # Other processes see this run's progress (the web page lists it), and that it is alive.
    recorded = ProgressThrottle(
        lambda phase, seen, total: import_run_progress_record(
            run_id=run_id, phase=phase, seen=seen, total=total
        )
    )

    def both(phase: str, seen: int, total: int | None) -> None:
        recorded(phase, seen, total)
        if progress is not None:
            progress(phase, seen, total)

    try:
        import_run_progress_record(run_id=run_id, phase="starting", seen=0, total=None)
        return _import(
            kind,
            path,
            preset,
            dry_run,
            delimiter,
            encoding,
            report_path,
            both,
            actor,
            keep_problems,
            run,
        )
    except RecoupError as error:
        import_run_fail(run_id, str(error))
        raise
    except BaseException as error:
        # A crash or an interrupt ends the run with its reason, never leaves it running.
        import_run_fail(run_id, f"the import stopped: {type(error).__name__}: {first_line(error)}")
        raise
    finally:
        import_run_let_go(run_id)
        shutil.rmtree(run_folder(run_id), ignore_errors=True)


def _import(
    kind: str,
    path: Path,
    preset: Mapping | None,
    dry_run: bool,
    delimiter: str | None,
    encoding: str | None,
    report_path: Path | None,
    progress: Progress | None,
    actor: User | None,
    keep_problems: int,
    run: ImportRun,
) -> ImportOutcome:
    started = run.started_at
    clock = time.monotonic()
    digest = sha256_of(path) if path.is_file() else ""
    counts: dict[str, MergeCounts] = {}
    rows_read = 0
    mapping_name = ""
    with ProblemSink(keep=keep_problems) as sink:
        staged: list[Staged] = []
        try:
            with open_source(
                path,
                delimiter=delimiter or (preset.delimiter if preset else None),
                encoding=encoding or (preset.encoding if preset else None),
            ) as opened:
                chosen = _resolve_mapping(kind, preset, opened.columns)
                mapping_name = chosen.name
                scope = None if actor is None else scope_for(actor)
                try:
                    # Phases 1 and 2: no write lock (pipeline's docstring says why it is safe).
                    with without_write_lock():
                        read_file(opened, chosen, sink, path.name, progress, scope, staged)
                    rows_read = max((s.seen for s in staged), default=0)
                    with without_write_lock():
                        mark = check_on_snapshot(staged, sink, path.name, progress)
                        if not needs_merge_phase(staged, sink, dry_run):
                            if not sink.count:
                                counts = preview(staged, progress)
                            raise _Rollback
                    # Phase 3: the one write transaction, as short as the merge itself.
                    with transaction.atomic():
                        counts = merge(
                            staged,
                            sink,
                            path.name,
                            progress,
                            mark=mark,
                            now=started,
                            actor=actor,
                        )
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
                            clock,
                            status=ImportStatus.SUCCEEDED,
                            dry_run=False,
                            report="",
                            run=run,
                        )
                        if "activities" in counts and counts["activities"].inserted:
                            # Imported contacts that broke a contact rule are reported, not refused.
                            run.details["compliance"] = imported_contacts_judge(created_at=started)
                            ImportRun.objects.filter(pk=run.pk).update(details=run.details)
                        _audit(run, path, kind, counts, actor)
                        return ImportOutcome(run, [], 0, None, counts)
                finally:
                    drop_stages(staged)
        except _Rollback:
            pass
        except FileReadError as exc:
            for problem in exc.problems(path.name, kind):  # at its rows, or on the header row
                sink.add(problem)
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
            clock,
            status=status,
            dry_run=dry_run,
            report=str(saved or ""),
            run=run,
        )
        return ImportOutcome(run, list(sink.first), sink.count, saved, counts)


def _audit(
    run: ImportRun, path: Path, kind: str, counts: dict[str, MergeCounts], actor: User | None
) -> None:
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
        transaction.on_commit(lambda: ledger_changed.send(sender=ImportRun, run_id=run_id))


@transaction.atomic
def _record_run(
    kind: str,
    path: Path,
    digest: str,
    mapping_name: str,
    rows: int,
    counts: dict[str, MergeCounts],
    errors: int,
    clock: float,
    *,
    status: ImportStatus,
    dry_run: bool,
    report: str,
    run: ImportRun,
) -> ImportRun:
    """Complete the running `run`; raises `ImportClaimLostError` if it no longer runs (the
    caller's transaction then writes nothing)."""
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
    # Only while still running: a run taken for a stopped one (and failed) has lost its turn,
    # and another import may be running now.
    if not ImportRun.objects.filter(pk=run.pk, status=ImportStatus.RUNNING).update(**fields):
        raise ImportClaimLostError(
            f"{run.file_name}: the import was marked failed while it ran; nothing was written"
        )
    for name, value in fields.items():
        setattr(run, name, value)
    return run


__all__ = ["ImportOutcome", "RecoupError", "ledger_file_import"]
