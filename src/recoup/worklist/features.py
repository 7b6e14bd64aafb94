"""What the likelihood model knows of an account on a day: its balance and age, how it has paid,
its promises, disputes and contacts, read from the ledger's facts dated on or before that day.

The ledger is read once into arrays (`LedgerFacts`); the features of every open account on any
day are then array arithmetic over them, so that training on many past days costs one read. The
outcomes the models learn (`paid_share_within`, `goes_late_within`) are read from the same arrays.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from recoup.ledger.models import (
    Activity,
    Adjustment,
    Allocation,
    Dispute,
    Invoice,
    Outcome,
    PromiseStatus,
    PromiseToPay,
)
from recoup.metrics.fx import FxTable

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# An invoice counts as paid late when its last payment came more than this many days after due.
LATE_GRACE_DAYS = 5
# How far back payment behaviour, promises and contacts are read.
BEHAVIOUR_DAYS = 365
PROMISE_DAYS = 90
CONTACT_DAYS = 30
# "Old" debt: the share of the balance more than this many days past due.
OLD_DAYS = 60
# "Due soon": the share of the balance that falls due within this many days.
DUE_SOON_DAYS = 30

# The model's inputs, in order, with the words a reason uses (see `reasons`).
FEATURES: tuple[str, ...] = (
    "balance_log",
    "days_past_due",
    "old_share",
    "due_soon_share",
    "open_invoices",
    "avg_days_late",
    "late_share",
    "no_payment_history",
    "days_since_payment",
    "promises_kept",
    "promises_broken",
    "open_disputes",
    "contacts",
    "right_party_contacts",
)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local_days(instants: list[Any]) -> I64:
    """The day of each instant (text in UTC from SQLite, aware from PostgreSQL) in the
    organisation's time zone, as ordinals, all at once."""
    if not instants:
        return np.zeros(0, dtype=np.int64)
    local = pd.DatetimeIndex(pd.to_datetime(instants, utc=True, format="ISO8601")).tz_convert(
        timezone.get_current_timezone_name()
    )
    epoch_days = (local.tz_localize(None).normalize() - pd.Timestamp("1970-01-01")).days
    return np.asarray(epoch_days, dtype=np.int64) + _EPOCH


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """The ledger as arrays: invoices with their base-currency factor, dated payments and
    adjustments per invoice, promises, disputes and contacts per customer."""

    customers: I64  # the distinct customer ids; every `*_cust` below indexes this array
    inv_cust: I64
    inv_issue: I64
    inv_due: I64
    inv_factor: F64  # base-currency minor units per minor unit of the invoice's currency
    inv_minor: I64  # in the invoice's own currency
    pay_inv: I64  # index into the invoice arrays
    pay_day: I64
    pay_amount: I64
    adj_inv: I64
    adj_day: I64
    adj_amount: I64
    promise_cust: I64
    promise_due: I64
    promise_status: npt.NDArray[np.str_]
    dispute_cust: I64
    dispute_opened: I64
    dispute_resolved: I64  # a far future day when not resolved
    contact_cust: I64
    contact_day: I64
    contact_right_party: npt.NDArray[np.bool_]

    @property
    def size(self) -> int:
        return len(self.customers)


_EPOCH = date(1970, 1, 1).toordinal()
# An unresolved dispute resolves on a day no ledger reaches.
_NEVER_TEXT = "9999-12-31"
_RIGHT_PARTY = {Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE, Outcome.REFUSAL, Outcome.DISPUTE}


# Above this many customers a book is read with the whole ledger and kept by array: a list of
# ids that long is slower as SQL parameters than as a mask (and SQLite caps their number).
_IDS_IN_SQL = 2_000


