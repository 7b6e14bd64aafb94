"""The checks that need other rows or the ledger, as SQL over a staging table: duplicates, unknown
references, records outside the importer's book, currencies, FX rates, and amounts applied beyond
what is open. Each yields `Finding`s at the file's row numbers; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator

from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.ingest.kinds import FieldSpec, FieldType
from recoup.ingest.remittances import remittance_findings
from recoup.ingest.staging import (
    ADJUSTMENT,
    ALLOCATION,
    CUSTOMER,
    FXRATE,
    INVOICE,
    PAYMENT,
    Finding,
    StageBase,
    col,
    major_text,
    q,
)


class StageChecks(StageBase):
    """The set-based checks of a staging table (`findings`)."""

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
            yield from self._changed_with_applications(INVOICE, "invoice")
        if "payment_allocation" in rules:
            yield from self._changed_with_applications(PAYMENT, "payment")
            yield from self._payment_allocation()
        if "allocation_within_amounts" in rules:
            yield from self._allocation_within_amounts()
        if "credit_within_open_amount" in rules:
            yield from self._credit_within_open_amount()
        if "remittance" in rules:
            yield from remittance_findings(self)

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
            f" AND s.{col(on)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(FXRATE)} r"
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

    def _invoice_amount_covers_applied(self) -> Iterator[Finding]:
        if self.record.on_existing == "keep":
            return
        sql = (
            f"SELECT s._row, s.{col('amount')}, i.currency, {self._applied('i')} AS applied"
            f" FROM {self._table} s JOIN {q(INVOICE)} i ON i.external_id = s.{col('external_id')}"
            f" WHERE s.{col('amount')} < {self._applied('i')}"
        )
        for row, amount, currency, applied in self._stream(sql):
            yield Finding(
                row,
                "amount",
                major_text(amount, currency),
                f"at least {major_text(applied, currency)}, already paid or credited on this invoice",
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
        other_table = PAYMENT if what == "invoice" else INVOICE
        joins = ""
        differs = []
        if "currency" in changes:
            differs.append(f"s.{col('currency')} <> t.currency")
        if "customer" in changes:
            joins = f" JOIN {q(CUSTOMER)} rc ON rc.external_id = s.{col('customer')}"
            differs.append("rc.id <> t.customer_id")
        adjusted = (
            f"(SELECT COUNT(*) FROM {q(ADJUSTMENT)} d WHERE d.invoice_id = t.id)"
            if what == "invoice"
            else "0"
        )
        # The first three allocations by the other side's key, for the message.
        named = (
            f"(SELECT {self.dialect.joined('x.external_id')} FROM (SELECT o.external_id"
            f" FROM {q(ALLOCATION)} a JOIN {q(other_table)} o ON o.id = a.{other}"
            f" WHERE a.{own} = t.id ORDER BY o.external_id LIMIT 3) x)"
        )
        sql = (
            f"SELECT s._row, s.{col('external_id')}, t.currency, c.external_id,"
            f" {', '.join(f's.{col(n)}' for n in changes)},"
            f" (SELECT COUNT(*) FROM {q(ALLOCATION)} a WHERE a.{own} = t.id) AS allocations,"
            f" {named} AS named, {adjusted} AS adjustments"
            f" FROM {self._table} s JOIN {q(table)} t ON t.external_id = s.{col('external_id')}"
            f" JOIN {q(CUSTOMER)} c ON c.id = t.customer_id{joins}"
            f" WHERE ({' OR '.join(differs)}) AND (EXISTS (SELECT 1 FROM {q(ALLOCATION)} a"
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
        new_only = f"NOT EXISTS (SELECT 1 FROM {q(PAYMENT)} p WHERE p.external_id = s.{col('external_id')})"
        if "invoice" in self.names and "customer" in self.names:
            sql = (
                f"SELECT s._row, s.{col('invoice')}, c.external_id FROM {self._table} s"
                f" JOIN {q(INVOICE)} i ON i.external_id = s.{col('invoice')}"
                f" JOIN {q(CUSTOMER)} c ON c.id = i.customer_id"
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
                f" FROM {self._table} s JOIN {q(INVOICE)} i ON i.external_id = s.{col('invoice')}"
                f" WHERE {new_only}) w WHERE run > room"
            )
            field = "allocated" if "allocated" in self.names else "amount"
            for row, invoice, currency, run, room, applied_minor in self._stream(sql):
                yield Finding(
                    row,
                    field,
                    major_text(applied_minor, currency),
                    f"at most the open amount of invoice {invoice}, {major_text(room, currency)}"
                    f" (this file applies {major_text(run, currency)} to it up to this row)",
                )
        sql = (
            f"SELECT s._row, s.{col('amount')}, p.currency, a.total FROM {self._table} s"
            f" JOIN {q(PAYMENT)} p ON p.external_id = s.{col('external_id')}"
            f" JOIN (SELECT payment_id, SUM(amount_minor) AS total FROM {q(ALLOCATION)}"
            f" GROUP BY payment_id) a ON a.payment_id = p.id WHERE s.{col('amount')} < a.total"
        )
        for row, amount, currency, total in self._stream(sql):
            yield Finding(
                row,
                "amount",
                major_text(amount, currency),
                f"at least {major_text(total, currency)}, already allocated from this payment",
            )

    def _allocation_within_amounts(self) -> Iterator[Finding]:
        same_key = (
            f"AND NOT EXISTS (SELECT 1 FROM {self._table} s2 JOIN {q(PAYMENT)} p2"
            f" ON p2.external_id = s2.{col('payment')} WHERE p2.id = a.payment_id"
            f" AND s2.{col('invoice')} = {{alias}}.external_id)"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('invoice')} AS ref,"
            f" i.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('invoice')} ORDER BY s._row) AS run,"
            f" i.amount_minor - {self._applied('i', exclude=same_key.format(alias='i'))} AS room"
            f" FROM {self._table} s JOIN {q(INVOICE)} i ON i.external_id = s.{col('invoice')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                major_text(amount, currency),
                f"at most the open amount of invoice {ref}, {major_text(room, currency)}"
                f" (this file applies {major_text(run, currency)} to it up to this row)",
            )
        others = (
            f"(SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(ALLOCATION)} a"
            f" JOIN {q(INVOICE)} i2 ON i2.id = a.invoice_id WHERE a.payment_id = p.id"
            f" AND NOT EXISTS (SELECT 1 FROM {self._table} s2 WHERE s2.{col('payment')} = p.external_id"
            f" AND s2.{col('invoice')} = i2.external_id))"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('payment')} AS ref,"
            f" p.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('payment')} ORDER BY s._row) AS run,"
            f" p.amount_minor - {others} AS room"
            f" FROM {self._table} s JOIN {q(PAYMENT)} p ON p.external_id = s.{col('payment')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                major_text(amount, currency),
                f"at most what is left of payment {ref}, {major_text(room, currency)}"
                f" (this file allocates {major_text(run, currency)} of it up to this row)",
            )

    def _credit_within_open_amount(self) -> Iterator[Finding]:
        others = (
            f"(SELECT COALESCE(SUM(a.amount_minor), 0) FROM {q(ALLOCATION)} a WHERE a.invoice_id = i.id)"
            f" + (SELECT COALESCE(SUM(d.amount_minor), 0) FROM {q(ADJUSTMENT)} d"
            f" WHERE d.invoice_id = i.id AND NOT EXISTS (SELECT 1 FROM {self._table} s2"
            f" WHERE s2.{col('external_id')} = d.external_id))"
        )
        sql = (
            f"SELECT _row, ref, currency, run, room, amount FROM (SELECT s._row, s.{col('invoice')} AS ref,"
            f" i.currency, s.{col('amount')} AS amount,"
            f" SUM(s.{col('amount')}) OVER (PARTITION BY s.{col('invoice')} ORDER BY s._row) AS run,"
            f" i.amount_minor - ({others}) AS room"
            f" FROM {self._table} s JOIN {q(INVOICE)} i ON i.external_id = s.{col('invoice')}) w"
            f" WHERE run > room"
        )
        for row, ref, currency, run, room, amount in self._stream(sql):
            yield Finding(
                row,
                "amount",
                major_text(amount, currency),
                f"at most the open amount of invoice {ref}, {major_text(room, currency)}"
                f" (this file credits {major_text(run, currency)} to it up to this row)",
            )
