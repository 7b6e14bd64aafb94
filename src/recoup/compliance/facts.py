"""What the rules read, as arrays: debtors (time zone, statute date), who works them (for
team rules), their contact history by channel, and their restrictions as day intervals.

`facts_load` reads them from the operational database in a few set-based queries: for a
handful of customers and a window of history (a single check), or for the whole ledger (audits,
the benchmark). Restrictions come from three places, merged here: dated `Restriction` rows, the
ledger's disputes (per invoice), and the customers file's flags, which count as in effect since
always unless a dated restriction of the same kind (and channel) exists for that debtor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db import connection

from recoup.compliance.clock import DAY_US, I64, US, date_to_day
from recoup.compliance.models import Restriction, RestrictionKind
from recoup.core.sql import ident, lit
from recoup.ledger.models import (
    Activity,
    Assignment,
    Channel,
    Customer,
    Direction,
    Dispute,
    DisputeStatus,
    Invoice,
    Outcome,
)

# Day bounds of restrictions in effect since always / until further notice.
FOREVER_BEFORE = -(2**40)
FOREVER_AFTER = 2**40
NO_TEAM = -1
_ASSIGNMENT_DAY_BITS = 24  # days since 1970 + offset below; customer ids above
_DAY_OFFSET = 2**22

# A call whose outcome means the debtor (the right party) and the collector spoke: a
# "telephone conversation" of 12 CFR 1006.14(b)(2)(i)(B). The others are call attempts only.
CONVERSATION_OUTCOMES: tuple[str, ...] = (
    Outcome.RIGHT_PARTY_CONTACT,
    Outcome.PROMISE,
    Outcome.REFUSAL,
    Outcome.DISPUTE,
    Outcome.PAYMENT,
)
RESTRICTION_KINDS: tuple[str, ...] = tuple(RestrictionKind.values)
RESTRICTION_CODE: dict[str, int] = {k: i for i, k in enumerate(RESTRICTION_KINDS)}

# Where a restriction row came from (its words differ).
FROM_RECORD, FROM_FLAG, FROM_DISPUTE = 0, 1, 2
# Customer flag -> (restriction kind, channel or "" for every channel).
FLAGS: dict[str, tuple[str, str]] = {
    "cease_communication": (RestrictionKind.CEASE, ""),
    "bankruptcy": (RestrictionKind.BANKRUPTCY, ""),
    "do_not_call": (RestrictionKind.OPT_OUT, "call"),
    "opt_out_email": (RestrictionKind.OPT_OUT, "email"),
    "opt_out_sms": (RestrictionKind.OPT_OUT, "sms"),
    "opt_out_letter": (RestrictionKind.OPT_OUT, "letter"),
}


def _q(model: type) -> str:
    return ident(model._meta.db_table)  # type: ignore[attr-defined]


def _channel_code_sql(column: str) -> str:
    from recoup.compliance.engine import CHANNEL_CODE

    cases = " ".join(f"WHEN {lit(name)} THEN {code}" for name, code in CHANNEL_CODE.items())
    return f"CASE {column} {cases} ELSE -1 END"


def _us_sql(column: str) -> str:
    """An aware timestamp column as integer microseconds since the epoch."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    # Django keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) in SQLite.
    return (
        f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000000"
        f" + CASE WHEN length({column}) > 19 THEN CAST(substr({column}, 21, 6) AS INTEGER)"
        " ELSE 0 END)"
    )


