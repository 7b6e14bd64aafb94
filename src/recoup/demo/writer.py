"""Turning a generated `DemoLedger` into rows of the ledger tables, and writing them in bulk.

Rows carry explicit ids (the table's current maximum plus the row's position) so foreign keys are
known without reading anything back; PostgreSQL's sequences are moved past them afterwards.
Dates and timestamps are written as text in the form each database stores or parses, which is
both faster than per-row Python `date` objects and exactly reproducible. `created_at` and
`updated_at` carry the business time of the fact, so a seed's rows are identical whenever they
are generated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models

from recoup.accounts.models import Team, User
from recoup.core.bulk import bulk_insert
from recoup.demo import generator as g
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Agency,
    Allocation,
    Assignment,
    ContactPoint,
    ContactSource,
    Customer,
    Dispute,
    FxRate,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    Placement,
    PromiseToPay,
)

CHUNK = 50_000
# The last stage, ended by the caller once the transaction is committed.
STAGE_CHECK = "checking, commit"
ROWS_PER_STATEMENT = 100
# SQLite's default limit on bound parameters per statement since 3.32.
SQLITE_MAX_VARIABLES = 32_766
ProgressCallback = Callable[[str, int, int], None]
Column = Callable[[int, int], Sequence[Any] | Iterator[Any]]


@dataclass(frozen=True, slots=True)
class People:
    """Database ids of the demo's collectors (by generator index) and teams (by `TEAMS` index)."""

    collector_ids: np.ndarray[Any, np.dtype[np.int64]]
    team_ids: np.ndarray[Any, np.dtype[np.int64]]


class _Text:
    """Vendor-specific text for dates and UTC timestamps, from lookup tables built once."""

    def __init__(self, first_day: int, last_day: int, vendor: str) -> None:
        self.first = first_day
        days = np.arange(first_day, last_day + 1, dtype="datetime64[D]")
        self.day = np.asarray(days.astype(str), dtype=object)
        # SQLite keeps what Django writes there (naive UTC text); PostgreSQL wants the offset.
        suffix = "+00:00" if vendor == "postgresql" else ""
        seconds = np.arange(86_400)
        clock = [
            f" {h:02d}:{m:02d}:{s:02d}{suffix}"
            for h, m, s in zip(
                (seconds // 3600).tolist(),
                (seconds // 60 % 60).tolist(),
                (seconds % 60).tolist(),
                strict=True,
            )
        ]
        self.clock = np.asarray(clock, dtype=object)
        self.midnight = self.clock[0]

    def dates(self, days: np.ndarray[Any, Any]) -> list[Any]:
        text = self.day[np.maximum(days - self.first, 0)]
        if (days < 0).any():
            text = np.where(days < 0, None, text)
        result: list[Any] = text.tolist()
        return result

    def midnights(self, days: np.ndarray[Any, Any]) -> list[Any]:
        result: list[Any] = (self.day[days - self.first] + self.midnight).tolist()
        return result

    def stamps(self, seconds: np.ndarray[Any, Any]) -> list[Any]:
        day = seconds // 86_400
        result: list[Any] = (self.day[day - self.first] + self.clock[seconds % 86_400]).tolist()
        return result


def _verify_references(
    tables: Sequence[_Table], first_ids: dict[type[models.Model], int], people: People
) -> None:
    """Every foreign key of the written rows points at a row this load wrote (or a demo user or
    team), checked with one range scan per key instead of a lookup per row.

    The parents' ids are contiguous by construction; counting each parent's rows in its range
    proves they are all there, so a key inside the range has its row.
    """
    ranges: dict[type[models.Model], tuple[int, int]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            first = first_ids[table.model]
            last = first + table.n - 1
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table.model._meta.db_table)}"
                f" WHERE {quote('id')} BETWEEN %s AND %s",
                [first, last],
            )
            if cursor.fetchone()[0] != table.n:
                raise IntegrityError(
                    f"{table.model._meta.db_table}: ids {first}..{last} not all written"
                )
            ranges[table.model] = (first, last)
        allowed = {
            User: sorted(set(people.collector_ids.tolist())),
            Team: sorted(set(people.team_ids.tolist())),
        }
        for table in tables:
            for field in table.model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                parent = field.related_model
                column = quote(field.column)
                where = f"{column} IS NOT NULL AND "
                params: list[int]
                if parent in ranges:
                    where += f"{column} NOT BETWEEN %s AND %s"
                    params = list(ranges[parent])
                elif parent in allowed:
                    keys = allowed[parent]
                    where += f"{column} NOT IN ({', '.join(['%s'] * len(keys))})"
                    params = keys
                else:
                    raise IntegrityError(f"unexpected reference {field} in the demo ledger")
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table.model._meta.db_table)} WHERE {where}",
                    params,
                )
                dangling = cursor.fetchone()[0]
                if dangling:
                    raise IntegrityError(f"{dangling} rows of {field} point at no row")