def _raw_rows(rows: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """A values_list queryset's rows as the database gives them, without Django's converter
    per value: a million dates parsed one at a time took most of a read. Dates come as text
    (SQLite) or dates (PostgreSQL) and are parsed below, as arrays."""
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # a filter no row can meet (an empty book)
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
    return fetched


def _text(field: str) -> Cast:
    """A date or time column read as text: the database's driver then converts nothing (as
    `date`, SQLite's driver parses each value in Python), and the text is parsed as an array."""
    return Cast(field, output_field=CharField())


def _days(values: list[Any]) -> I64:
    """ISO dates (text) as day ordinals, all at once."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    parsed = pd.to_datetime(pd.Series(values, dtype="string").str.slice(0, 10), format="%Y-%m-%d")
    return np.asarray(parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)) + _EPOCH


def _column(rows: list[tuple[Any, ...]], i: int) -> list[Any]:
    return [r[i] for r in rows]


def ledger_facts_load(*, until: date, customer_ids: Collection[int] | None = None) -> LedgerFacts:
    """The facts dated on or before `until`, of `customer_ids` (every customer when None)."""
    invoices = Invoice.objects.filter(issue_date__lte=until)
    small = customer_ids is not None and len(customer_ids) <= _IDS_IN_SQL
    if small and customer_ids is not None:
        invoices = invoices.filter(customer_id__in=list(customer_ids))
    rows = _raw_rows(
        invoices.order_by("id")
        .annotate(issued=_text("issue_date"), due=_text("due_date"))
        .values_list("id", "customer_id", "issued", "due", "amount_minor", "currency")
    )
    ids = np.asarray(_column(rows, 0), dtype=np.int64)
    raw_cust = np.asarray(_column(rows, 1), dtype=np.int64)
    issue, due = _days(_column(rows, 2)), _days(_column(rows, 3))
    minor = np.asarray(_column(rows, 4), dtype=np.int64)
    currency = np.asarray(_column(rows, 5), dtype=np.str_)
    if customer_ids is not None and not small:
        keep = np.isin(raw_cust, np.asarray(list(customer_ids), dtype=np.int64))
        ids, raw_cust, issue, due = ids[keep], raw_cust[keep], issue[keep], due[keep]
        minor, currency = minor[keep], currency[keep]
    customers = np.unique(raw_cust)
    fx = FxTable.load(settings.BASE_CURRENCY)
    # Converted at the rate of `until`: a ranking of balances needs one yardstick, not history.
    per_currency = {
        c: float(fx.to_base_minor(Decimal(1), c, until)) for c in np.unique(currency).tolist()
    }
    factor = np.asarray([per_currency[c] for c in currency.tolist()], dtype=np.float64)

    def places(sorted_ids: I64, values: list[Any]) -> tuple[I64, npt.NDArray[np.bool_]]:
        """Each value's place in `sorted_ids`, and whether it is there."""
        array = np.asarray(values, dtype=np.int64)
        index = np.searchsorted(sorted_ids, array).astype(np.int64)
        if not len(sorted_ids):
            return index, np.zeros(len(array), dtype=bool)
        return index, sorted_ids[np.minimum(index, len(sorted_ids) - 1)] == array

    wanted = invoices.values("id")
    pays = _raw_rows(
        Allocation.objects.filter(invoice_id__in=wanted, payment__received_on__lte=until)
        .annotate(day=_text("payment__received_on"))
        .values_list("invoice_id", "day", "amount_minor")
    )
    adjs = _raw_rows(
        Adjustment.objects.filter(invoice_id__in=wanted, effective_on__lte=until)
        .annotate(day=_text("effective_on"))
        .values_list("invoice_id", "day", "amount_minor")
    )
    promises = PromiseToPay.objects.filter(due_date__lte=until)
    disputes = Dispute.objects.filter(opened_on__lte=until, invoice_id__in=wanted)
    contacts = Activity.objects.filter(occurred_at__lt=_local_midnight(until + timedelta(days=1)))
    if small and customer_ids is not None:
        promises = promises.filter(customer_id__in=list(customer_ids))
        contacts = contacts.filter(customer_id__in=list(customer_ids))
    promise_rows = _raw_rows(
        promises.annotate(due=_text("due_date")).values_list("customer_id", "due", "status")
    )
    dispute_rows = _raw_rows(
        disputes.annotate(opened=_text("opened_on"), resolved=_text("resolved_on")).values_list(
            "invoice__customer_id", "opened", "resolved"
        )
    )
    contact_rows = _raw_rows(
        contacts.annotate(at=_text("occurred_at")).values_list("customer_id", "at", "outcome")
    )

    pay_inv, pay_known = places(ids, _column(pays, 0))
    adj_inv, adj_known = places(ids, _column(adjs, 0))
    p_cust, p_known = places(customers, _column(promise_rows, 0))
    d_cust, d_known = places(customers, _column(dispute_rows, 0))
    c_cust, c_known = places(customers, _column(contact_rows, 0))
    resolved = [_NEVER_TEXT if r[2] is None else r[2] for r in dispute_rows]
    return LedgerFacts(
        customers=customers,
        inv_cust=np.searchsorted(customers, raw_cust).astype(np.int64),
        inv_issue=issue,
        inv_due=due,
        inv_factor=factor,
        inv_minor=minor,
        pay_inv=pay_inv[pay_known],
        pay_day=_days(_column(pays, 1))[pay_known],
        pay_amount=np.asarray(_column(pays, 2), dtype=np.int64)[pay_known],
        adj_inv=adj_inv[adj_known],
        adj_day=_days(_column(adjs, 1))[adj_known],
        adj_amount=np.asarray(_column(adjs, 2), dtype=np.int64)[adj_known],
        promise_cust=p_cust[p_known],
        promise_due=_days(_column(promise_rows, 1))[p_known],
        promise_status=np.asarray(_column(promise_rows, 2), dtype=np.str_)[p_known],
        dispute_cust=d_cust[d_known],
        dispute_opened=_days(_column(dispute_rows, 1))[d_known],
        dispute_resolved=_days(resolved)[d_known],
        contact_cust=c_cust[c_known],
        contact_day=_local_days(_column(contact_rows, 1))[c_known],
        contact_right_party=np.asarray([r[2] in _RIGHT_PARTY for r in contact_rows], dtype=bool)[
            c_known
        ],
    )


@dataclass(frozen=True, slots=True)
class AccountFeatures:
    """The open accounts on `day` (those owing something) and their features, one row each."""

    day: date
    customer_ids: I64
    rows: I64  # index of each account in `LedgerFacts.customers`
    values: F64  # shape (accounts, len(FEATURES))
    open_minor: F64  # what each owes on `day`, base-currency minor units

    def column(self, name: str) -> F64:
        return self.values[:, FEATURES.index(name)]

    def only(self, keep: npt.NDArray[np.bool_]) -> AccountFeatures:
        """The accounts where `keep` holds."""
        return AccountFeatures(
            day=self.day,
            customer_ids=self.customer_ids[keep],
            rows=self.rows[keep],
            values=self.values[keep],
            open_minor=self.open_minor[keep],
        )


def _sum_by(index: I64, weights: F64 | I64, size: int) -> F64:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)