def _day_sql(column: str) -> str:
    """A date column as days since 1970-01-01 (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


@dataclass(slots=True)
class ContactIndex:
    """Contacts on one channel, sorted by (group, instant); group is an invoice id or a
    customer id. Prefix sums count outbound contacts and conversations in any slice."""

    key: I64  # group << 32 | whole seconds since the epoch
    us: I64
    day: I64  # the debtor's local calendar day
    invoice: I64
    outbound: np.ndarray
    conversation: np.ndarray
    cum_outbound: I64 = field(init=False)
    cum_conversation: I64 = field(init=False)
    cum_conversation_outbound: I64 = field(init=False)

    def __post_init__(self) -> None:
        zero = np.zeros(1, dtype=np.int64)
        both = self.conversation & self.outbound
        self.cum_conversation_outbound = np.concatenate([zero, np.cumsum(both, dtype=np.int64)])
        self.cum_outbound = np.concatenate([zero, np.cumsum(self.outbound, dtype=np.int64)])
        self.cum_conversation = np.concatenate([zero, np.cumsum(self.conversation, dtype=np.int64)])

    @classmethod
    def build(
        cls, group: I64, us: I64, day: I64, invoice: I64, out: np.ndarray, conv: np.ndarray
    ) -> ContactIndex:
        order = np.lexsort((us, group))
        key = (group[order] << 32) | (us[order] // US)
        return cls(key, us[order], day[order], invoice[order], out[order], conv[order])

    def window(self, group: I64, since_us: I64, before_us: I64) -> tuple[I64, I64]:
        """Slices [lo, hi) of each group's contacts at or after `since_us` and strictly before
        `before_us` (to the microsecond)."""
        lo = np.searchsorted(self.key, (group << 32) | (since_us // US), side="left")
        at_key = (group << 32) | (before_us // US)
        hi = np.searchsorted(self.key, at_key, side="left")
        # `since_us` is a local midnight (whole seconds); `before_us` may hold a fraction:
        # contacts in its very second but earlier still count (rare, looked at one by one).
        same = np.searchsorted(self.key, at_key, side="right")
        for r in np.flatnonzero(same > hi):
            hi[r] += int(np.count_nonzero(self.us[hi[r] : same[r]] < before_us[r]))
        return lo, hi


def _empty_index() -> ContactIndex:
    e = np.zeros(0, dtype=np.int64)
    return ContactIndex.build(e, e, e, e, np.zeros(0, bool), np.zeros(0, bool))


@dataclass(slots=True)
class ChannelHistory:
    by_invoice: ContactIndex  # group: invoice id (contacts about one debt)
    unattached: ContactIndex  # group: customer id (contacts about the customer's debts as a whole)
    by_customer: ContactIndex  # group: customer id, every contact


@dataclass(slots=True)
class Facts:
    customer_ids: I64  # sorted
    zone: I64
    zone_names: list[str]
    statute_day: I64  # first day the debt is time-barred, FOREVER_AFTER when unknown
    # Assignments: who works a customer from a day (for team rules).
    assignment_key: I64
    assignment_to: I64
    assignment_team: I64
    # Restrictions, sorted by customer.
    r_customer: I64
    r_invoice: I64
    r_kind: I64
    r_channel: I64  # CHANNEL_CODE, -1 for every channel
    r_start: I64
    r_end: I64  # last day in effect (inclusive)
    r_source: I64
    r_ref: I64  # Restriction or Dispute id, or the flag's index in FLAGS
    history: dict[int, ChannelHistory]
    # Activity rows were read strictly before this instant (None: all of them).
    history_until_us: int | None = None
    _labels: dict[int, str] = field(default_factory=dict)

    def customer_positions(self, customers: I64) -> I64:
        pos = np.searchsorted(self.customer_ids, customers)
        pos = np.clip(pos, 0, max(len(self.customer_ids) - 1, 0))
        if len(self.customer_ids) == 0 or np.any(self.customer_ids[pos] != customers):
            from recoup.compliance.engine import CheckInputError

            raise CheckInputError("a check names a customer the facts were not loaded for")
        return pos

    def team_on(self, customers: I64, days: I64) -> I64:
        if len(self.assignment_key) == 0:
            return np.full(len(customers), NO_TEAM, dtype=np.int64)
        key = (customers << _ASSIGNMENT_DAY_BITS) | (days + _DAY_OFFSET)
        i = np.searchsorted(self.assignment_key, key, side="right") - 1
        ok = i >= 0
        i = np.clip(i, 0, None)
        same = (self.assignment_key[i] >> _ASSIGNMENT_DAY_BITS) == customers
        standing = ok & same & (days < self.assignment_to[i])
        return np.where(standing, self.assignment_team[i], NO_TEAM)

    def channel(self, code: int) -> ChannelHistory:
        found = self.history.get(code)
        if found is None:
            empty = _empty_index()
            return ChannelHistory(empty, empty, empty)
        return found

    def restriction_rows(self, customers: I64) -> tuple[I64, I64]:
        """Per customer, the slice [lo, hi) of its restriction rows."""
        lo = np.searchsorted(self.r_customer, customers, side="left")
        hi = np.searchsorted(self.r_customer, customers, side="right")
        return lo, hi

    def invoice_label(self, invoice_id: int) -> str:
        if invoice_id < 0:
            return ""
        if invoice_id not in self._labels:
            found = Invoice.objects.filter(pk=invoice_id).values_list("external_id", flat=True)
            self._labels[invoice_id] = next(iter(found), f"#{invoice_id}")
        return self._labels[invoice_id]

    def invoice_labels_of_customers(self, customer_ids: Iterable[int]) -> None:
        """Reads the labels of these customers' invoices at once, 500 customers a query: the
        explanations of a large batch name the invoice each conversation was about."""
        wanted = sorted({int(i) for i in customer_ids})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            self._labels.update(
                Invoice.objects.filter(customer_id__in=chunk).values_list("id", "external_id")
            )

    def invoice_labels_prefetch(self, invoice_ids: Iterable[int]) -> None:
        wanted = sorted({int(i) for i in invoice_ids if i >= 0} - set(self._labels))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            self._labels.update(
                Invoice.objects.filter(pk__in=chunk).values_list("id", "external_id")
            )


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def _ints(rows: list[tuple[object, ...]], n: int) -> list[I64]:
    if not rows:
        return [np.zeros(0, dtype=np.int64) for _ in range(n)]
    arr = np.asarray(rows, dtype=np.int64)
    return [arr[:, k].copy() for k in range(n)]


def _in(column: str, ids: Sequence[int] | None) -> tuple[str, list[object]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def facts_load(
    *,
    customer_ids: Sequence[int] | None = None,
    history_since_us: int | None = None,
    history_until_us: int | None = None,
    channels: Iterable[str] = (Channel.CALL,),
) -> Facts:
    """The facts for `customer_ids` (None: every customer), with contacts on `channels` in
    [history_since_us, history_until_us) (None: unbounded)."""

    ids = None if customer_ids is None else sorted({int(i) for i in customer_ids})
    if ids is not None and not ids:
        ids = [-1]
    where, params = _in("c.id", ids)
    customers = _fetch(
        f"SELECT c.id, c.time_zone, COALESCE({_day_sql('c.statute_of_limitations_date')}, %s),"
        f" {', '.join('c.' + ident(f) for f in FLAGS)}"
        f" FROM {_q(Customer)} c WHERE 1 = 1{where} ORDER BY c.id",
        [FOREVER_AFTER, *params],
    )
    zone_names = sorted({str(r[1]) for r in customers}) or ["UTC"]
    zone_code = {z: i for i, z in enumerate(zone_names)}
    customer_id = np.asarray([int(r[0]) for r in customers], dtype=np.int64)
    zone = np.asarray([zone_code[str(r[1])] for r in customers], dtype=np.int64)
    statute = np.asarray([int(r[2]) for r in customers], dtype=np.int64)
    flags = np.asarray([[bool(v) for v in r[3:]] for r in customers], dtype=bool).reshape(
        len(customers), len(FLAGS)
    )

    # Assignments: a team directly, or the team of the collector named (their first).
    where, params = _in("a.customer_id", ids)
    membership = ident("accounts_teammembership")
    rows = _fetch(
        f"SELECT a.customer_id, {_day_sql('a.valid_from')}, COALESCE({_day_sql('a.valid_to')}, %s),"
        f" COALESCE(a.team_id, (SELECT MIN(m.team_id) FROM {membership} m"
        f" WHERE m.user_id = a.collector_id), %s)"
        f" FROM {_q(Assignment)} a WHERE 1 = 1{where}",
        [FOREVER_AFTER, NO_TEAM, *params],
    )
    a_cust, a_from, a_to, a_team = _ints(rows, 4)
    a_key = (a_cust << _ASSIGNMENT_DAY_BITS) | (a_from + _DAY_OFFSET)
    order = np.argsort(a_key, kind="stable")

    restrictions = _restrictions(ids, customer_id, flags)
    history = _history(
        ids, history_since_us, history_until_us, channels, customer_id, zone, zone_names
    )
    return Facts(
        customer_ids=customer_id,
        zone=zone,
        zone_names=zone_names,
        statute_day=statute,
        assignment_key=a_key[order],
        assignment_to=a_to[order],
        assignment_team=a_team[order],
        history=history,
        history_until_us=history_until_us,
        **restrictions,
    )


def _restrictions(ids: Sequence[int] | None, customer_id: I64, flags: np.ndarray) -> dict[str, Any]:
    from recoup.compliance.engine import CHANNEL_CODE

    channel_sql = _channel_code_sql("r.channel")
    kind_sql = (
        "CASE r.kind "
        + " ".join(f"WHEN {lit(k)} THEN {c}" for k, c in RESTRICTION_CODE.items())
        + " ELSE -1 END"
    )
    where, params = _in("r.customer_id", ids)
    recorded = _fetch(
        f"SELECT r.customer_id, COALESCE(r.invoice_id, -1), {kind_sql},"
        f" CASE WHEN r.channel = '' THEN -1 ELSE {channel_sql} END,"
        f" {_day_sql('r.effective_on')}, COALESCE({_day_sql('r.ended_on')}, %s), {FROM_RECORD}, r.id"
        f" FROM {_q(Restriction)} r WHERE 1 = 1{where}",
        [FOREVER_AFTER, *params],
    )
    # Disputes: open ones until further notice; resolved or verified ones through the day they
    # were resolved (or, when no day was given, the day the record last changed).
    where, params = _in("i.customer_id", ids)
    if connection.vendor == "postgresql":
        last_change = "(CAST(d.updated_at AT TIME ZONE 'UTC' AS DATE) - DATE '1970-01-01')"
    else:
        last_change = "CAST(julianday(substr(d.updated_at, 1, 10)) - 2440587.5 AS INTEGER)"
    disputes = _fetch(
        f"SELECT i.customer_id, d.invoice_id, {RESTRICTION_CODE[RestrictionKind.DISPUTE]}, -1,"
        f" {_day_sql('d.opened_on')},"
        f" CASE WHEN d.resolved_on IS NOT NULL THEN {_day_sql('d.resolved_on')}"
        f" WHEN d.status = {lit(DisputeStatus.OPEN)} THEN %s ELSE {last_change} END,"
        f" {FROM_DISPUTE}, d.id"
        f" FROM {_q(Dispute)} d JOIN {_q(Invoice)} i ON i.id = d.invoice_id WHERE 1 = 1{where}",
        [FOREVER_AFTER, *params],
    )
    cols = _ints(recorded + disputes, 8)
    # Flags: one row each, unless a dated restriction of the same kind and channel exists.
    dated = {(int(c), int(k), int(ch)) for c, k, ch in zip(cols[0], cols[2], cols[3], strict=True)}
    flag_rows: list[tuple[int, ...]] = []
    for f_index, (kind, channel) in enumerate(FLAGS.values()):
        k = RESTRICTION_CODE[kind]
        ch = CHANNEL_CODE[channel] if channel else -1
        for c in customer_id[flags[:, f_index]] if len(flags) else []:
            if (int(c), k, ch) not in dated:
                flag_rows.append(
                    (int(c), -1, k, ch, FOREVER_BEFORE, FOREVER_AFTER, FROM_FLAG, f_index)
                )
    if flag_rows:
        extra = np.asarray(flag_rows, dtype=np.int64)
        cols = [np.concatenate([col, extra[:, k]]) for k, col in enumerate(cols)]
    order = np.lexsort((cols[4], cols[0]))
    names = (
        "r_customer",
        "r_invoice",
        "r_kind",
        "r_channel",
        "r_start",
        "r_end",
        "r_source",
        "r_ref",
    )
    return {name: col[order] for name, col in zip(names, cols, strict=True)}


def _history(
    ids: Sequence[int] | None,
    since_us: int | None,
    until_us: int | None,
    channels: Iterable[str],
    customer_id: I64,
    zone: I64,
    zone_names: list[str],
) -> dict[int, ChannelHistory]:
    from recoup.compliance.clock import local_us_many
    from recoup.compliance.engine import CHANNEL_CODE

    wanted = sorted({c for c in channels if c in CHANNEL_CODE})
    out: dict[int, ChannelHistory] = {}
    if not wanted:
        return out
    where, params = _in("a.customer_id", ids)
    us = _us_sql("a.occurred_at")
    if since_us is not None:
        where += f" AND {us} >= %s"
        params.append(since_us)
    if until_us is not None:
        where += f" AND {us} < %s"
        params.append(until_us)
    conversation = ", ".join(lit(o) for o in CONVERSATION_OUTCOMES)
    channel_list = ", ".join(lit(c) for c in wanted)
    rows = _fetch(
        f"SELECT a.customer_id, COALESCE(a.invoice_id, -1), {_channel_code_sql('a.channel')}, {us},"
        f" CASE WHEN a.direction = {lit(Direction.OUTBOUND)} THEN 1 ELSE 0 END,"
        f" CASE WHEN a.outcome IN ({conversation}) THEN 1 ELSE 0 END"
        f" FROM {_q(Activity)} a WHERE a.channel IN ({channel_list}){where}",
        params,
    )
    cust, inv, chan, at, out_flag, conv_flag = _ints(rows, 6)
    pos = np.searchsorted(customer_id, cust)
    pos = np.clip(pos, 0, max(len(customer_id) - 1, 0))
    known = (customer_id[pos] == cust) if len(customer_id) else np.zeros(len(cust), bool)
    day = np.zeros(len(at), dtype=np.int64)
    if len(at):
        day = np.floor_divide(local_us_many(at, zone[pos], zone_names), DAY_US)
    for name in wanted:
        code = CHANNEL_CODE[name]
        rows_c = known & (chan == code)
        c, i, t, d = cust[rows_c], inv[rows_c], at[rows_c], day[rows_c]
        o, v = out_flag[rows_c].astype(bool), conv_flag[rows_c].astype(bool)
        attached = i >= 0
        out[code] = ChannelHistory(
            by_invoice=ContactIndex.build(
                i[attached], t[attached], d[attached], i[attached], o[attached], v[attached]
            ),
            unattached=ContactIndex.build(
                c[~attached], t[~attached], d[~attached], i[~attached], o[~attached], v[~attached]
            ),
            by_customer=ContactIndex.build(c, t, d, i, o, v),
        )
    return out


def day_of(on: date | None) -> int:
    return FOREVER_AFTER if on is None else date_to_day(on)
