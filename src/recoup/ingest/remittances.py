"""Agency remittances (kind "remittances"): what an agency collected on a placement and the
commission it kept. Each new remittance loads as a payment of the placed invoice's customer,
allocated in full to that invoice, so the ledger's cash, the placement KPIs and the agency
scorecard all count it; the commission stays on the remittance (the agency's fee is not a
reduction of the debt).

A remittance once loaded is a fact: importing its reference again may correct the commission,
never the placement, the day, the amount or the currency (those moved money already).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connection

from recoup.ingest.staging import (
    ALLOCATION,
    INVOICE,
    PAYMENT,
    Finding,
    StageBase,
    col,
    major_text,
    q,
)
from recoup.ledger.models import AgencyRemittance, Placement

REMITTANCE = AgencyRemittance._meta.db_table
PLACEMENT = Placement._meta.db_table
# The payment a remittance becomes is keyed by the agency's reference under this prefix.
PAYMENT_PREFIX = "REM-"
# What stays fixed once a remittance is loaded: (field, its column).
FIXED = (
    ("placement", "placement_id"),
    ("received_on", "received_on"),
    ("amount", "amount_minor"),
    ("currency", "currency"),
)


def remittance_findings(stage: StageBase) -> Iterator[Finding]:
    """Commission beyond the amount, a day before the placement, more than the invoice has
    open, a loaded remittance changed, a payment key already taken."""
    table = q(stage.table)
    names = stage.names
    if "commission" in names:
        sql = (
            f"SELECT s._row, s.{col('commission')}, s.{col('amount')}, s.{col('currency')}"
            f" FROM {table} s WHERE s.{col('commission')} < 0"
            f" OR s.{col('commission')} > s.{col('amount')}"
        )
        for row, commission, amount, currency in stage._stream(sql):
            yield Finding(
                row,
                "commission",
                major_text(commission, currency),
                f"from 0 up to the amount collected, {major_text(amount, currency)}",
            )
    sql = (
        f"SELECT s._row, s.{col('received_on')}, pl.placed_on, pl.external_id FROM {table} s"
        f" JOIN {q(PLACEMENT)} pl ON pl.external_id = s.{col('placement')}"
        f" WHERE s.{col('received_on')} < pl.placed_on"
    )
    for row, received, placed, key in stage._stream(sql):
        yield Finding(
            row,
            "received_on",
            str(received),
            f"a day on or after {placed}, when placement {key} was made",
        )
    new_only = (
        f"NOT EXISTS (SELECT 1 FROM {q(REMITTANCE)} r WHERE r.external_id = s.{col('external_id')})"
    )
    sql = (
        f"SELECT _row, invoice, currency, run, room, amount FROM (SELECT s._row,"
        f" i.external_id AS invoice, i.currency, s.{col('amount')} AS amount,"
        f" SUM(s.{col('amount')}) OVER (PARTITION BY i.id ORDER BY s._row) AS run,"
        f" i.amount_minor - {stage._applied('i')} AS room FROM {table} s"
        f" JOIN {q(PLACEMENT)} pl ON pl.external_id = s.{col('placement')}"
        f" JOIN {q(INVOICE)} i ON i.id = pl.invoice_id WHERE {new_only}) w WHERE run > room"
    )
    for row, invoice, currency, run, room, amount in stage._stream(sql):
        yield Finding(
            row,
            "amount",
            major_text(amount, currency),
            f"at most the open amount of invoice {invoice}, {major_text(room, currency)}"
            f" (this file pays {major_text(run, currency)} of it up to this row)",
        )
    yield from _changed(stage)
    sql = (
        f"SELECT s._row, s.{col('external_id')} FROM {table} s WHERE {new_only} AND EXISTS"
        f" (SELECT 1 FROM {q(PAYMENT)} p WHERE p.external_id = %s || s.{col('external_id')})"
    )
    for row, key in stage._stream(sql, [PAYMENT_PREFIX]):
        yield Finding(
            row,
            "external_id",
            str(key),
            f"a reference whose payment {PAYMENT_PREFIX}{key} is not already in the ledger",
        )


def _changed(stage: StageBase) -> Iterator[Finding]:
    if stage.record.on_existing == "keep":
        return
    table = q(stage.table)
    for name, column in FIXED:
        if name not in stage.names:
            continue
        if name == "placement":
            given = f"(SELECT pl.id FROM {q(PLACEMENT)} pl WHERE pl.external_id = s.{col(name)})"
            shown = f"(SELECT pl.external_id FROM {q(PLACEMENT)} pl WHERE pl.id = r.placement_id)"
        else:
            given, shown = f"s.{col(name)}", f"r.{q(column)}"
        sql = (
            f"SELECT s._row, s.{col(name)}, {shown}, r.currency FROM {table} s"
            f" JOIN {q(REMITTANCE)} r ON r.external_id = s.{col('external_id')}"
            f" WHERE {stage.dialect.differs(f'r.{q(column)}', given)}"
        )
        for row, value, loaded, currency in stage._stream(sql):
            was = major_text(loaded, currency) if name == "amount" else str(loaded)
            now = major_text(value, currency) if name == "amount" else str(value)
            yield Finding(
                row,
                name,
                now,
                f"{was}, as loaded before: a remittance's {name} is not changed by a new file"
                " (import a correcting remittance under a new reference)",
            )


def remittance_prepare(stage: StageBase) -> None:
    """A blank commission is none: filled in before the merge inserts the rows."""
    if "commission" not in stage.names:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(stage.table)} SET {col('commission')} = 0 WHERE {col('commission')} IS NULL"
        )


def remittance_payments(stage: StageBase, now: dt.datetime) -> int:
    """The payments and allocations of the remittances just loaded; returns the allocations."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(PAYMENT)}")
        before = int(cursor.fetchone()[0])
        cursor.execute(
            f"INSERT INTO {q(PAYMENT)} (external_id, customer_id, received_on, amount_minor,"
            " currency, method, reference, created_at, updated_at)"
            f" SELECT %s || r.external_id, i.customer_id, r.received_on, r.amount_minor,"
            f" r.currency, %s, r.external_id, %s, %s FROM {q(REMITTANCE)} r"
            f" JOIN {q(PLACEMENT)} pl ON pl.id = r.placement_id"
            f" JOIN {q(INVOICE)} i ON i.id = pl.invoice_id"
            " WHERE r.payment_id IS NULL ORDER BY r.id",
            [PAYMENT_PREFIX, "agency", stamp, stamp],
        )
        cursor.execute(
            f"UPDATE {q(REMITTANCE)} SET payment_id = (SELECT p.id FROM {q(PAYMENT)} p"
            f" WHERE p.external_id = %s || {q(REMITTANCE)}.external_id AND p.id > %s)"
            " WHERE payment_id IS NULL",
            [PAYMENT_PREFIX, before],
        )
        cursor.execute(
            f"INSERT INTO {q(ALLOCATION)} (payment_id, invoice_id, amount_minor)"
            f" SELECT r.payment_id, pl.invoice_id, r.amount_minor FROM {q(REMITTANCE)} r"
            f" JOIN {q(PLACEMENT)} pl ON pl.id = r.placement_id WHERE r.payment_id > %s",
            [before],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {q(ALLOCATION)} WHERE payment_id > %s", [before])
        return int(cursor.fetchone()[0])
