"""The import page's column guide: each kind's columns in plain words (name, required or not,
type, an example, what it means) and a template file per kind.

A template is the kind's header and its example row (`KindSpec.example`), in the layout the
default mapping ("columns named like the fields") reads, so it imports as it is once the examples
of the kinds listed before it are in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings

from recoup.ingest.kinds import COLLECTOR, KINDS, FieldSpec, FieldType, KindSpec

# The default mapping reads dates as year-month-day; the mapping page offers other formats.
_TYPE_WORDS = {
    FieldType.DATE: "date, year-month-day",
    FieldType.DATETIME: "date and time, year-month-day hours:minutes",
    FieldType.AMOUNT: "amount, with a decimal point and no currency sign",
    FieldType.INT: "whole number",
    FieldType.BOOL: "yes or no",
    FieldType.CURRENCY: "currency code (ISO 4217)",
    FieldType.TIME_ZONE: "time zone name",
    FieldType.RATE: "decimal number",
}


@dataclass(frozen=True, slots=True)
class ColumnGuide:
    name: str
    required: bool
    type: str
    example: str  # "" when the template leaves the column blank
    meaning: str


def _type_words(f: FieldSpec) -> str:
    if f.type is FieldType.TEXT:
        return f"text, up to {f.max_length} characters" if f.max_length else "text"
    if f.type is FieldType.CHOICE:
        return "one of " + ", ".join(f.choices)
    if f.type is FieldType.REF:
        assert f.ref is not None
        if f.ref.lookup == "external_id":
            return f"the {f.ref.label}'s external_id"
        return f"a {f.ref.label}" if f.ref.lookup == "username" else f"a {f.ref.label}'s name"
    return _TYPE_WORDS[f.type]


def _columns(spec: KindSpec) -> list[FieldSpec]:
    """The fields a file gives (a kind that fixes a field, like credit notes, leaves it out)."""
    fixed = {name for name, _ in spec.fixed}
    return [f for f in spec.fields if f.name not in fixed]


def _example(spec: KindSpec, f: FieldSpec, username: str) -> str:
    given = dict(spec.example)
    if f.name in given:
        return given[f.name]
    if f.type is FieldType.CURRENCY:
        # Amounts in the base currency need no exchange rate to import.
        return str(settings.BASE_CURRENCY)
    if f.type is FieldType.REF and f.ref == COLLECTOR:
        # The one user name certain to exist where the template is imported.
        return username
    return ""


def kind_columns(kind: str, *, username: str = "") -> list[ColumnGuide]:
    """The guide's rows for `kind`; `username` is the example collector (the reader)."""
    spec = KINDS[kind]
    return [
        ColumnGuide(
            name=f.name,
            # A currency is required in the table but falls back to the base currency.
            required=f.required and f.type is not FieldType.CURRENCY,
            type=_type_words(f),
            example=_example(spec, f, username),
            meaning=f.meaning,
        )
        for f in _columns(spec)
    ]


def kind_template_csv(kind: str, *, username: str = "") -> str:
    """A CSV file of `kind`: its header and one example row."""
    rows = kind_columns(kind, username=username)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in rows])
    writer.writerow([c.example for c in rows])
    return out.getvalue()
