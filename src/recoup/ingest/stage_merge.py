"""Clean staged rows into the ledger: INSERT ... SELECT for new keys, UPDATE (with an audit row
each) for changed ones, and the allocations of new payments (as the file says, else FIFO). Runs
inside the import's one write transaction (`pipeline.merge`); `preview` counts the same without
writing (a dry run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.services import audit_record_many
from recoup.ingest.kinds import FieldSpec
from recoup.ingest.remittances import remittance_payments, remittance_prepare
from recoup.ingest.staging import (
    ALLOCATION,
    INVOICE,
    PAGE,
    PAYMENT,
    MergeCounts,
    StageBase,
    col,
    q,
)

# A load of at least this many rows that at least doubles its table rebuilds its indexes.
REBUILD_INDEXES_FROM = 50_000


class StageMerge(StageBase):
    """What is done to the ledger with a checked staging table."""

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

    def merge(self, *, now: dt.datetime, actor: User | None = None) -> MergeCounts:
        counts = MergeCounts()
        if self.kind.name == "remittances":
            remittance_prepare(self)
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
        if self.kind.name == "remittances":
            counts.allocations = remittance_payments(self, now)
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
                    f"INSERT INTO {q(ALLOCATION)} (payment_id, invoice_id, amount_minor)"
                    f" SELECT p.id, i.id, {applied} FROM {self._table} s"
                    f" JOIN {q(PAYMENT)} p ON p.external_id = s.{col('external_id')}"
                    f" JOIN {q(INVOICE)} i ON i.external_id = s.{col('invoice')}"
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
                f" FROM {self._table} s JOIN {q(PAYMENT)} p ON p.external_id = s.{col('external_id')}"
                f" WHERE {fifo}p.id > %s),"
                f" opened AS (SELECT i.id, i.customer_id, i.currency, i.due_date,"
                f" i.amount_minor - {self._applied('i')} AS open_amt FROM {q(INVOICE)} i"
                f" WHERE i.customer_id IN (SELECT customer_id FROM pay)),"
                f" inv AS (SELECT id, customer_id, currency, open_amt,"
                f" SUM(open_amt) OVER (PARTITION BY customer_id, currency ORDER BY due_date, id)"
                f" - open_amt AS lo FROM opened WHERE open_amt > 0)"
                f" INSERT INTO {q(ALLOCATION)} (payment_id, invoice_id, amount_minor)"
                f" SELECT pay.id, inv.id,"
                f" {d.least('pay.lo + pay.amt', 'inv.lo + inv.open_amt')} - {d.greatest('pay.lo', 'inv.lo')}"
                f" FROM pay JOIN inv ON inv.customer_id = pay.customer_id"
                f" AND inv.currency = pay.currency AND pay.lo < inv.lo + inv.open_amt"
                f" AND inv.lo < pay.lo + pay.amt",
                [max_id_before],
            )
            # Counted, not taken from rowcount: SQLite reports -1 for statements opening with WITH.
            cursor.execute(
                f"SELECT COUNT(*) FROM {q(ALLOCATION)} WHERE payment_id > %s", [max_id_before]
            )
            return int(cursor.fetchone()[0])


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