def invoice_open(facts: LedgerFacts, day: int) -> F64:
    """What is open of each invoice on `day` (ordinal), base-currency minor units; 0 for
    invoices not issued yet."""
    n = len(facts.inv_cust)
    paid = _sum_by(facts.pay_inv[facts.pay_day <= day], facts.pay_amount[facts.pay_day <= day], n)
    adjusted = _sum_by(
        facts.adj_inv[facts.adj_day <= day], facts.adj_amount[facts.adj_day <= day], n
    )
    own = np.maximum(facts.inv_minor - paid - adjusted, 0)
    return np.where(facts.inv_issue <= day, own * facts.inv_factor, 0.0)


def features_on(facts: LedgerFacts, on: date) -> AccountFeatures:
    """The features of every account that owes something on `on`."""
    day = on.toordinal()
    size = facts.size
    open_inv = invoice_open(facts, day)
    is_open = open_inv > 0.5
    balance = _sum_by(facts.inv_cust[is_open], open_inv[is_open], size)
    accounts = np.flatnonzero(balance > 0.5)
    past_due = np.where(is_open, np.maximum(day - facts.inv_due, 0), 0)
    oldest = np.zeros(size, dtype=np.int64)
    np.maximum.at(oldest, facts.inv_cust, past_due)
    old = is_open & (past_due > OLD_DAYS)
    old_balance = _sum_by(facts.inv_cust[old], open_inv[old], size)
    soon = is_open & (facts.inv_due >= day) & (facts.inv_due <= day + DUE_SOON_DAYS)
    soon_balance = _sum_by(facts.inv_cust[soon], open_inv[soon], size)
    open_count = _sum_by(facts.inv_cust[is_open], np.ones(int(is_open.sum())), size)

    # Payment behaviour: invoices fully settled in the last year, by when their last payment came.
    window = (facts.pay_day <= day) & (facts.pay_day > day - BEHAVIOUR_DAYS)
    last_pay = np.full(len(facts.inv_cust), -1, dtype=np.int64)
    np.maximum.at(last_pay, facts.pay_inv[window], facts.pay_day[window])
    settled = (last_pay >= 0) & ~is_open & (facts.inv_issue <= day)
    late_days = np.where(settled, last_pay - facts.inv_due, 0)
    settled_count = _sum_by(facts.inv_cust[settled], np.ones(int(settled.sum())), size)
    late_sum = _sum_by(facts.inv_cust[settled], late_days[settled].astype(np.float64), size)
    late_count = _sum_by(
        facts.inv_cust[settled], (late_days[settled] > LATE_GRACE_DAYS).astype(np.float64), size
    )
    has_history = settled_count > 0
    avg_late = np.divide(late_sum, settled_count, out=np.zeros(size), where=has_history)
    late_share = np.divide(late_count, settled_count, out=np.zeros(size), where=has_history)
    customer_last_pay = np.full(size, -1, dtype=np.int64)
    paid_by_day = facts.pay_day <= day
    np.maximum.at(
        customer_last_pay, facts.inv_cust[facts.pay_inv[paid_by_day]], facts.pay_day[paid_by_day]
    )
    since_payment = np.where(
        customer_last_pay >= 0, np.minimum(day - customer_last_pay, BEHAVIOUR_DAYS), BEHAVIOUR_DAYS
    )

    recent_promise = (facts.promise_due <= day) & (facts.promise_due > day - PROMISE_DAYS)
    kept = recent_promise & (facts.promise_status == PromiseStatus.KEPT)
    broken = recent_promise & (facts.promise_status == PromiseStatus.BROKEN)
    disputed = (facts.dispute_opened <= day) & (facts.dispute_resolved > day)
    recent_contact = (facts.contact_day <= day) & (facts.contact_day > day - CONTACT_DAYS)
    right_party = recent_contact & facts.contact_right_party

    def count(index: I64, mask: npt.NDArray[np.bool_]) -> F64:
        return _sum_by(index[mask], np.ones(int(mask.sum())), size)

    columns = {
        "balance_log": np.log1p(balance / 100.0),
        "days_past_due": oldest.astype(np.float64),
        "old_share": np.divide(old_balance, balance, out=np.zeros(size), where=balance > 0),
        "due_soon_share": np.divide(soon_balance, balance, out=np.zeros(size), where=balance > 0),
        "open_invoices": open_count,
        "avg_days_late": avg_late,
        "late_share": late_share,
        "no_payment_history": (~has_history).astype(np.float64),
        "days_since_payment": since_payment.astype(np.float64),
        "promises_kept": count(facts.promise_cust, kept),
        "promises_broken": count(facts.promise_cust, broken),
        "open_disputes": count(facts.dispute_cust, disputed),
        "contacts": count(facts.contact_cust, recent_contact),
        "right_party_contacts": count(facts.contact_cust, right_party),
    }
    values = np.column_stack([columns[name][accounts] for name in FEATURES]).astype(np.float64)
    return AccountFeatures(
        day=on,
        customer_ids=facts.customers[accounts],
        rows=accounts.astype(np.int64),
        values=values.reshape(len(accounts), len(FEATURES)),
        open_minor=balance[accounts],
    )


