"""The database side of an import: a staging table, set-based checks, and the merge.

Parsed rows go into a temporary staging table inside the import's one transaction. Checks that
need other rows or the ledger (duplicates, unknown references, currencies, FX rates, amounts
applied beyond what is open) are SQL over that table and return row numbers. Only when the whole
file is clean are staged rows merged into the ledger: INSERT ... SELECT for new keys, UPDATE (with
an audit row each) for changed ones. The same SQL runs on SQLite and PostgreSQL; the few places
where the dialects differ are spelled out in `Dialect`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.scope import Scope
from recoup.accounts.services import audit_record_many
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
PAGE = 5_000
REBUILD_INDEXES_FROM = 50_000

_ALLOCATION = Allocation._meta.db_table
_CUSTOMER = Customer._meta.db_table
_ADJUSTMENT = Adjustment._meta.db_table
_INVOICE = Invoice._meta.db_table
_PAYMENT = Payment._meta.db_table
_FXRATE = FxRate._meta.db_table


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


def _major(minor: Any, currency: Any) -> str:
    if minor is None or currency not in MINOR_UNIT_EXPONENT:
        return "" if minor is None else str(minor)
    return f"{Money(int(minor), str(currency)).major_str()} {currency}"


class Stage:
    """The staging table of one record mapping, and everything done with it."""

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
            tables.add(_FXRATE)
        if self.kind.extra_rules:
            tables.update({_ALLOCATION, _ADJUSTMENT, _CUSTOMER, _INVOICE, _PAYMENT})
        if self.scope is not None and not self.scope.sees_all:
            tables.add(Assignment._meta.db_table)
        return tables

    def writes(self) -> set[str]:
        """The ledger tables `merge` writes."""
        return {self.kind.table} | ({_ALLOCATION} if self.kind.name == "payments" else set())

    # -- checks --------------------------------------------------------------------------------
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

    def findings(self) -> Iterator[Finding]:
        yield from self._duplicates()
        for f in self.fields:
            if f.type is FieldType.REF and f.ref is not None:
                yield from self._unknown(f)
        yield from self._outside_book()
        for currency, ref in self.kind.same_currency_as:
            if currency in self.names and ref in self.names:
                yield from self._same_currency(currency, ref)
        if self.kind.fx_date and self.kind.fx_date in self.names and "currency" in self.names:
            yield from self._fx_rates()
        rules = self.kind.extra_rules
        if "amount_covers_applied" in rules and "amount" in self.names:
            yield from self._invoice_amount_covers_applied()
        if "amount_covers_applied" in rules:
            yield from self._changed_with_applications(_INVOICE, "invoice")
        if "payment_allocation" in rules:
            yield from self._changed_with_applications(_PAYMENT, "payment")
            yield from self._payment_allocation()
        if "allocation_within_amounts" in rules:
            yield from self._allocation_within_amounts()
        if "credit_within_open_amount" in rules:
            yield from self._credit_within_open_amount()

    def _key_fields(self) -> list[str]:
        return [k for k in self.kind.key if k in self.names]

    def _duplicates(self) -> Iterator[Finding]:
        keys = self._key_fields()
        if len(keys) != len(self.kind.key):
            return
        match = " AND ".join(f"s.{col(k)} = d.{col(k)}" for k in keys)
        not_null = " AND ".join(f"{col(k)} IS NOT NULL" for k in keys)
        groups = (
            f"SELECT {', '.join(col(k) for k in keys)}, MIN(_row) AS first_row FROM {self._table}"
            f" WHERE {not_null} GROUP BY {', '.join(col(k) for k in keys)} HAVING COUNT(*) > 1"
        )
        key_text = " || ' / ' || ".join(f"CAST(s.{col(k)} AS TEXT)" for k in keys)
        label = " + ".join(keys)
        if not self.record.distinct:
            sql = (
                f"SELECT s._row, {key_text} AS k, d.first_row FROM {self._table} s JOIN ({groups}) d"
                f" ON {match} WHERE s._row > d.first_row"
            )
            for row, key, first in self._stream(sql):
                yield Finding(
                    row, keys[0], str(key), f"a {label} not used before in this file (row {first})"
                )
            return
        for f in self.fields:
            if f.name in keys:
                continue
            sql = (
                f"SELECT s._row, s.{col(f)} AS v, d.first_row, o.{col(f)} AS first_v"
                f" FROM {self._table} s JOIN ({groups}) d ON {match}"
                f" JOIN {self._table} o ON o._row = d.first_row"
                f" WHERE s._row > d.first_row AND {self.dialect.differs(f's.{col(f)}', f'o.{col(f)}')}"
            )
            for row, value, first, first_value in self._stream(sql):
                yield Finding(
                    row,
                    f.name,
                    "" if value is None else str(value),
                    f"the same {f.name} as row {first} ({first_value}) for this {label}",
                )

    def discard(self, rows: list[int]) -> None:
        """Remove rows (already reported) from the staging table."""
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {self._table} WHERE _row IN ({marks})", chunk)

    def dedupe(self) -> None:
        """Collapse identical repeats of a record (already checked) to their first row."""
        keys = self._key_fields()
        if not self.record.distinct or len(keys) != len(self.kind.key):
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self._table} WHERE _row NOT IN (SELECT MIN(_row) FROM {self._table}"
                f" GROUP BY {', '.join(col(k) for k in keys)})"
            )

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

    def _unknown(self, f: FieldSpec) -> Iterator[Finding]:
        assert f.ref is not None
        customer = self._customer_of(f.ref.model, "x")
        narrow, params = self._book(customer) if customer else ("", [])
        sql = (
            f"SELECT s._row, s.{col(f)} FROM {self._table} s WHERE s.{col(f)} IS NOT NULL AND NOT EXISTS"
            f" (SELECT 1 FROM {q(f.ref.table)} x WHERE x.{q(f.ref.lookup)} = s.{col(f)}{narrow})"
        )
        # Out of the importer's book reads as unknown: a file cannot probe what exists elsewhere.
        mine = " you may see" if narrow else ""
        for row, value in self._stream(sql, params):
            yield Finding(row, f.name, str(value), f"the key of an existing {f.ref.label}{mine}")

    def _outside_book(self) -> Iterator[Finding]:
        """Rows that would change a record of a debtor outside the importer's book."""
        customer = self._customer_of(self.kind.model, "t")
        if customer is None or len(self._key_fields()) != len(self.kind.key):
            return
        narrow, params = self._book(customer)
        if not narrow:
            return
        joins, exprs = self._resolved()
        key = self.kind.key[0]
        sql = (
            f"SELECT s._row, s.{col(key)} FROM {self._table} s{joins}"
            f" JOIN {q(self.kind.table)} t ON {self._key_match(exprs)}"
            f" WHERE NOT (1 = 1{narrow})"
        )
        for row, value in self._stream(sql, params):
            yield Finding(row, key, str(value), f"a key of your own debtors' {self.kind.name}")

    def _same_currency(self, currency: str, ref: str) -> Iterator[Finding]:
        target = self.kind.field(ref).ref
        assert target is not None
        sql = (
            f"SELECT s._row, s.{col(currency)}, x.currency, s.{col(ref)} FROM {self._table} s"
            f" JOIN {q(target.table)} x ON x.{q(target.lookup)} = s.{col(ref)}"
            f" WHERE s.{col(currency)} <> x.currency"
        )
        for row, value, theirs, key in self._stream(sql):
            yield Finding(
                row, currency, str(value), f"{theirs}, the currency of {target.label} {key}"
            )

    def _fx_rates(self) -> Iterator[Finding]:
        from django.conf import settings

        on = self.kind.fx_date
        assert on is not None
        known = ", ".join("'" + c + "'" for c in MINOR_UNIT_EXPONENT)
        sql = (
            f"SELECT s._row, s.{col('currency')}, s.{col(on)} FROM {self._table} s"
            f" WHERE s.{col('currency')} <> %s AND s.{col('currency')} IN ({known})"
            f" AND s.{col(on)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(_FXRATE)} r"
            f" WHERE r.currency = s.{col('currency')} AND r.rate_date <= s.{col(on)})"
        )
        for row, currency, day in self._stream(sql, [settings.BASE_CURRENCY]):
            yield Finding(
                row,
                "currency",
                str(currency),
                f"a currency with an FX rate to {settings.BASE_CURRENCY} on or before {day}"
                " (import fx-rates first)",
            )

    @staticmethod
    def _applied(invoice: str, *, exclude: str = "") -> str:
        """Allocations plus adjustments already on `invoice` (an SQL alias), minus `exclude`."""
        return (
            f"((SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(_ALLOCATION)} a"
            f" WHERE a.invoice_id = {invoice}.id {exclude})"
            f" + (SELECT COALESCE(SUM(d.amount_minor), 0) FROM {q(_ADJUSTMENT)} d"
            f" WHERE d.invoice_id = {invoice}.id))"
        )

    def _invoice_amount_covers_applied(self) -> Iterator[Finding]:
        if self.record.on_existing == "keep":
            return
        sql = (
            f"SELECT s._row, s.{col('amount')}, i.currency, {self._applied('i')} AS applied"
            f" FROM {self._table} s JOIN {q(_INVOICE)} i ON i.external_id = s.{col('external_id')}"
            f" WHERE s.{col('amount')} < {self._applied('i')}"
        )
        for row, amount, currency, applied in self._stream(sql):
            yield Finding(
                row,
                "amount",
                _major(amount, currency),
                f"at least {_major(applied, currency)}, already paid or credited on this invoice",
            )

    def _changed_with_applications(self, table: str, what: str) -> Iterator[Finding]:
        """An existing invoice (payment) that the file moves to another currency or customer
        while payments are allocated to it (it is allocated to invoices), or credits adjust
        it: that would leave an invoice in EUR paid in USD, or one customer's invoice paid by
        another's payments. Refused as a new payment's allocation is; nothing is re-judged."""
        if self.record.on_existing == "keep":
            return
        changes = [name for name in ("currency", "customer") if name in self.names]
        if not changes:
            return
        own, other = (
            ("invoice_id", "payment_id") if what == "invoice" else ("payment_id", "invoice_id")
        )
        other_table = _PAYMENT if what == "invoice" else _INVOICE
        joins = ""
        differs = []
        if "currency" in changes:
            differs.append(f"s.{col('currency')} <> t.currency")
        if "customer" in changes:
            joins = f" JOIN {q(_CUSTOMER)} rc ON rc.external_id = s.{col('customer')}"
            differs.append("rc.id <> t.customer_id")
        adjusted = (
            f"(SELECT COUNT(*) FROM {q(_ADJUSTMENT)} d WHERE d.invoice_id = t.id)"
            if what == "invoice"
            else "0"
        )
        # The first three allocations by the other side's key, for the message.
        named = (
            f"(SELECT {self.dialect.joined('x.external_id')} FROM (SELECT o.external_id"
            f" FROM {q(_ALLOCATION)} a JOIN {q(other_table)} o ON o.id = a.{other}"
            f" WHERE a.{own} = t.id ORDER BY o.external_id LIMIT 3) x)"
        )
        sql = (
            f"SELECT s._row, s.{col('external_id')}, t.currency, c.external_id,"
            f" {', '.join(f's.{col(n)}' for n in changes)},"
            f" (SELECT COUNT(*) FROM {q(_ALLOCATION)} a WHERE a.{own} = t.id) AS allocations,"
            f" {named} AS named, {adjusted} AS adjustments"
            f" FROM {self._table} s JOIN {q(table)} t ON t.external_id = s.{col('external_id')}"
            f" JOIN {q(_CUSTOMER)} c ON c.id = t.customer_id{joins}"
            f" WHERE ({' OR '.join(differs)}) AND (EXISTS (SELECT 1 FROM {q(_ALLOCATION)} a"
            f" WHERE a.{own} = t.id) OR {adjusted} > 0)"
        )
        for row, key, currency, owner, *values, allocations, names, adjustments in self._stream(
            sql
        ):
            given = dict(zip(changes, values, strict=True))
            held = []
            if allocations:
                more = f" and {allocations - 3} more" if allocations > 3 else ""
                side = "payments" if what == "invoice" else "invoices"
                held.append(
                    f"{allocations} allocation{'s' if allocations != 1 else ''}"
                    f" ({side} {names}{more})"
                )
            if adjustments:
                held.append(
                    "1 credit or adjustment"
                    if adjustments == 1
                    else f"{adjustments} credits or adjustments"
                )
            reason = f"it has {' and '.join(held)}"
            if "currency" in given and given["currency"] != currency:
                yield Finding(
                    row,
                    "currency",
                    str(given["currency"]),
                    f"{currency}, the currency of {what} {key}: {reason} in {currency}",
                )
            if "customer" in given and given["customer"] != owner:
                yield Finding(
                    row,
                    "customer",
                    str(given["customer"]),
                    f"{owner}, the customer of {what} {key}: {reason} of {owner}",
                )

    def _payment_allocation(self) -> Iterator[Finding]:
        new_only = f"NOT EXISTS (SELECT 1 FROM {q(_PAYMENT)} p WHERE p.external_id = s.{col('external_id')})"
        if "invoice" in self.names and "customer" in self.names:
            sql = (
                f"SELECT s._row, s.{col('invoice')}, c.external_id FROM {self._table} s"
                f" JOIN {q(_INVOICE)} i ON i.external_id = s.{col('invoice')}"
                f" JOIN {q(_CUSTOMER)} c ON c.id = i.customer_id"
                f" WHERE c.external_id <> s.{col('customer')} AND {new_only}"
            )
            for row, invoice, owner in self._stream(sql):
                yield Finding(
                    row,
                    "invoice",
                    str(invoice),
                    f"an invoice of this payment's customer (it is {owner}'s)",
                )
        if "invoice" in self.names:
            applied = (
                f"COALESCE(s.{col('allocated')}, s.{col('amount')})"
                if "allocated" in self.names
                else f"s.{col('amount')}"
            )
            sql = (
                f"SELECT _row, invoice, currency, run, room, applied FROM (SELECT s._row,"
                f" s.{col('invoice')} AS invoice, i.currency, {applied} AS applied,"
                f" SUM({applied}) OVER (PARTITION BY s.{col('invoice')} ORDER BY s._row) AS run,"
                f" i.amount_minor - {self._applied('i')} AS room"
                f" FROM {self._table} s JOIN {q(_INVOICE)} i ON i.external_id = s.{col('invoice')}"
                f" WHERE {new_only}) w WHERE run > room"
            )
            field = "allocated" if "allocated" in self.names else "amount"
            for row, invoice, currency, run, room, applied_minor in self._stream(sql):
                yield Finding(
                    row,
                    field,
                    _major(applied_minor, currency),
                    f"at most the open amount of invoice {invoice}, {_major(room, currency)}"
                    f" (this file applies {_major(run, currency)} to it up to this row)",
                )
        sql = (
            f"SELECT s._row, s.{col('amount')}, p.currency, a.total FROM {self._table} s"
            f" JOIN {q(_PAYMENT)} p ON p.external_id = s.{col('external_id')}"
            f" JOIN (SELECT payment_id, SUM(amount_minor) AS total FROM {q(_ALLOCATION)}"
            f" GROUP BY payment_id) a ON a.payment_id = p.id WHERE s.{col('amount')} < a.total"
        )
        for row, amount, currency, total in self._stream(sql):
            yield Finding(
                row,
                "amount",
                _major(amount, currency),
                f"at least {_major(total, currency)}, already allocated from this payment",
            )

    def _allocation_within_amounts(self) -> Iterator[Finding]:
        same_key = (
            f"AND NOT EXISTS (SELECT 1 FROM {self._table} s2 JOIN {q(_PAYMENT)} p2"
            f" ON p2.external_id = s2.{col('payment')} WHERE p2.id = a.payment_id"
            f" AND s2.{col('invoice')} = {{alias}}.external_id)"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('invoice')} AS ref,"
            f" i.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('invoice')} ORDER BY s._row) AS run,"
            f" i.amount_minor - {self._applied('i', exclude=same_key.format(alias='i'))} AS room"
            f" FROM {self._table} s JOIN {q(_INVOICE)} i ON i.external_id = s.{col('invoice')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                _major(amount, currency),
                f"at most the open amount of invoice {ref}, {_major(room, currency)}"
                f" (this file applies {_major(run, currency)} to it up to this row)",
            )
        others = (
            f"(SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(_ALLOCATION)} a"
            f" JOIN {q(_INVOICE)} i2 ON i2.id = a.invoice_id WHERE a.payment_id = p.id"
            f" AND NOT EXISTS (SELECT 1 FROM {self._table} s2 WHERE s2.{col('payment')} = p.external_id"
            f" AND s2.{col('invoice')} = i2.external_id))"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('payment')} AS ref,"
            f" p.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('payment')} ORDER BY s._row) AS run,"
            f" p.amount_minor - {others} AS room"
            f" FROM {self._table} s JOIN {q(_PAYMENT)} p ON p.external_id = s.{col('payment')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                _major(amount, currency),
                f"at most what is left of payment {ref}, {_major(room, currency)}"
                f" (this file allocates {_major(run, currency)} of it up to this row)",
            )

    def _credit_within_open_amount(self) -> Iterator[Finding]:
        others = (
            f"(SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(_ALLOCATION)} a WHERE a.invoice_id = i.id)"
            f" + (SELECT COALESCE(SUM(d.amount_minor), 0) FROM {q(_ADJUSTMENT)} d"
            f" WHERE d.invoice_id = i.id AND NOT EXISTS (SELECT 1 FROM {self._table} s2"
            f" WHERE s2.{col('external_id')} = d.external_id))"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('invoice')} AS ref,"
            f" i.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('invoice')} ORDER BY s._row) AS run,"
            f" i.amount_minor - ({others}) AS room"
            f" FROM {self._table} s JOIN {q(_INVOICE)} i ON i.external_id = s.{col('invoice')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                _major(amount, currency),
                f"at most the open amount of invoice {ref}, {_major(room, currency)}"
                f" (this file credits {_major(run, currency)} to it up to this row)",
            )

    # -- merge ---------------------------------------------------------------------------------
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

    def merge(self, *, now: dt.datetime, actor: User | None = None) -> MergeCounts:
        counts = MergeCounts()
        joins, exprs = self._resolved()
        table = q(self.kind.table)
        match = self._key_match(exprs)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self._table}")
            counts.rows = int(cursor.fetchone()[0])
            cursor.execute(f"SELECT COUNT(*) FROM {self._table} s{joins} JOIN {table} t ON {match}")
            matched = int(cursor.fetchone()[0])
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            max_id_before = int(cursor.fetchone()[0])
            columns: list[str] = []
            values: list[str] = []
            params: list[Any] = []
            for f in self.kind.fields:
                if f.db_column is None:
                    continue
                columns.append(q(f.db_column))
                if f.name in self.names:
                    values.append(exprs[f.name])
                else:
                    values.append("%s")
                    params.append(f.default)
            if self.kind.timestamped:
                columns += [q("created_at"), q("updated_at")]
                values += ["%s", "%s"]
                stamp = connection.ops.adapt_datetimefield_value(now)
                params += [stamp, stamp]
            # A first import matches nothing: skip probing the target row by row. SQLite scans
            # the staging table in insertion (= file) order; PostgreSQL needs to be told.
            where = f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})" if matched else ""
            order = " ORDER BY s._row" if self.dialect.pg else ""
            rebuild = self._drop_secondary_indexes(cursor, counts.rows - matched, max_id_before)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)}"
                f" FROM {self._table} s{joins}{where}{order}",
                params,
            )
            counts.inserted = cursor.rowcount
            for sql in rebuild:
                cursor.execute(sql)
        counts.updated = (
            self._update(joins, exprs, now, actor)
            if matched and self.record.on_existing == "update"
            else 0
        )
        counts.unchanged = matched - counts.updated
        if self.kind.name == "payments":
            counts.allocations = self._allocate(max_id_before)
        return counts

    def _drop_secondary_indexes(self, cursor: Any, inserting: int, existing: int) -> list[str]:
        """On SQLite, when a load at least doubles a table, drop its plain indexes and return
        the statements that rebuild them: building an index once from sorted rows costs about
        half of maintaining it row by row (measured on 200,000 invoices). Inside the import's
        transaction, so a rollback or a kill restores them. PostgreSQL keeps its indexes:
        dropping one there locks out every reader."""
        if self.dialect.pg or inserting < REBUILD_INDEXES_FROM or inserting < existing:
            return []
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL",
            [self.kind.table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {q(name)}")
        return [str(sql) for _, sql in indexes]

    def _stored(self) -> list[FieldSpec]:
        """The fields an update of an existing record may change."""
        return [
            f
            for f in self.fields
            if f.db_column is not None and f.name not in self.kind.key and f.name in self.names
        ]

    def _changed_sql(self, joins: str, exprs: dict[str, str], stored: list[FieldSpec]) -> str:
        """Staged rows of existing records that change one of `stored`: row, id, olds, news."""
        table = q(self.kind.table)
        match = self._key_match(exprs)
        olds = ", ".join(f"t.{q(f.db_column or '')}" for f in stored)
        news = ", ".join(exprs[f.name] for f in stored)
        changed = " OR ".join(
            self.dialect.differs(f"t.{q(f.db_column or '')}", exprs[f.name]) for f in stored
        )
        return (
            f"SELECT s._row, t.id, {olds}, {news} FROM {self._table} s{joins} JOIN {table} t ON {match}"
            f" WHERE {changed}"
        )

    def preview(self) -> MergeCounts:
        """What `merge` would insert, update and leave unchanged, reading only (a dry run's
        counts; the allocations FIFO would create are not counted)."""
        counts = MergeCounts()
        joins, exprs = self._resolved()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self._table}")
            counts.rows = int(cursor.fetchone()[0])
            cursor.execute(
                f"SELECT COUNT(*) FROM {self._table} s{joins}"
                f" JOIN {q(self.kind.table)} t ON {self._key_match(exprs)}"
            )
            matched = int(cursor.fetchone()[0])
            stored = self._stored()
            if matched and stored and self.record.on_existing == "update":
                cursor.execute(
                    f"SELECT COUNT(*) FROM ({self._changed_sql(joins, exprs, stored)}) c"
                )
                counts.updated = int(cursor.fetchone()[0])
        counts.inserted = counts.rows - matched
        counts.unchanged = matched - counts.updated
        return counts

    def _update(
        self, joins: str, exprs: dict[str, str], now: dt.datetime, actor: User | None
    ) -> int:
        stored = self._stored()
        if not stored:
            return 0
        table = q(self.kind.table)
        sql = self._changed_sql(joins, exprs, stored)
        sets = ", ".join(f"{q(f.db_column or '')} = %s" for f in stored)
        if self.kind.timestamped:
            sets += ", " + q("updated_at") + " = %s"
        update = f"UPDATE {table} SET {sets} WHERE id = %s"
        object_type = self.kind.model._meta.model_name or self.kind.table
        n = len(stored)
        updated = 0
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            for page in _pages(self._stream(sql)):
                params = []
                audits = []
                for row in page:
                    pk, old, new = row[1], row[2 : 2 + n], row[2 + n : 2 + 2 * n]
                    values = list(new) + ([stamp] if self.kind.timestamped else []) + [pk]
                    params.append(values)
                    before = {}
                    after = {}
                    for f, o, v in zip(stored, old, new, strict=True):
                        if _normal(o) != _normal(v):
                            before[f.db_column or f.name] = _json(o)
                            after[f.db_column or f.name] = _json(v)
                    audits.append(
                        AuditEntry(
                            at=now,
                            actor=actor,
                            via="import",
                            action="import_update",
                            object_type=object_type,
                            object_id=str(pk),
                            before=before,
                            after=after,
                        )
                    )
                cursor.executemany(update, params)
                audit_record_many(audits)
                updated += len(page)
        return updated

    def _allocate(self, max_id_before: int) -> int:
        """Allocations of the payments this import created: as the file says, else FIFO."""
        with connection.cursor() as cursor:
            if "invoice" in self.names:
                applied = (
                    f"COALESCE(s.{col('allocated')}, s.{col('amount')})"
                    if "allocated" in self.names
                    else f"s.{col('amount')}"
                )
                cursor.execute(
                    f"INSERT INTO {q(_ALLOCATION)} (payment_id, invoice_id, amount_minor)"
                    f" SELECT p.id, i.id, {applied} FROM {self._table} s"
                    f" JOIN {q(_PAYMENT)} p ON p.external_id = s.{col('external_id')}"
                    f" JOIN {q(_INVOICE)} i ON i.external_id = s.{col('invoice')}"
                    f" WHERE p.id > %s ORDER BY s._row",
                    [max_id_before],
                )
            fifo = f"s.{col('invoice')} IS NULL AND " if "invoice" in self.names else ""
            # FIFO as overlapping intervals: each payment covers [lo, lo + amount) of the
            # customer's cumulative open balance ordered by due date; the overlap is the share.
            d = self.dialect
            cursor.execute(
                f"WITH pay AS (SELECT p.id, p.customer_id, p.currency, p.amount_minor AS amt,"
                f" SUM(p.amount_minor) OVER (PARTITION BY p.customer_id, p.currency"
                f" ORDER BY p.received_on, s._row) - p.amount_minor AS lo"
                f" FROM {self._table} s JOIN {q(_PAYMENT)} p ON p.external_id = s.{col('external_id')}"
                f" WHERE {fifo}p.id > %s),"
                f" opened AS (SELECT i.id, i.customer_id, i.currency, i.due_date,"
                f" i.amount_minor - {self._applied('i')} AS open_amt FROM {q(_INVOICE)} i"
                f" WHERE i.customer_id IN (SELECT customer_id FROM pay)),"
                f" inv AS (SELECT id, customer_id, currency, open_amt,"
                f" SUM(open_amt) OVER (PARTITION BY customer_id, currency ORDER BY due_date, id)"
                f" - open_amt AS lo FROM opened WHERE open_amt > 0)"
                f" INSERT INTO {q(_ALLOCATION)} (payment_id, invoice_id, amount_minor)"
                f" SELECT pay.id, inv.id,"
                f" {d.least('pay.lo + pay.amt', 'inv.lo + inv.open_amt')} - {d.greatest('pay.lo', 'inv.lo')}"
                f" FROM pay JOIN inv ON inv.customer_id = pay.customer_id"
                f" AND inv.currency = pay.currency AND pay.lo < inv.lo + inv.open_amt"
                f" AND inv.lo < pay.lo + pay.amt",
                [max_id_before],
            )
            # Counted, not taken from rowcount: SQLite reports -1 for statements opening with WITH.
            cursor.execute(
                f"SELECT COUNT(*) FROM {q(_ALLOCATION)} WHERE payment_id > %s", [max_id_before]
            )
            return int(cursor.fetchone()[0])


def ledger_mark(tables: Sequence[str]) -> tuple[int | None, ...]:
    """The highest id of each table: it moves when anything inserts. Ledger facts change only by
    imports (one at a time) otherwise, so an unmoved mark means checks made on an earlier
    snapshot still hold (docs/decisions/0015)."""
    with connection.cursor() as cursor:
        marks = []
        for table in tables:
            cursor.execute(f"SELECT MAX(id) FROM {q(table)}")
            marks.append(cursor.fetchone()[0])
    return tuple(marks)


def _pages(rows: Iterator[tuple[Any, ...]], size: int = PAGE) -> Iterator[list[tuple[Any, ...]]]:
    page: list[tuple[Any, ...]] = []
    for row in rows:
        page.append(row)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _normal(value: Any) -> Any:
    # SQLite hands back booleans as 0/1 and dates as text: compare what a person would see.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def now_utc() -> dt.datetime:
    return timezone.now()


ProgressCallback = Callable[[str, int, int | None], None]
