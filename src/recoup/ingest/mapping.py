"""Column mappings: which file column (or constant, or template) feeds which field of which kind.

A mapping is either the default ("columns named like the fields") or a preset: a YAML file shipped
in `presets/` or given by path. One row of a file can produce several records (the IBM sample's
rows are a customer, an invoice, a payment and sometimes a dispute); each is a `RecordMapping`,
imported in the order the preset lists them so later records can refer to earlier ones.
"""

from __future__ import annotations

import codecs
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from django.conf import settings

from recoup.core.errors import RecoupError
from recoup.core.money import is_currency
from recoup.ingest.kinds import KINDS, FieldType, KindSpec

PRESETS_DIR = Path(__file__).parent / "presets"
_TEMPLATE_PART = re.compile(r"\{([^{}]+)\}")


class MappingError(RecoupError):
    """The mapping itself (not the data) is wrong: a usage error."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where one field's text comes from. Exactly one of column, value, template is set."""

    column: str | None = None
    value: str | None = None
    template: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # value map: text in the file -> text for the field
    formats: tuple[str, ...] = ()  # date/time formats for this field (else the mapping's)
    default: str | None = None  # used when the cell is blank

    @property
    def columns(self) -> tuple[str, ...]:
        if self.column is not None:
            return (self.column,)
        if self.template is not None:
            return tuple(_TEMPLATE_PART.findall(self.template))
        return ()

    def describe(self) -> str:
        """How a problem report names this source's column."""
        if self.column is not None:
            return self.column
        if self.template is not None:
            return "+".join(self.columns) or self.template
        return "(constant)"


@dataclass(frozen=True, slots=True)
class RecordMapping:
    kind: KindSpec
    sources: dict[str, Source]
    where: tuple[str, str] | None = None  # (column, value): only rows where column == value
    on_existing: Literal["update", "keep"] = "update"
    # Many rows may describe the same record (a customer on each of its invoices): identical
    # repeats collapse into one record, conflicting ones are reported.
    distinct: bool = False


@dataclass(frozen=True, slots=True)
class Mapping:
    name: str
    records: tuple[RecordMapping, ...]
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    datetime_formats: tuple[str, ...] = ()
    time_zone: str = "UTC"  # for times written without an offset
    default_currency: str = field(default_factory=lambda: str(settings.BASE_CURRENCY))
    delimiter: str | None = None
    encoding: str | None = None


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def default_mapping(kind: KindSpec, file_columns: list[str]) -> Mapping:
    """Columns named like the fields (case, spaces and hyphens ignored); refs may add `_id`."""
    by_normal = {_normal(c): c for c in file_columns}
    sources: dict[str, Source] = {}
    fixed = {name for name, _ in kind.fixed}
    for f in kind.fields:
        if f.name in fixed:
            continue
        candidates = [f.name]
        if f.type is FieldType.REF:
            candidates += [f"{f.name}_external_id", f"{f.name}_id"]
        for candidate in candidates:
            if candidate in by_normal:
                sources[f.name] = Source(column=by_normal[candidate])
                break
    return Mapping(name="default", records=(RecordMapping(kind, sources),))


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_preset(name_or_path: str) -> Mapping:
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = PRESETS_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise MappingError(
            f"mapping {name_or_path!r}: no such preset or file"
            f" (presets: {', '.join(preset_names()) or 'none'})"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path}: not valid YAML: {exc}") from None
    return parse_mapping(data, name=path.stem, where=str(path))


def _str_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MappingError(f"{where}: expected a text or a list of texts")


def _source(spec: Any, where: str) -> Source:
    if isinstance(spec, str):
        return Source(column=spec)
    if not isinstance(spec, dict):
        raise MappingError(
            f"{where}: expected a column name or a mapping with column/value/template"
        )
    unknown = set(spec) - {"column", "value", "template", "map", "format", "default"}
    if unknown:
        raise MappingError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    given = [k for k in ("column", "value", "template") if k in spec]
    if len(given) != 1:
        raise MappingError(f"{where}: give exactly one of column, value or template")
    values = spec.get("map") or {}
    if not isinstance(values, dict):
        raise MappingError(f"{where}.map: expected file text -> field text pairs")
    return Source(
        column=str(spec["column"]) if "column" in spec else None,
        value=str(spec["value"]) if "value" in spec else None,
        template=str(spec["template"]) if "template" in spec else None,
        values=tuple((str(k), str(v)) for k, v in values.items()),
        formats=_str_tuple(spec.get("format"), f"{where}.format"),
        default=str(spec["default"]) if spec.get("default") is not None else None,
    )