def _nullable(values: np.ndarray[Any, Any], offset: int = 0) -> list[Any]:
    return [None if v < 0 else v + offset for v in values.tolist()]


def _next_id(model: type[models.Model]) -> int:
    """First free id: rows are numbered after whatever the table already holds."""
    found = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return int(found or 0) + 1


@dataclass(frozen=True, slots=True)
class _Derived:
    """A column computed from others: in SQL on SQLite, in Python for COPY elsewhere."""

    sql: str  # expression over other columns, named in braces: "{occurred_at}"
    python: Column


class _Table:
    def __init__(self, model: type[models.Model], n: int, stage: str) -> None:
        self.model = model
        self.n = n
        self.stage = stage
        self.columns: list[tuple[str, Column | _Derived]] = []

    def add(self, name: str, column: Column | _Derived) -> _Table:
        self.columns.append((name, column))
        return self

    def same_as(self, name: str, other: str) -> _Table:
        source = dict(self.columns)[other]
        if isinstance(source, _Derived):
            return self.add(name, source)
        return self.add(name, _Derived("{" + other + "}", source))

    def _chunks(self, progress: ProgressCallback | None) -> Iterator[tuple[int, int]]:
        for start in range(0, self.n, CHUNK):
            stop = min(start + CHUNK, self.n)
            yield start, stop
            if progress is not None and stop < self.n:
                progress(self.stage, stop, self.n)

    def rows(self, progress: ProgressCallback | None) -> Iterator[tuple[Any, ...]]:
        for start, stop in self._chunks(progress):
            values = [
                (c.python if isinstance(c, _Derived) else c)(start, stop) for _, c in self.columns
            ]
            yield from zip(*values, strict=True)

    def write(self, progress: ProgressCallback | None) -> int:
        if progress is not None:
            progress(self.stage, 0, self.n)
        table = self.model._meta.db_table
        names = [name for name, _ in self.columns]
        with _sqlite_bulk_load(self.model):
            if connection.vendor == "sqlite":
                written = self._write_sqlite(table, progress)
            else:
                written = bulk_insert(table, names, self.rows(progress), batch_size=CHUNK)
        if progress is not None:
            progress(self.stage, self.n, self.n)
        return written

    def _write_sqlite(self, table: str, progress: ProgressCallback | None) -> int:
        """Many rows per statement, and derived columns computed by SQLite.

        Python's `executemany` pays a per-row price in the driver; a statement carrying a hundred
        rows pays it once, and columns that repeat or format others (`updated_at`, external ids)
        are not bound at all.
        """
        bound = [(name, c) for name, c in self.columns if not isinstance(c, _Derived)]
        position = {name: f"column{i + 1}" for i, (name, _) in enumerate(bound)}
        select = []
        for name, column in self.columns:
            if isinstance(column, _Derived):
                select.append(column.sql.format(**position))
            else:
                select.append(position[name])
        quote = connection.ops.quote_name
        head = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n, _ in self.columns)}) "
            f"SELECT {', '.join(select)} FROM (VALUES "
        )
        width = len(bound)
        one = "(" + ", ".join(["?"] * width) + ")"
        per_statement = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // width))
        full_sql = head + ", ".join([one] * per_statement) + ")"
        raw = connection.connection
        assert raw is not None
        for start, stop in self._chunks(progress):
            grid = np.empty((stop - start, width), dtype=object)
            for j, (_, column) in enumerate(bound):
                grid[:, j] = list(column(start, stop))
            whole = (stop - start) // per_statement * per_statement
            if whole:
                raw.executemany(full_sql, grid[:whole].reshape(-1, width * per_statement).tolist())
            if whole < stop - start:
                rest = stop - start - whole
                raw.execute(head + ", ".join([one] * rest) + ")", grid[whole:].ravel().tolist())
        return self.n


