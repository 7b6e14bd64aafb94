"""Column mappings chosen and edited on the import page, and the organisation's own presets.

The page edits one record mapping (the one for the kind being imported) as "field <- column";
everything else a preset says (value maps, formats, other records of a multi-record preset,
templates and constants) is kept as written. The result is YAML in the preset format, so the
importer reads an edited mapping exactly as it reads a shipped preset.

The organisation's presets are YAML files under `var/mapping-presets/`: the same format as the
shipped ones, readable and versionable by an administrator, and usable from the CLI by path.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_see_all_import_runs
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.ingest.date_formats import AS_GIVEN, GUESS_ROWS, date_format_apply
from recoup.ingest.kinds import KINDS, FieldType, KindSpec
from recoup.ingest.mapping import PRESETS_DIR, MappingError, default_mapping, parse_mapping
from recoup.ingest.parsing import ident
from recoup.ingest.readers import open_source

PRESET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
STAGED_FOR = timedelta(hours=24)
SAMPLE_ROWS = 3
# Fields whose values are free text: one column may feed several of them (a file that has only a
# customer id uses it as the name too), but not two typed fields (a date, an amount, a reference).
TEXT_TYPES = frozenset({FieldType.TEXT})


def organisation_presets_dir() -> Path:
    return Path(settings.DATA_DIR) / "mapping-presets"


def mapping_presets() -> list[tuple[str, str]]:
    """(value, label) of every preset: shipped ones by name, the organisation's by name too."""
    shipped = sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))
    # A file put there by hand under another name is not offered: it could not be chosen.
    own = sorted(
        p.stem for p in organisation_presets_dir().glob("*.yaml") if PRESET_NAME.match(p.stem)
    )
    return [(n, n) for n in shipped] + [(n, f"{n} (ours)") for n in own if n not in shipped]


def mapping_preset_path(name: str) -> str:
    """What the importer's `mapping` argument takes for a preset: a shipped preset's name, or the
    path of one of the organisation's."""
    # Names only, never paths: a name from a form must not reach a file outside the presets.
    if PRESET_NAME.match(name):
        if (PRESETS_DIR / f"{name}.yaml").is_file():
            return name
        own = organisation_presets_dir() / f"{name}.yaml"
        if own.is_file():
            return str(own)
    raise MappingError(f"mapping {name!r}: no such preset")


def _preset_document(name: str | None, kind: KindSpec, columns: list[str]) -> dict[str, Any]:
    if not name:
        default = default_mapping(kind, columns).records[0]
        fields = {f: s.column for f, s in default.sources.items() if s.column is not None}
        return {"records": [{"kind": kind.name, "fields": fields}]}
    path = Path(mapping_preset_path(name))
    if not path.is_absolute():
        path = PRESETS_DIR / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not any(
        isinstance(r, dict) and r.get("kind") == kind.name for r in data.get("records") or []
    ):
        raise MappingError(f"mapping {name!r} does not produce {kind.name}")
    return data


# --- the editable view of a mapping --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChoice:
    name: str
    type: str
    required: bool
    column: str  # "" when not taken from a column
    fixed_source: str  # a template or constant the preset gives, kept unless a column is chosen


@dataclass(frozen=True, slots=True)
class MappingDraft:
    kind: str
    preset: str
    columns: list[str]
    samples: dict[str, list[str]]
    fields: list[FieldChoice]
    document: dict[str, Any]  # the preset as YAML data, edited in place by `mapping_apply`
    # The file's first rows as text, for the date format preview and guess.
    head: pa.Table | None = None


def _record(document: dict[str, Any], kind: str) -> dict[str, Any]:
    for record in document["records"]:
        if isinstance(record, dict) and record.get("kind") == kind:
            return record
    raise MappingError(f"the mapping has no {kind} record")


def _describe(spec: Any) -> tuple[str, str]:
    """(column, fixed source) of one field's spec in a preset."""
    if isinstance(spec, str):
        return spec, ""
    if isinstance(spec, dict):
        if "column" in spec:
            return str(spec["column"]), ""
        if "template" in spec:
            return "", f"template {spec['template']}"
        if "value" in spec:
            return "", f"always {spec['value']!r}"
    return "", ""