def text_encoding(name: str) -> str:
    """The codec's canonical name, for encodings of text only: `rot13`, `base64` or `hex` are
    codecs too, but they do not turn bytes into text. Raises LookupError (a usage error)."""
    info = codecs.lookup(name)
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{name!r} is not a text encoding")
    return info.name


def _nul_free(value: Any, where: str) -> None:
    """Every text of a preset becomes a quoted SQL name or literal: none may hold a NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise MappingError(f"{where}: {value!r} holds a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _nul_free(key, where)
            _nul_free(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _nul_free(item, f"{where}[{i}]")


def _csv_options(data: Any, where: str) -> tuple[str | None, str | None]:
    """(delimiter, encoding) of the preset's `csv:` section, checked: both are passed to the
    reader as data, but a wrong type or an unknown codec is the preset's mistake."""
    csv = data.get("csv") or {}
    if not isinstance(csv, dict) or set(csv) - {"delimiter", "encoding"}:
        raise MappingError(f"{where} csv: expected delimiter and/or encoding")
    delimiter = csv.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise MappingError(f"{where} csv.delimiter: expected one character, not {delimiter!r}")
    encoding = csv.get("encoding")
    if encoding is not None:
        if not isinstance(encoding, str):
            raise MappingError(f"{where} csv.encoding: expected a name such as cp1252")
        try:
            text_encoding(encoding)
        except LookupError:
            raise MappingError(
                f"{where} csv.encoding: {encoding!r} is not a text encoding Python knows"
            ) from None
    return delimiter, encoding


def parse_mapping(data: Any, *, name: str, where: str) -> Mapping:
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise MappingError(f"mapping {where}: expected a 'records' list")
    _nul_free(data, f"mapping {where}")
    records: list[RecordMapping] = []
    for i, rec in enumerate(data["records"], start=1):
        at = f"{where} records[{i}]"
        if not isinstance(rec, dict) or rec.get("kind") not in KINDS:
            raise MappingError(f"{at}: 'kind' must be one of {', '.join(KINDS)}")
        kind = KINDS[rec["kind"]]
        fields = rec.get("fields") or {}
        if not isinstance(fields, dict):
            raise MappingError(f"{at}.fields: expected field -> source pairs")
        sources: dict[str, Source] = {}
        for field_name, spec in fields.items():
            if not kind.has_field(field_name):
                known = ", ".join(f.name for f in kind.fields)
                raise MappingError(
                    f"{at}.fields.{field_name}: {kind.name} has no such field ({known})"
                )
            sources[field_name] = _source(spec, f"{at}.fields.{field_name}")
        where_clause = rec.get("where")
        condition: tuple[str, str] | None = None
        if where_clause is not None:
            if not isinstance(where_clause, dict) or set(where_clause) != {"column", "equals"}:
                raise MappingError(f"{at}.where: expected column and equals")
            condition = (str(where_clause["column"]), str(where_clause["equals"]))
        on_existing = rec.get("on_existing", "update")
        if on_existing not in ("update", "keep"):
            raise MappingError(f"{at}.on_existing: expected update or keep")
        records.append(
            RecordMapping(
                kind,
                sources,
                where=condition,
                on_existing=on_existing,
                distinct=bool(rec.get("distinct", False)),
            )
        )
    currency = str(data.get("default_currency", settings.BASE_CURRENCY))
    if not is_currency(currency):
        raise MappingError(f"{where}: default_currency {currency!r} is not an ISO 4217 code")
    time_zone = str(data.get("time_zone", "UTC"))
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"{where}: time_zone {time_zone!r} is not an IANA time zone such as Europe/Berlin"
        ) from None
    delimiter, encoding = _csv_options(data, where)
    return Mapping(
        name=name,
        records=tuple(records),
        date_formats=_str_tuple(data.get("date_formats"), f"{where} date_formats") or ("%Y-%m-%d",),
        datetime_formats=_str_tuple(data.get("datetime_formats"), f"{where} datetime_formats"),
        time_zone=time_zone,
        default_currency=currency,
        delimiter=delimiter,
        encoding=encoding,
    )