def paid_share_within(facts: LedgerFacts, accounts: AccountFeatures, days: int) -> F64:
    """The share of what each account owed on its day that payments covered in the `days` after
    it (the outcome the model learns), from 0 to 1."""
    start = accounts.day.toordinal()
    n = len(facts.inv_cust)
    owed = invoice_open(facts, start)
    in_window = (facts.pay_day > start) & (facts.pay_day <= start + days)
    paid = _sum_by(facts.pay_inv[in_window], facts.pay_amount[in_window], n)
    # Only what was owed on the day counts: a payment of a later invoice is not recovery.
    recovered = np.minimum(paid * facts.inv_factor, owed)
    by_customer = _sum_by(facts.inv_cust, recovered, facts.size)[accounts.rows]
    return np.clip(np.divide(by_customer, accounts.open_minor), 0.0, 1.0)


def goes_late_within(facts: LedgerFacts, accounts: AccountFeatures, days: int, late: int) -> F64:
    """1 where part of what the account owed on its day, falling due within `days` after it, was
    still unpaid `late` days past its due date (so more than `late` days late within
    `days + late` days), else 0: the outcome the early warning learns."""
    start = accounts.day.toordinal()
    n = len(facts.inv_cust)
    owed = invoice_open(facts, start)
    watched = (owed > 0.5) & (facts.inv_due >= start) & (facts.inv_due <= start + days)
    # What was paid or credited of each invoice by `late` days after its own due date.
    by_then = facts.pay_day <= facts.inv_due[facts.pay_inv] + late
    paid = _sum_by(facts.pay_inv[by_then], facts.pay_amount[by_then], n)
    adjusted_by_then = facts.adj_day <= facts.inv_due[facts.adj_inv] + late
    adjusted = _sum_by(facts.adj_inv[adjusted_by_then], facts.adj_amount[adjusted_by_then], n)
    # A remainder under 1 % of the invoice is rounding or a fee in dispute, not a late account.
    unpaid = facts.inv_minor - paid - adjusted > 0.01 * facts.inv_minor
    went_late = _sum_by(facts.inv_cust, (watched & unpaid).astype(np.float64), facts.size)
    return (went_late[accounts.rows] > 0).astype(np.float64)