def mapping_draft(
    *, kind: str, preset: str | None, path: Path, edited: dict[str, Any] | None = None
) -> MappingDraft:
    """The file's columns (with a few sample values) beside the kind's fields, prefilled from
    `edited` (the mapping last used on this upload), else `preset`, else from columns named like
    the fields."""
    spec = KINDS[kind]
    if preset and not PRESET_NAME.match(preset):
        # The page posts the preset back: it names a preset, never a path (it names the file
        # the edited mapping is written to).
        raise MappingError(f"mapping {preset!r}: no such preset")
    with open_source(path) as opened:
        columns = list(opened.columns)
        # The file's own header names: quoted, never pasted (issue 9, decision 0011).
        rows = opened.con.execute(
            f"SELECT {', '.join(ident(c) for c in columns)} FROM src LIMIT {SAMPLE_ROWS}"
        ).fetchall()
        head = opened.con.sql(f"SELECT * FROM src LIMIT {GUESS_ROWS}").to_arrow_table()
    samples = {
        c: [str(r[i]) for r in rows if r[i] not in (None, "")] for i, c in enumerate(columns)
    }
    document = edited if edited is not None else _preset_document(preset, spec, columns)
    record = _record(document, kind)
    given = record.get("fields") or {}
    fixed = {name for name, _ in spec.fixed}
    fields = []
    for f in spec.fields:
        if f.name in fixed:
            continue
        column, source = _describe(given.get(f.name))
        fields.append(
            FieldChoice(
                name=f.name,
                type=f.type.value,
                required=f.required and f.type is not FieldType.CURRENCY,
                column=column,
                fixed_source=source,
            )
        )
    return MappingDraft(kind, preset or "", columns, samples, fields, document, head)


KEEP = "__keep__"


def mapping_apply(
    *, draft: MappingDraft, choices: Mapping[str, str], date_format: str = AS_GIVEN
) -> dict[str, Any]:
    """The draft's preset with the chosen columns (`field -> column`, "" for none, KEEP for the
    preset's template or constant) and date format (`recoup.ingest.date_formats`), checked:
    every required field filled, every column in the file, no column feeding two typed fields.
    Raises `MappingError` listing every problem."""
    spec = KINDS[draft.kind]
    document = copy.deepcopy(draft.document)
    date_format_apply(document, date_format)
    record = _record(document, draft.kind)
    old = dict(record.get("fields") or {})
    new: dict[str, Any] = {}
    problems: list[str] = []
    used: dict[str, list[str]] = {}
    for choice in draft.fields:
        picked = choices.get(choice.name, "")
        if picked == KEEP and choice.fixed_source:
            new[choice.name] = old[choice.name]
        elif picked and picked != KEEP:
            if picked not in draft.columns:
                problems.append(f"{choice.name}: the file has no column {picked!r}")
                continue
            previous = old.get(choice.name)
            if isinstance(previous, dict) and "column" in previous:
                # Keep the value map, formats and default the preset gave this field.
                new[choice.name] = {**previous, "column": picked}
            else:
                new[choice.name] = picked
            used.setdefault(picked, []).append(choice.name)
        elif choice.required:
            problems.append(f"{choice.name} is required: choose the column that holds it")
    for column, names in used.items():
        typed = [n for n in names if spec.field(n).type not in TEXT_TYPES]
        if len(typed) > 1:
            problems.append(f"column {column!r} cannot feed both {' and '.join(typed)}")
    if problems:
        raise MappingError("; ".join(problems))
    record["fields"] = new
    try:
        parse_mapping(document, name=draft.preset or "edited", where="the edited mapping")
    except MappingError as error:
        raise MappingError(str(error)) from None
    return document


def mapping_yaml(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True)


