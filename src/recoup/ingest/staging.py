"""The staging table of one record mapping: created in the import connection's temporary schema,
filled batch by batch from the file, and the SQL both the checks and the merge build on (how a
staged reference becomes an id, how a staged row meets its stored record, the importer's book).

The same SQL runs on SQLite and PostgreSQL; the few places where the dialects differ are spelled
out in `Dialect`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.core.bulk import bulk_insert_columns
from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.core.money import Money
from recoup.ingest.kinds import FieldSpec, FieldType, KindSpec
from recoup.ingest.mapping import RecordMapping
from recoup.ingest.parsing import OutputField
from recoup.ledger.models import (
    Adjustment,
    Allocation,
    Assignment,
    Customer,
    FxRate,
    Invoice,
    Payment,
)

STAGE = "ingest_stage"
# Rows fetched at once when a check or an update reads a staging table.
PAGE = 5_000

# The ledger tables the checks and the merge read or write.
ALLOCATION = Allocation._meta.db_table
CUSTOMER = Customer._meta.db_table
ADJUSTMENT = Adjustment._meta.db_table
INVOICE = Invoice._meta.db_table
PAYMENT = Payment._meta.db_table
FXRATE = FxRate._meta.db_table


@dataclass(frozen=True, slots=True)
class Dialect:
    vendor: str

    @property
    def pg(self) -> bool:
        return self.vendor == "postgresql"

    def differs(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.pg else f"{a} IS NOT {b}"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def joined(self, expr: str) -> str:
        """The aggregate joining `expr` of a group's rows with ", "."""
        return f"STRING_AGG({expr}, ', ')" if self.pg else f"GROUP_CONCAT({expr}, ', ')"

    def column_type(self, t: FieldType) -> str:
        if t in (FieldType.AMOUNT, FieldType.INT, FieldType.RATE):
            return "BIGINT"
        if t is FieldType.BOOL:
            return "BOOLEAN" if self.pg else "INTEGER"
        if t is FieldType.DATE:
            return "DATE" if self.pg else "TEXT"
        if t is FieldType.DATETIME:
            return "TIMESTAMPTZ" if self.pg else "TEXT"
        return "TEXT"


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def col(f: FieldSpec | str) -> str:
    """The staging column of a field."""
    return q("f_" + (f if isinstance(f, str) else f.name))


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by SQL: the field it is about, its value, what was expected."""

    row: int
    field: str
    value: str
    expected: str


@dataclass(slots=True)
class MergeCounts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    allocations: int = 0


def major_text(minor: Any, currency: Any) -> str:
    if minor is None or currency not in MINOR_UNIT_EXPONENT:
        return "" if minor is None else str(minor)
    return f"{Money(int(minor), str(currency)).major_str()} {currency}"


class StageBase:
    """A staging table and the SQL pieces `StageChecks` and `StageMerge` share."""

    def __init__(
        self, record: RecordMapping, fields: Sequence[OutputField], *, table: str = STAGE
    ) -> None:
        self.table = table
        self._table = q(table)
        self.record = record
        self.kind: KindSpec = record.kind
        self.fields = [o.spec for o in fields]
        self.names = {f.name for f in self.fields}
        self.dialect = Dialect(connection.vendor)
        # The importer's scope: a collector's file may only name and change their book's debtors.
        self.scope: Scope | None = None

    # -- staging -------------------------------------------------------------------------------
    def create(self) -> None:
        """A temporary table of this connection: it outlives the transactions of the read and
        check phases, and the connection's end (a kill) drops it. Its schema is named, so that
        neither statement can touch the main database (SQLite would lock it for that)."""
        columns = ", ".join(f"{col(f)} {self.dialect.column_type(f.type)}" for f in self.fields)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._qualified}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self._table} (_row BIGINT, {columns})")

    @property
    def _qualified(self) -> str:
        return f"{'pg_temp' if self.dialect.pg else 'temp'}.{self._table}"

    def write(self, columns: Sequence[Sequence[Any]]) -> None:
        """Stage rows given column by column: row numbers, then each field's values."""
        bulk_insert_columns(self.table, ["_row", *("f_" + f.name for f in self.fields)], columns)

    def index(self) -> None:
        keys = [k for k in self.kind.key if k in self.names]
        if keys:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE INDEX {q(self.table + '_key')} ON {self._table} ({', '.join(col(k) for k in keys)})"
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self._qualified}")

    def reads(self) -> set[str]:
        """The ledger tables `findings` reads."""
        tables = {self.kind.table}
        tables.update(f.ref.table for f in self.fields if f.ref is not None)
        if self.kind.fx_date:
            tables.add(FXRATE)
        if self.kind.extra_rules:
            tables.update({ALLOCATION, ADJUSTMENT, CUSTOMER, INVOICE, PAYMENT})
        if self.scope is not None and not self.scope.sees_all:
            tables.add(Assignment._meta.db_table)
        return tables

    def writes(self) -> set[str]:
        """The ledger tables `merge` writes."""
        if self.kind.name == "remittances":
            return {self.kind.table, PAYMENT, ALLOCATION}
        return {self.kind.table} | ({ALLOCATION} if self.kind.name == "payments" else set())

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql` (whose first column is `_row`) page by page, in row order."""
        last = -1
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    f"SELECT * FROM ({sql}) page WHERE page._row > %s ORDER BY page._row LIMIT {PAGE}",
                    [*params, last],
                )
                rows = cursor.fetchall()
                yield from rows
                if len(rows) < PAGE:
                    return
                last = rows[-1][0]

    def _key_fields(self) -> list[str]:
        return [k for k in self.kind.key if k in self.names]

    def _book(self, customer_id: str) -> tuple[str, list[Any]]:
        """SQL true when `customer_id` is in the importer's book today (see recoup.accounts.scope),
        with its parameters; empty when the importer sees the whole ledger."""
        scope = self.scope
        if scope is None or scope.sees_all:
            return "", []
        teams = sorted(scope.team_ids) or [-1]
        collectors = sorted(scope.collector_ids) or [-1]
        today = timezone.localdate()
        sql = (
            f" AND {customer_id} IN (SELECT a.customer_id FROM {q(Assignment._meta.db_table)} a"
            " WHERE a.valid_from <= %s AND (a.valid_to IS NULL OR a.valid_to > %s)"
            f" AND (a.team_id IN ({', '.join(['%s'] * len(teams))})"
            f" OR a.collector_id IN ({', '.join(['%s'] * len(collectors))})))"
        )
        return sql, [today, today, *teams, *collectors]

    @staticmethod
    def _customer_of(model: type[Model], alias: str) -> str | None:
        """The SQL of the customer a row of `model` belongs to, if it belongs to one."""
        if model is Customer:
            return f"{alias}.id"
        if any(getattr(f, "attname", "") == "customer_id" for f in model._meta.concrete_fields):
            return f"{alias}.customer_id"
        return None

    @staticmethod
    def _applied(invoice: str, *, exclude: str = "") -> str:
        """Allocations plus adjustments already on `invoice` (an SQL alias), minus `exclude`."""
        return (
            f"((SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(ALLOCATION)} a"
            f" WHERE a.invoice_id = {invoice}.id {exclude})"
            f" + (SELECT COALESCE(SUM(d.amount_minor), 0) FROM {q(ADJUSTMENT)} d"
            f" WHERE d.invoice_id = {invoice}.id))"
        )

    def _resolved(self) -> tuple[str, dict[str, str]]:
        """Joins that turn staged references into ids, and each stored field's SQL."""
        joins: list[str] = []
        exprs: dict[str, str] = {}
        for f in self.fields:
            if f.type is FieldType.REF and f.ref is not None:
                alias = q("r_" + f.name)
                joins.append(
                    f" LEFT JOIN {q(f.ref.table)} {alias} ON {alias}.{q(f.ref.lookup)} = s.{col(f)}"
                )
                exprs[f.name] = f"{alias}.id"
            else:
                exprs[f.name] = f"s.{col(f)}"
        return "".join(joins), exprs

    def _key_match(self, exprs: dict[str, str], alias: str = "t") -> str:
        parts = []
        for k in self.kind.key:
            db_column = self.kind.field(k).db_column
            assert db_column is not None
            parts.append(f"{alias}.{q(db_column)} = {exprs[k]}")
        return " AND ".join(parts)