@contextmanager
def _sqlite_bulk_load(model: type[models.Model]) -> Iterator[None]:
    """On SQLite, load a table with its checks and secondary indexes set aside, then restore and
    verify them set-based.

    Row by row, SQLite rebuilds the value list of every `CHECK (x IN (...))` for each inserted row
    and descends every secondary index; checking once over the loaded table and building the
    indexes by sorting is several times faster. DDL runs inside the transaction, so a failed load
    leaves the schema as it was; a violated check raises and rolls everything back.
    """
    if connection.vendor != "sqlite":
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
        for _, sql in indexes:
            cursor.execute(sql)
    checks = [c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]
    if not checks:
        return
    # One scan for all of a table's checks; the names are looked up only if something failed.
    conditions = [check.condition for check in checks if isinstance(check.condition, models.Q)]
    every = models.Q()
    for condition in conditions:
        every &= condition
    if model._default_manager.exclude(every).exists():
        failed = [
            c.name
            for c in checks
            if isinstance(c.condition, models.Q)
            and model._default_manager.exclude(c.condition).exists()
        ]
        raise IntegrityError(f"generated {table} rows violate {', '.join(failed)}")


def _ints(values: np.ndarray[Any, Any], offset: int = 0) -> Column:
    return lambda a, b: (values[a:b] + offset).tolist()


def _bools(values: np.ndarray[Any, Any]) -> Column:
    return lambda a, b: values[a:b].tolist()


def _const(value: Any) -> Column:
    return lambda a, b: repeat(value, b - a)


def _ids(first: int) -> Column:
    return lambda a, b: range(first + a, first + b)


def _labels(labels: Sequence[str], values: np.ndarray[Any, Any]) -> Column:
    lookup = np.asarray(labels, dtype=object)
    return lambda a, b: lookup[values[a:b]].tolist()


def _external(prefix: str, width: int) -> Column:
    return lambda a, b: [f"{prefix}{i:0{width}d}" for i in range(a + 1, b + 1)]


def _external_id(prefix: str, width: int, first_id: int) -> _Derived:
    """External ids number the generated rows from 1, in id order: INV-00000001, ..."""
    return _Derived(
        f"printf('{prefix}%0{width}d', {{id}} - {first_id - 1})", _external(prefix, width)
    )


def _midnight_of(date_column: str, python: Column) -> _Derived:
    return _Derived(f"{{{date_column}}} || ' 00:00:00'", python)