@transaction.atomic
def mapping_preset_save(
    *, name: str, document: Mapping[str, Any], actor: User | None, via: str = "web"
) -> Path:
    """Save an edited mapping as one of the organisation's presets (replacing one of the same
    name; a shipped preset's name is refused)."""
    if not PRESET_NAME.match(name):
        raise MappingError(
            f"preset name {name!r}: use lower-case letters, digits and hyphens (up to 60)"
        )
    if (PRESETS_DIR / f"{name}.yaml").is_file():
        raise MappingError(f"preset name {name!r} is a shipped preset: choose another name")
    folder = organisation_presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.yaml"
    replaced = target.is_file()
    partial = target.with_suffix(".tmp")
    partial.write_text(mapping_yaml(document), encoding="utf-8")
    partial.replace(target)
    audit_record(
        action="import_mapping_preset_save",
        object_type="mapping_preset",
        object_id=name,
        after={"replaced": replaced, "records": [r.get("kind") for r in document["records"]]},
        actor=actor,
        via=via,
    )
    return target


# --- uploads kept while their mapping is chosen --------------------------------------------------


class StagedUploadError(RecoupError):
    """The staged upload is gone (older than a day, or never existed) or someone else's."""


@dataclass(frozen=True, slots=True)
class StagedUpload:
    token: str
    path: Path
    kind: str
    preset: str
    owner_id: int | None

    @property
    def last_mapping(self) -> dict[str, Any] | None:
        """The mapping last run on this upload, so changing it again starts from there."""
        kept = self.path.parent / "last-mapping.yaml"
        if not kept.is_file():
            return None
        data = yaml.safe_load(kept.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None


def staged_mapping_keep(*, staged: StagedUpload, document: Mapping[str, Any]) -> None:
    (staged.path.parent / "last-mapping.yaml").write_text(mapping_yaml(document), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class StagedRun:
    """The mapping a run of a staged upload used, so that a clean dry run is imported exactly as
    it was checked; `imported_as` is the import it then became."""

    mapping: str | None  # what the importer's `mapping` argument was
    mapping_yaml: str | None  # an edited mapping's text, else None
    imported_as: int | None = None


def _staged_run_file(staged: StagedUpload, run_id: int) -> Path:
    return staged.path.parent / "runs" / f"{int(run_id)}.json"


def staged_run_keep(
    *,
    staged: StagedUpload,
    run_id: int,
    mapping: str | None,
    mapping_yaml: str | None,
    imported_as: int | None = None,
) -> None:
    target = _staged_run_file(staged, run_id)
    target.parent.mkdir(exist_ok=True)
    kept = {"mapping": mapping, "mapping_yaml": mapping_yaml, "imported_as": imported_as}
    target.write_text(json.dumps(kept), encoding="utf-8")


def staged_run_get(*, staged: StagedUpload, run_id: int) -> StagedRun:
    kept = _staged_run_file(staged, run_id)
    if not kept.is_file():
        raise StagedUploadError(
            "this check was not made on this upload: upload the file again to import it"
        )
    data = json.loads(kept.read_text(encoding="utf-8"))
    return StagedRun(data["mapping"], data["mapping_yaml"], data.get("imported_as"))


def _staged_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "staged"


def staged_upload_save(
    *, kind: str, preset: str, file_name: str, chunks: Iterable[bytes], owner: User | None
) -> StagedUpload:
    """Keep an upload while its column mapping is chosen (and dry-run, and changed)."""
    staged_uploads_expire()
    token = secrets.token_urlsafe(16)
    folder = _staged_root() / token
    folder.mkdir(parents=True)
    path = folder / Path(file_name).name
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    owner_id = owner.pk if owner else None
    meta = {"kind": kind, "preset": preset, "file": path.name, "owner": owner_id}
    (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    return StagedUpload(token, path, kind, preset, owner_id)


def staged_upload_get(*, token: str, user: User) -> StagedUpload:
    folder = _staged_root() / token
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token) or not folder.is_dir():
        raise StagedUploadError("this upload is no longer kept: upload the file again")
    meta = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    # The same people who may read an import run may open its staged upload.
    if meta["owner"] not in (None, user.pk) and not can_see_all_import_runs(user):
        raise StagedUploadError("this upload belongs to someone else")
    return StagedUpload(token, folder / meta["file"], meta["kind"], meta["preset"], meta["owner"])


def staged_uploads_expire(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    removed = 0
    root = _staged_root()
    if not root.is_dir():
        return 0
    for folder in root.iterdir():
        stamp = datetime.fromtimestamp(folder.stat().st_mtime, tz=now.tzinfo)
        if now - stamp > STAGED_FOR:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
