"""Row-level parsing and checks, compiled to one DuckDB query per record mapping.

Every cell arrives as text. For each mapped field the query yields three columns: `r_<field>` (the
text, trimmed, after the preset's value map), `v_<field>` (the parsed value, NULL when it does not
parse) and `e_<field>` (what was expected, NULL when the cell is fine). DuckDB evaluates them
vectorised over record batches, so Python only touches the rows that have problems. Amounts become
integer minor units by string arithmetic on the digits, never through a float.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.core.dates import EARLIEST_DATE

# The one pair of helpers that turn text into SQL text (decision 0011), re-exported here.
from recoup.core.sql import ident as ident
from recoup.core.sql import lit as lit
from recoup.ingest.kinds import FieldSpec, FieldType, KindSpec
from recoup.ingest.mapping import Mapping, RecordMapping, Source

# The same earliest date as every other input (recoup.core.dates); the latest is stricter here.
EARLIEST = EARLIEST_DATE
ROW_COLUMN = "__row"  # spreadsheet row numbers, when the reader knows them (xlsx)
_GROUPED = r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?"
_RATE_TEXT = r"\+?\d{1,8}(\.\d{1,10})?"
_INT_TEXT = r"[+-]?\d{1,18}"
_TRUE = ("1", "true", "yes", "y", "t", "x")
_FALSE = ("0", "false", "no", "n", "f")


def _in_list(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def latest_allowed() -> date:
    """Dates more than a year ahead are typing mistakes (2204 for 2024), not plans."""
    return timezone.now().date() + timedelta(days=365)


@dataclass(frozen=True, slots=True)
class OutputField:
    """One staged field: where its text came from and how it is stored."""

    spec: FieldSpec
    source_label: str  # the file column(s) named in problem reports


@dataclass(frozen=True, slots=True)
class CompiledRecord:
    sql: str
    fields: tuple[OutputField, ...]
    checked: tuple[str, ...]  # field names that have an e_ column


def _raw(source: Source) -> str:
    if source.value is not None:
        expr = lit(source.value)
    elif source.template is not None:
        parts: list[str] = []
        rest = source.template
        for column in source.columns:
            before, _, rest = rest.partition("{" + column + "}")
            if before:
                parts.append(lit(before))
            parts.append(f"COALESCE(trim({ident(column)}), '')")
        if rest:
            parts.append(lit(rest))
        blank = " AND ".join(f"NULLIF(trim({ident(c)}), '') IS NULL" for c in source.columns)
        expr = f"CASE WHEN {blank or 'FALSE'} THEN NULL ELSE concat({', '.join(parts)}) END"
    else:
        assert source.column is not None
        expr = f"NULLIF(trim({ident(source.column)}), '')"
    if source.values:
        cases = " ".join(f"WHEN {lit(k.lower())} THEN {lit(v)}" for k, v in source.values)
        expr = f"(CASE lower({expr}) {cases} ELSE {expr} END)"
    if source.default is not None:
        expr = f"COALESCE({expr}, {lit(source.default)})"
    return expr


def _exponent_sql(currency: str) -> str:
    by_exp: dict[int, list[str]] = {}
    for code, exp in MINOR_UNIT_EXPONENT.items():
        by_exp.setdefault(exp, []).append(code)
    whens = " ".join(
        f"WHEN {currency} IN {_in_list(codes)} THEN {exp}" for exp, codes in sorted(by_exp.items())
    )
    return f"(CASE {whens} END)"


def _date_parse(x: str, formats: tuple[str, ...]) -> str:
    tries = [f"CAST(TRY_STRPTIME({x}, {lit(f)}) AS DATE)" for f in formats]
    return tries[0] if len(tries) == 1 else f"COALESCE({', '.join(tries)})"


def _datetime_parse(x: str, formats: tuple[str, ...], time_zone: str) -> str:
    if not formats:
        # ISO 8601; times without an offset are read in the mapping's time zone.
        return (
            f"CASE WHEN regexp_matches({x}, '([+-]\\d\\d(:?\\d\\d)?|Z)$')"
            f" THEN TRY_CAST({x} AS TIMESTAMPTZ)"
            f" ELSE timezone({lit(time_zone)}, TRY_CAST({x} AS TIMESTAMP)) END"
        )
    tries = []
    for f in formats:
        if "%z" in f or "%Z" in f:
            tries.append(f"CAST(TRY_STRPTIME({x}, {lit(f)}) AS TIMESTAMPTZ)")
        else:
            tries.append(f"timezone({lit(time_zone)}, TRY_STRPTIME({x}, {lit(f)}))")
    return tries[0] if len(tries) == 1 else f"COALESCE({', '.join(tries)})"


def _example(formats: tuple[str, ...]) -> str:
    sample = date(2024, 1, 31)
    return " or ".join(f"{sample.strftime(f)} ({f})" for f in formats)


class _Compiler:
    def __init__(
        self, record: RecordMapping, mapping: Mapping, vendor: str, *, nul_free: bool = False
    ) -> None:
        self.record = record
        self.mapping = mapping
        self.kind: KindSpec = record.kind
        self.vendor = vendor
        self.nul_free = nul_free
        self.latest = latest_allowed()
        self.names: set[str] = set()

    def present(self) -> list[FieldSpec]:
        """Fields the file gives, plus currencies (filled by the default) and fixed values."""
        fixed = {name for name, _ in self.kind.fixed}
        out = []
        for f in self.kind.fields:
            given = f.name in self.record.sources or f.name in fixed
            if given or (f.type is FieldType.CURRENCY and f.required):
                out.append(f)
        # An amount's decimals come from its currency, so that currency is always staged too.
        for f in list(out):
            if f.type is FieldType.AMOUNT and all(o.name != f.currency_field for o in out):
                out.append(self.kind.field(f.currency_field))
        return out

    def raw(self, f: FieldSpec) -> str:
        for name, value in self.kind.fixed:
            if name == f.name:
                return lit(value)
        source = self.record.sources.get(f.name)
        if source is None:
            return "CAST(NULL AS VARCHAR)"
        return _raw(source)

    def label(self, f: FieldSpec) -> str:
        source = self.record.sources.get(f.name)
        return source.describe() if source is not None else f.name

    def formats(self, f: FieldSpec) -> tuple[str, ...]:
        source = self.record.sources.get(f.name)
        if source is not None and source.formats:
            return source.formats
        if f.type is FieldType.DATETIME:
            return self.mapping.datetime_formats
        return self.mapping.date_formats

    # -- parsed values -------------------------------------------------------------------------
    def value(self, f: FieldSpec, present: set[str]) -> str:
        x = f"r_{f.name}"
        t = f.type
        if t is FieldType.TEXT or t is FieldType.REF:
            text = x if f.required or t is FieldType.REF else f"COALESCE({x}, '')"
            if self.nul_free:
                return text
            # Staged before it is checked: a NUL (reported by `errors`) must not reach the table.
            return f"CASE WHEN contains({x}, chr(0)) THEN NULL ELSE {text} END"
        if t is FieldType.DATE:
            return _date_parse(x, self.formats(f))
        if t is FieldType.DATETIME:
            return _datetime_parse(x, self.formats(f), self.mapping.time_zone)
        if t is FieldType.INT:
            return (
                f"CASE WHEN regexp_full_match({x}, {lit(_INT_TEXT)}) THEN CAST({x} AS BIGINT) END"
            )
        if t is FieldType.BOOL:
            return (
                f"CASE WHEN {x} IS NULL THEN FALSE WHEN lower({x}) IN {_in_list(_TRUE)} THEN TRUE"
                f" WHEN lower({x}) IN {_in_list(_FALSE)} THEN FALSE END"
            )
        if t is FieldType.CHOICE:
            lx = f"lower({x})"
            labels = " ".join(f"WHEN {lit(label)} THEN {lit(v)}" for label, v in f.labels)
            default = lit(str(f.default)) if f.default is not None else "NULL"
            return (
                f"CASE WHEN {x} IS NULL THEN {default} WHEN {lx} IN {_in_list(f.choices)}"
                f" THEN {lx} ELSE (CASE {lx} {labels} END) END"
            )
        if t is FieldType.CURRENCY:
            ux = f"upper({x})"
            fallback = lit(self.mapping.default_currency)
            if f.required:
                return f"COALESCE({ux}, {fallback})"
            users = [
                a.name
                for a in self.kind.fields
                if a.type is FieldType.AMOUNT and a.currency_field == f.name and a.name in present
            ]
            if users:
                given = " OR ".join(f"r_{u} IS NOT NULL" for u in users)
                return (
                    f"CASE WHEN {given} THEN COALESCE({ux}, {fallback}) ELSE COALESCE({ux}, '') END"
                )
            return f"COALESCE({ux}, '')"
        if t is FieldType.TIME_ZONE:
            return f"COALESCE({x}, {lit(str(f.default or 'UTC'))})"
        if t is FieldType.RATE:
            whole = f"split_part(ltrim({x}, '+'), '.', 1)"
            frac = f"split_part(ltrim({x}, '+'), '.', 2)"
            return (
                f"CASE WHEN regexp_full_match({x}, {lit(_RATE_TEXT)}) THEN"
                f" CAST({whole} AS BIGINT) * 10000000000"
                f" + CAST(COALESCE(NULLIF(rpad({frac}, 10, '0'), ''), '0') AS BIGINT) END"
            )
        raise AssertionError(t)

    def amount_decimal(self, f: FieldSpec) -> str:
        """The text as an exact DECIMAL, NULL unless it is digits with an optional point.

        A DECIMAL cast is several times cheaper than digit-by-digit string arithmetic; the
        grouping regex only runs on the rare values that have thousands separators."""
        x = f"r_{f.name}"
        return (
            f"CASE WHEN (NOT contains({x}, ',') OR regexp_full_match({x}, {lit(_GROUPED)}))"
            f" AND strpos(lower({x}), 'e') = 0 AND length(split_part({x}, '.', 2)) <= 10"
            f" THEN TRY_CAST(replace({x}, ',', '') AS DECIMAL(38, 10)) END"
        )

    @staticmethod
    def _scaled(f: FieldSpec) -> str:
        scale = f"(CASE x_{f.name} WHEN 0 THEN 1 WHEN 2 THEN 100 WHEN 3 THEN 1000 WHEN 4 THEN 10000 END)"
        return f"(d_{f.name} * {scale})"

    def amount_value(self, f: FieldSpec) -> str:
        scaled = self._scaled(f)
        return (
            f"CASE WHEN x_{f.name} IS NOT NULL AND {scaled} = trunc({scaled})"
            f" AND abs(d_{f.name}) < 1000000000000000 THEN CAST({scaled} AS BIGINT) END"
        )

    # -- problems ------------------------------------------------------------------------------
    def errors(self, f: FieldSpec) -> list[tuple[str, str]]:
        """(condition, expected) pairs, first match wins; NULL-safe by construction."""
        x, v = f"r_{f.name}", f"v_{f.name}"
        out: list[tuple[str, str]] = []
        if not self.nul_free and f.type in (FieldType.TEXT, FieldType.REF):
            # Stored as given: PostgreSQL stores no NUL (other types fail their own check).
            out.append((f"contains({x}, chr(0))", lit("text without NUL characters")))
        if f.required and f.type is not FieldType.CURRENCY:
            out.append((f"{x} IS NULL", lit("a value: this field is required")))
        t = f.type
        if t is FieldType.TEXT and f.max_length:
            out.append(
                (f"length({x}) > {f.max_length}", lit(f"text of at most {f.max_length} characters"))
            )
        elif t is FieldType.REF and f.ref is not None:
            out.append((f"length({x}) > 300", lit(f"the key of an existing {f.ref.label}")))
        elif t in (FieldType.DATE, FieldType.DATETIME):
            shown = self.formats(f) or ("%Y-%m-%d %H:%M:%S%z",)
            what = "a date like " if t is FieldType.DATE else "a date and time like "
            out.append((f"{x} IS NOT NULL AND {v} IS NULL", lit(what + _example(shown))))
            as_date = f"CAST({v} AS DATE)"
            out.append(
                (f"{as_date} < DATE {lit(str(EARLIEST))}", lit(f"a date on or after {EARLIEST}"))
            )
            out.append(
                (
                    f"{as_date} > DATE {lit(str(self.latest))}",
                    lit(f"a date no later than {self.latest} (one year from today)"),
                )
            )
        elif t is FieldType.INT:
            out.append((f"{x} IS NOT NULL AND {v} IS NULL", lit("a whole number")))
            if f.positive:
                out.append((f"{v} <= 0 OR {v} > 32767", lit("a whole number from 1 to 32767")))
            else:
                out.append((f"abs({v}) > 2147483647", lit("a whole number below 2^31")))
        elif t is FieldType.BOOL:
            out.append((f"{v} IS NULL", lit("yes or no (also true/false, 1/0)")))
        elif t is FieldType.CHOICE:
            out.append((f"{x} IS NOT NULL AND {v} IS NULL", lit("one of " + ", ".join(f.choices))))
        elif t is FieldType.CURRENCY:
            allowed = _in_list(sorted(MINOR_UNIT_EXPONENT))
            out.append(
                (
                    f"{v} <> '' AND {v} NOT IN {allowed}",
                    lit("an ISO 4217 currency code such as USD, EUR, JPY"),
                )
            )
        elif t is FieldType.TIME_ZONE:
            zones = _in_list(sorted(zoneinfo.available_timezones()))
            out.append((f"{v} NOT IN {zones}", lit("an IANA time zone such as America/Chicago")))
        elif t is FieldType.RATE:
            out.append(
                (
                    f"{x} IS NOT NULL AND {v} IS NULL",
                    lit("a decimal rate like 1.0842 (10 decimals at most)"),
                )
            )
            out.append((f"{v} <= 0", lit("a rate greater than zero")))
        elif t is FieldType.AMOUNT:
            exp, d = f"x_{f.name}", f"d_{f.name}"
            ccy = f"v_{f.currency_field}"
            scaled = self._scaled(f)
            out.append(
                (
                    f"{x} IS NOT NULL AND {exp} IS NOT NULL AND {d} IS NULL",
                    lit("an amount like 1234.56 (digits, optional decimal point)"),
                )
            )
            out.append(
                (
                    f"{scaled} <> trunc({scaled})",
                    f"concat('at most ', {exp}, ' decimals for ', {ccy})",
                )
            )
            out.append((f"abs({d}) >= 1000000000000000", lit("an amount below 10^15 major units")))
            if f.positive:
                out.append((f"{v} <= 0", lit("an amount greater than zero")))
            else:
                out.append((f"{v} < 0", lit("an amount of zero or more")))
        for order in self.kind.date_orders:
            if order.later == f.name and order.earlier in self.names:
                op = "<=" if order.strict else "<"
                word = "after" if order.strict else "on or after"
                out.append(
                    (
                        f"{v} {op} v_{order.earlier}",
                        f"concat({lit(f'a date {word} {order.earlier} ')},"
                        f" CAST(v_{order.earlier} AS VARCHAR))",
                    )
                )
        if self.kind.name == "payments" and f.name == "allocated":
            out.append((f"{v} > v_amount", lit("at most the payment's amount")))
        if "collector_or_team" in self.kind.extra_rules and f.name == "collector":
            out.append(
                (
                    "r_collector IS NULL AND r_team IS NULL",
                    lit("a collector or a team (one is required)"),
                )
            )
        return out

    def compile(self, source_columns: list[str]) -> CompiledRecord:
        present = self.present()
        names = {f.name for f in present}
        if "collector_or_team" in self.kind.extra_rules:
            # Both are looked at by the rule even when the file gives only one of them.
            for extra in ("collector", "team"):
                if extra not in names:
                    present.append(self.kind.field(extra))
                    names.add(extra)
        self.names = names
        row = ident(ROW_COLUMN) if ROW_COLUMN in source_columns else "NULL"
        keep = "TRUE"
        if self.record.where is not None:
            column, equals = self.record.where
            keep = f"COALESCE(trim({ident(column)}) = {lit(equals)}, FALSE)"
        l1 = [f"{row} AS _row", f"{keep} AS _keep"]
        l1 += [f"{self.raw(f)} AS r_{f.name}" for f in present]
        amounts = [f for f in present if f.type is FieldType.AMOUNT]
        l2 = ["*"] + [
            f"{self.value(f, names)} AS v_{f.name}"
            for f in present
            if f.type is not FieldType.AMOUNT
        ]
        l3 = ["*"] + [
            f"{_exponent_sql('v_' + f.currency_field)} AS x_{f.name},"
            f" {self.amount_decimal(f)} AS d_{f.name}"
            for f in amounts
        ]
        l4 = ["*"] + [f"{self.amount_value(f)} AS v_{f.name}" for f in amounts]
        out = ["_row", "_keep"]
        checked = []
        for f in present:
            out += [f"r_{f.name}"]
            if f.type is FieldType.DATE:
                out.append(f"strftime(v_{f.name}, '%Y-%m-%d') AS v_{f.name}")
            elif f.type is FieldType.DATETIME:
                utc = f"timezone('UTC', v_{f.name})"
                fmt = "%Y-%m-%d %H:%M:%S" + ("+00:00" if self.vendor == "postgresql" else "")
                fmt_us = "%Y-%m-%d %H:%M:%S.%f" + ("+00:00" if self.vendor == "postgresql" else "")
                # Django's SQLite backend writes microseconds only when there are some.
                out.append(
                    f"CASE WHEN microsecond({utc}) = 0 THEN strftime({utc}, {lit(fmt)})"
                    f" ELSE strftime({utc}, {lit(fmt_us)}) END AS v_{f.name}"
                )
            else:
                out.append(f"v_{f.name}")
            errs = self.errors(f)
            if errs:
                whens = " ".join(f"WHEN {cond} THEN {msg}" for cond, msg in errs)
                out.append(f"CASE {whens} END AS e_{f.name}")
                checked.append(f.name)
        sql = (
            f"WITH l1 AS (SELECT {', '.join(l1)} FROM src),"
            f" l2 AS (SELECT {', '.join(l2)} FROM l1),"
            f" l3 AS (SELECT {', '.join(l3)} FROM l2),"
            f" l4 AS (SELECT {', '.join(l4)} FROM l3)"
            f" SELECT {', '.join(out)} FROM l4"
        )
        fields = tuple(OutputField(f, self.label(f)) for f in present)
        return CompiledRecord(sql=sql, fields=fields, checked=tuple(checked))


def compile_record(
    record: RecordMapping,
    mapping: Mapping,
    *,
    vendor: str,
    source_columns: list[str],
    nul_free: bool = False,
) -> CompiledRecord:
    """`nul_free`: the reader saw every byte and no NUL (CSV), so no cell needs the check."""
    return _Compiler(record, mapping, vendor, nul_free=nul_free).compile(source_columns)