def write_ledger(
    ledger: g.DemoLedger, people: People, progress: ProgressCallback | None = None
) -> dict[str, int]:
    """Insert every table of `ledger`; returns rows written per table."""
    vendor = connection.vendor
    # Due dates of open promises, instalments and current invoices, and limitation dates, lie
    # after the as-of date: they are schedules, not facts.
    every_day = [
        ledger.customers.since,
        ledger.customers.statute_date,
        ledger.invoices.due,
        ledger.instalments.due,
        ledger.promises.due,
        ledger.fx.day,
        np.asarray([ledger.as_of]),
    ]
    first = min(int(d[d >= 0].min(initial=ledger.as_of)) for d in every_day)
    last = max(int(d.max(initial=ledger.as_of)) for d in every_day)
    text = _Text(first - 1, last + 1, vendor)
    currency_codes = np.asarray(g.CURRENCIES, dtype=object)
    written: dict[str, int] = {}
    ids: dict[type[models.Model], int] = {
        model: _next_id(model)
        for model in (
            Agency,
            Customer,
            ContactPoint,
            Assignment,
            Invoice,
            Payment,
            Allocation,
            Adjustment,
            Dispute,
            Placement,
            PaymentPlan,
            Instalment,
            Activity,
            PromiseToPay,
            FxRate,
        )
    }
    c = ledger.customers
    inv = ledger.invoices
    inv_currency = c.currency[inv.customer]
    as_of_stamp = text.midnights(np.asarray([ledger.as_of]))[0]

    agency_table = (
        _Table(Agency, len(g.AGENCIES), "agencies")
        .add("id", _ids(ids[Agency]))
        .add("external_id", lambda a, b: [x[0] for x in g.AGENCIES[a:b]])
        .add("name", lambda a, b: [x[1] for x in g.AGENCIES[a:b]])
        .add("kind", lambda a, b: [x[2] for x in g.AGENCIES[a:b]])
        .add("created_at", _const(as_of_stamp))
        .same_as("updated_at", "created_at")
    )

    def customer_names(a: int, b: int) -> list[str]:
        names = []
        for seg, country, first, second, i in zip(
            c.segment[a:b].tolist(),
            c.country[a:b].tolist(),
            c.name_a[a:b].tolist(),
            c.name_b[a:b].tolist(),
            range(a, b),
            strict=True,
        ):
            place = g.COUNTRIES[country]
            if seg == 3:
                body = g.PUBLIC_BODIES[i % len(g.PUBLIC_BODIES)]
                names.append(f"{body} {place.cities[i % len(place.cities)]}")
            else:
                suffix = place.suffixes[i % len(place.suffixes)]
                names.append(f"{g.NAME_FIRST[first]} {g.NAME_SECOND[second]} {suffix}")
        return names

    has_limit = c.credit_limit >= 0
    customer_table = (
        _Table(Customer, c.n, "customers")
        .add("id", _ids(ids[Customer]))
        .add("external_id", _external_id("CUS-", 7, ids[Customer]))
        .add("name", customer_names)
        .add("segment", _labels(g.SEGMENTS, c.segment))
        .add("country", _labels([x.code for x in g.COUNTRIES], c.country))
        .add("time_zone", _labels(g.TIME_ZONES, c.zone))
        .add("since", lambda a, b: text.dates(c.since[a:b]))
        .add("credit_limit_minor", lambda a, b: _nullable(c.credit_limit[a:b]))
        .add(
            "credit_limit_currency",
            lambda a, b: np.where(has_limit[a:b], currency_codes[c.currency[a:b]], "").tolist(),
        )
        .add("cease_communication", _bools(c.cease))
        .add("bankruptcy", _bools(c.bankruptcy))
        .add("do_not_call", _bools(c.do_not_call))
        .add("opt_out_email", _bools(c.opt_out_email))
        .add("opt_out_sms", _bools(c.opt_out_sms))
        .add("opt_out_letter", _bools(c.opt_out_letter))
        .add("statute_of_limitations_date", lambda a, b: text.dates(c.statute_date[a:b]))
        .add("created_at", _midnight_of("since", lambda a, b: text.midnights(c.since[a:b])))
        .same_as("updated_at", "created_at")
    )

    cp = ledger.contacts
    cp_since = np.maximum(c.since[cp.customer], ledger.as_of - g.HISTORY_DAYS)

    def contact_values(a: int, b: int) -> list[str]:
        values = []
        for cust, kind, serial in zip(
            cp.customer[a:b].tolist(), cp.kind[a:b].tolist(), cp.serial[a:b].tolist(), strict=True
        ):
            place = g.COUNTRIES[int(c.country[cust])]
            if kind == 0:
                values.append(f"{place.phone_prefix} 555 {cust + 1:07d}{serial}")
            elif kind == 1:
                values.append(f"accounts.payable@customer-{cust + 1}.example")
            else:
                street = g.STREETS[cust % len(g.STREETS)]
                city = place.cities[cust % len(place.cities)]
                values.append(f"{cust % 900 + 100} {street} Street, {city}, {place.code}")
        return values

    contact_table = (
        _Table(ContactPoint, len(cp.customer), "contact points")
        .add("id", _ids(ids[ContactPoint]))
        .add("customer_id", _ints(cp.customer, ids[Customer]))
        .add("kind", _labels(g.CONTACT_KINDS, cp.kind))
        .add("value", contact_values)
        .add("label", _labels(("accounts payable", "mobile"), cp.serial))
        .add("is_primary", _bools(cp.primary))
        .add("status", _labels(g.CONTACT_STATUSES, cp.status))
        .add("status_changed_on", lambda a, b: text.dates(cp.status_day[a:b]))
        .add("source", _const(ContactSource.IMPORTED.value))
        .add("source_note", _const(""))
        .add("created_at", lambda a, b: text.midnights(cp_since[a:b]))
        .same_as("updated_at", "created_at")
    )

    asg = ledger.assignments
    assignment_table = (
        _Table(Assignment, len(asg.customer), "assignments")
        .add("id", _ids(ids[Assignment]))
        .add("customer_id", _ints(asg.customer, ids[Customer]))
        .add("collector_id", lambda a, b: people.collector_ids[asg.collector[a:b]].tolist())
        .add("team_id", lambda a, b: people.team_ids[asg.team[a:b]].tolist())
        .add("valid_from", lambda a, b: text.dates(asg.valid_from[a:b]))
        .add("valid_to", lambda a, b: text.dates(asg.valid_to[a:b]))
        .add(
            "created_at",
            _midnight_of("valid_from", lambda a, b: text.midnights(asg.valid_from[a:b])),
        )
        .same_as("updated_at", "created_at")
    )

    descriptions = np.asarray([f"Goods and services, net {t}" for t in g.TERMS], dtype=object)
    term_index = np.searchsorted(np.asarray(g.TERMS), inv.term)
    invoice_table = (
        _Table(Invoice, inv.n, "invoices")
        .add("id", _ids(ids[Invoice]))
        .add("external_id", _external_id("INV-", 8, ids[Invoice]))
        .add("customer_id", _ints(inv.customer, ids[Customer]))
        .add("issue_date", lambda a, b: text.dates(inv.issue[a:b]))
        .add("due_date", lambda a, b: text.dates(inv.due[a:b]))
        .add("amount_minor", _ints(inv.amount))
        .add("currency", _labels(g.CURRENCIES, inv_currency))
        .add("description", lambda a, b: descriptions[term_index[a:b]].tolist())
        .add("delivery", lambda a, b: np.where(inv.electronic[a:b], "electronic", "paper").tolist())
        .add("created_at", _midnight_of("issue_date", lambda a, b: text.midnights(inv.issue[a:b])))
        .same_as("updated_at", "created_at")
    )

    pay = ledger.payments
    payment_table = (
        _Table(Payment, len(pay.day), "payments")
        .add("id", _ids(ids[Payment]))
        .add("external_id", _external_id("PAY-", 8, ids[Payment]))
        .add("customer_id", _ints(pay.customer, ids[Customer]))
        .add("received_on", lambda a, b: text.dates(pay.day[a:b]))
        .add("amount_minor", _ints(pay.amount))
        .add("currency", _labels(g.CURRENCIES, c.currency[pay.customer]))
        .add("method", _labels(g.PAYMENT_METHODS, pay.method))
        .add("reference", _Derived("''", _const("")))
        .add("created_at", _midnight_of("received_on", lambda a, b: text.midnights(pay.day[a:b])))
        .same_as("updated_at", "created_at")
    )

    al = ledger.allocations
    allocation_table = (
        _Table(Allocation, len(al.payment), "allocations")
        .add("id", _ids(ids[Allocation]))
        .add("payment_id", _ints(al.payment, ids[Payment]))
        .add("invoice_id", _ints(al.invoice, ids[Invoice]))
        .add("amount_minor", _ints(al.amount))
    )

    adj = ledger.adjustments
    adjustment_table = (
        _Table(Adjustment, len(adj.day), "adjustments")
        .add("id", _ids(ids[Adjustment]))
        .add("external_id", _external_id("ADJ-", 8, ids[Adjustment]))
        .add("invoice_id", _ints(adj.invoice, ids[Invoice]))
        .add("kind", _labels(g.ADJUSTMENT_KINDS, adj.kind))
        .add("effective_on", lambda a, b: text.dates(adj.day[a:b]))
        .add("amount_minor", _ints(adj.amount))
        .add("currency", _labels(g.CURRENCIES, inv_currency[adj.invoice]))
        .add("reason", _labels(g.ADJUSTMENT_REASONS, adj.reason))
        .add("created_at", _midnight_of("effective_on", lambda a, b: text.midnights(adj.day[a:b])))
        .same_as("updated_at", "created_at")
    )

    dsp = ledger.disputes
    dispute_table = (
        _Table(Dispute, len(dsp.invoice), "disputes")
        .add("id", _ids(ids[Dispute]))
        .add("external_id", _external_id("DSP-", 7, ids[Dispute]))
        .add("invoice_id", _ints(dsp.invoice, ids[Invoice]))
        .add("opened_on", lambda a, b: text.dates(dsp.opened[a:b]))
        .add("resolved_on", lambda a, b: text.dates(dsp.resolved[a:b]))
        .add("amount_minor", _ints(dsp.amount))
        .add("reason", _labels(g.DISPUTE_REASONS, dsp.reason))
        .add("status", _labels(g.DISPUTE_STATUSES, dsp.status))
        .add("created_at", _midnight_of("opened_on", lambda a, b: text.midnights(dsp.opened[a:b])))
        .same_as("updated_at", "created_at")
    )

    plc = ledger.placements
    placement_table = (
        _Table(Placement, len(plc.invoice), "placements")
        .add("id", _ids(ids[Placement]))
        .add("external_id", _external_id("PLC-", 7, ids[Placement]))
        .add("invoice_id", _ints(plc.invoice, ids[Invoice]))
        .add("agency_id", _ints(plc.agency, ids[Agency]))
        .add("placed_on", lambda a, b: text.dates(plc.placed[a:b]))
        .add("recalled_on", lambda a, b: text.dates(plc.recalled[a:b]))
        .add("amount_minor", _ints(plc.amount))
        .add("currency", _labels(g.CURRENCIES, inv_currency[plc.invoice]))
        .add("created_at", _midnight_of("placed_on", lambda a, b: text.midnights(plc.placed[a:b])))
        .same_as("updated_at", "created_at")
    )

    pl = ledger.plans
    plan_table = (
        _Table(PaymentPlan, len(pl.customer), "payment plans")
        .add("id", _ids(ids[PaymentPlan]))
        .add("external_id", _external_id("PLN-", 7, ids[PaymentPlan]))
        .add("customer_id", _ints(pl.customer, ids[Customer]))
        .add("agreed_on", lambda a, b: text.dates(pl.agreed[a:b]))
        .add("total_minor", _ints(pl.total))
        .add("currency", _labels(g.CURRENCIES, pl.currency))
        .add("status", _labels(g.PLAN_STATUSES, pl.status))
        .add("created_at", _midnight_of("agreed_on", lambda a, b: text.midnights(pl.agreed[a:b])))
        .same_as("updated_at", "created_at")
    )

    ins = ledger.instalments
    instalment_table = (
        _Table(Instalment, len(ins.plan), "instalments")
        .add("id", _ids(ids[Instalment]))
        .add("plan_id", _ints(ins.plan, ids[PaymentPlan]))
        .add("sequence", _ints(ins.sequence))
        .add("due_date", lambda a, b: text.dates(ins.due[a:b]))
        .add("amount_minor", _ints(ins.amount))
    )

    act = ledger.activities
    activity_table = (
        _Table(Activity, len(act.at), "activities")
        .add("id", _ids(ids[Activity]))
        .add("external_id", _external_id("ACT-", 9, ids[Activity]))
        .add("customer_id", _ints(act.customer, ids[Customer]))
        .add("invoice_id", lambda a, b: _nullable(act.invoice[a:b], ids[Invoice]))
        .add("channel", _labels(g.CHANNELS, act.channel))
        .add("direction", _labels(g.DIRECTIONS, act.inbound.astype(np.int64)))
        .add("outcome", _labels(g.OUTCOMES, act.outcome))
        .add("collector_id", lambda a, b: people.collector_ids[act.collector[a:b]].tolist())
        .add("occurred_at", lambda a, b: text.stamps(act.at[a:b]))
        .add("note", _Derived("''", _const("")))
        .same_as("created_at", "occurred_at")
        .same_as("updated_at", "created_at")
    )

    pr = ledger.promises
    promise_table = (
        _Table(PromiseToPay, len(pr.made), "promises")
        .add("id", _ids(ids[PromiseToPay]))
        .add("external_id", _external_id("PTP-", 8, ids[PromiseToPay]))
        .add("customer_id", _ints(pr.customer, ids[Customer]))
        .add("invoice_id", _ints(pr.invoice, ids[Invoice]))
        .add("activity_id", _ints(pr.activity, ids[Activity]))
        .add("collector_id", lambda a, b: people.collector_ids[pr.collector[a:b]].tolist())
        .add("promised_on", lambda a, b: text.dates(pr.made[a:b]))
        .add("due_date", lambda a, b: text.dates(pr.due[a:b]))
        .add("amount_minor", _ints(pr.amount))
        .add("currency", _labels(g.CURRENCIES, inv_currency[pr.invoice]))
        .add("status", _labels(g.PROMISE_STATUSES, pr.status))
        .add("created_at", _midnight_of("promised_on", lambda a, b: text.midnights(pr.made[a:b])))
        .same_as("updated_at", "created_at")
    )

    fx = ledger.fx
    fx_table = (
        _Table(FxRate, len(fx.day), "fx rates")
        .add("id", _ids(ids[FxRate]))
        .add("currency", lambda a, b: fx.currency[a:b])
        .add("rate_date", lambda a, b: text.dates(fx.day[a:b]))
        .add("rate_scaled", _ints(fx.rate_scaled))
    )

    tables = (
        agency_table,
        customer_table,
        contact_table,
        assignment_table,
        invoice_table,
        payment_table,
        allocation_table,
        adjustment_table,
        dispute_table,
        placement_table,
        plan_table,
        instalment_table,
        activity_table,
        promise_table,
        fx_table,
    )
    for table in tables:
        written[table.model._meta.db_table] = table.write(progress)
    if progress is not None:
        progress(STAGE_CHECK, 0, 1)
    if vendor == "sqlite":
        _verify_references(tables, ids, people)
    else:
        connection.check_constraints(table_names=[t.model._meta.db_table for t in tables])
    if vendor == "postgresql":
        # Explicit ids leave the sequences behind; the next ORM insert must not collide.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [t.model for t in tables]
            ):
                cursor.execute(statement)
    return written
