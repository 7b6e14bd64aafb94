"""Compiles catalogue metrics into Ibis queries, the same expressions for every engine.

A metric is a formula (`recoup.metrics.formulas`) over *measures*: sums and counts of one fact
relation (open invoices as of a date, credit sales in a window, activities in a period, ...). The
compiler builds each relation for a whole table of as-of *points* at once, so a 13-month trend is
one query per relation, not one per point. Measures of the same relation, grouping and filters are
computed in one aggregate query. Money measures come back per currency in integer minor units;
conversion and the formula happen in `recoup.metrics.evaluate`.

Ledger tables are read by their operational names (`ledger_invoice`, ...), which every engine
exposes: PostgreSQL natively, DuckDB from its synced copy, Spark from Parquet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

RIGHT_PARTY = ("right_party_contact", "promise", "refusal", "dispute", "payment")
NOT_REACHED = ("no_answer", "message_left")
RESOLVED = ("promise", "payment")
NONE_LABEL = "(none)"
# The settled-from date of an invoice that is still open: after any date a ledger holds.
OPEN_FOREVER = ibis.date(9999, 12, 31)

# Columns each engine must expose, by table: what the compiler reads and nothing more.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ledger_invoice": ("id", "customer_id", "issue_date", "due_date", "amount_minor", "currency"),
    "ledger_payment": ("id", "customer_id", "received_on", "amount_minor", "currency"),
    "ledger_allocation": ("id", "payment_id", "invoice_id", "amount_minor"),
    "ledger_adjustment": ("id", "invoice_id", "kind", "effective_on", "amount_minor", "currency"),
    "ledger_customer": (
        "id",
        "segment",
        "country",
        "credit_limit_minor",
        "credit_limit_currency",
    ),
    "ledger_assignment": ("id", "customer_id", "collector_id", "team_id", "valid_from", "valid_to"),
    "accounts_user": ("id", "username"),
    "accounts_team": ("id", "name"),
    "ledger_activity": (
        "id",
        "customer_id",
        "channel",
        "direction",
        "outcome",
        "collector_id",
        "occurred_at",
    ),
    "ledger_promisetopay": (
        "id",
        "customer_id",
        "promised_on",
        "due_date",
        "amount_minor",
        "currency",
    ),
    "ledger_dispute": ("id", "invoice_id", "opened_on", "resolved_on"),
    "ledger_placement": (
        "id",
        "invoice_id",
        "agency_id",
        "placed_on",
        "recalled_on",
        "amount_minor",
        "currency",
    ),
    "ledger_agency": ("id", "name"),
    "ledger_creditdecision": (
        "id",
        "customer_id",
        "applied_on",
        "decided_on",
        "policy_exception",
    ),
    "ledger_collectioncost": ("id", "incurred_on", "amount_minor", "currency", "team_id"),
}


class TableSource(Protocol):
    def table(self, name: str) -> ir.Table: ...


@dataclass(frozen=True, slots=True)
class Measure:
    """One aggregate column of one relation; `money` measures are per currency, in minor units."""

    relation: tuple[Any, ...]
    name: str
    agg: Callable[[ir.Table], ir.Value]
    money: bool = False
    additive: bool = True
    # What it counts, for people ("Open over 90 days past due"): declared where it is made.
    label: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    """One aggregate query: the relation, its grouping and filters, and the measures it computes."""

    relation: tuple[Any, ...]
    dims: tuple[str, ...]
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    by_currency: bool
    measures: tuple[Measure, ...] = field(default=())


def bucket_labels(edges: Sequence[int], anchor: str) -> list[str]:
    """Labels of the aging buckets: 'current', '1-30', ..., '120+' (from the due date)."""
    labels = ["current"] if anchor == "due" else []
    low = 1 if anchor == "due" else 0
    for edge in edges:
        labels.append(f"{low}-{edge}")
        low = edge + 1
    labels.append(f"{edges[-1]}+")
    return labels


def bucket_expr(age: ir.IntegerValue, edges: Sequence[int], anchor: str) -> ir.StringValue:
    labels = bucket_labels(edges, anchor)
    cases: list[tuple[ir.BooleanValue, str]] = []
    if anchor == "due":
        cases.append((age <= 0, labels[0]))
        labels = labels[1:]
    for edge, label in zip(edges, labels, strict=False):
        cases.append((age <= edge, label))
    return ibis.cases(*cases, else_=labels[-1])


@dataclass(frozen=True, slots=True)
class Book:
    """The debtors a query may count (see `recoup.accounts.scope`): those whose assignment
    standing on each row's date names one of `team_ids` or `collector_ids`. None on a Compiler
    means the whole ledger."""

    team_ids: tuple[int, ...]
    collector_ids: tuple[int, ...]


class Compiler:
    """Builds relations and aggregate queries against one engine's tables and points table."""

    # Relations several queries read (the invoice state as of each point) are computed once per
    # evaluation into a temporary table instead of once per query.
    SHARED = frozenset({"open_on", "closing", "balances", "receipts"})
    # Shared relations that do not read the points: an engine may keep them between evaluations
    # for as long as its data has not changed.
    STATIC = frozenset({"closing", "balances", "receipts"})

    def __init__(
        self,
        source: TableSource,
        points: ir.Table,
        dialect: str | None = None,
        open_at: tuple[str, ...] = ("as_of",),
        book: Book | None = None,
    ) -> None:
        self.source = source
        self.book = book
        self.points = points
        self.dialect = dialect
        # the point columns (dates) the evaluation needs open items on: see open_columns
        self.open_at = open_at
        self._cache: dict[tuple[Any, ...], ir.Table] = {}
        # temporary table name -> the SQL that fills it, in the order they must be created
        self.shared: dict[str, str] = {}
        # the names in `shared` that do not depend on the points (see STATIC)
        self.static: set[str] = set()

    def t(self, name: str) -> ir.Table:
        table = self.source.table(name)
        return table.select(*TABLE_COLUMNS[name])

    # -- relations ------------------------------------------------------------------------------

    def relation(self, key: tuple[Any, ...]) -> ir.Table:
        if key not in self._cache:
            builder = getattr(self, f"_rel_{key[0]}")
            expr: ir.Table = builder(*key[1:])
            if self.dialect is not None and key[0] in self.SHARED:
                name = "_rel_" + hashlib.sha1(repr(key).encode()).hexdigest()[:12]
                self.shared[name] = str(ibis.to_sql(expr, dialect=self.dialect))
                if key[0] in self.STATIC:
                    self.static.add(name)
                expr = ibis.table(expr.schema(), name=name)
            self._cache[key] = expr
        return self._cache[key]

    def _pts(self, at: str) -> ir.Table:
        p = self.points
        return p.select(as_of=p.as_of, at=p[at], period_from=p.period_from)

    def _state(self, at: str) -> ir.Table:
        """Per (point, invoice issued by `at`): amount, and what was paid and adjusted by `at`."""
        p = self._pts(at)
        inv = self.t("ledger_invoice")
        alloc = self.t("ledger_allocation")
        pay = self.t("ledger_payment")
        credits = alloc.join(pay, alloc.payment_id == pay.id).select(
            invoice_id=alloc.invoice_id, on=pay.received_on, amount=alloc.amount_minor
        )
        cj = credits.join(p, credits.on <= p.at).select(
            paid_invoice=credits.invoice_id,
            paid_as_of=p.as_of,
            on=credits.on,
            amount=credits.amount,
        )
        paid = cj.group_by(["paid_invoice", "paid_as_of"]).aggregate(
            paid=cj.amount.sum(), last_paid=cj.on.max()
        )
        adj = self.t("ledger_adjustment")
        aj = adj.join(p, adj.effective_on <= p.at).select(
            adj_invoice=adj.invoice_id, adj_as_of=p.as_of, kind=adj.kind, amount=adj.amount_minor
        )
        adjusted = aj.group_by(["adj_invoice", "adj_as_of"]).aggregate(
            adjusted=aj.amount.sum(),
            credited=aj.amount.sum(where=aj.kind != "write_off").fill_null(0),
        )
        base = inv.join(p, inv.issue_date <= p.at).select(
            as_of=p.as_of,
            at=p.at,
            period_from=p.period_from,
            invoice_id=inv.id,
            customer_id=inv.customer_id,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            amount=inv.amount_minor,
            currency=inv.currency,
        )
        j1 = base.left_join(
            paid, [base.invoice_id == paid.paid_invoice, base.as_of == paid.paid_as_of]
        )
        j1 = j1.select(
            *[j1[c] for c in base.columns],
            paid=j1.paid.fill_null(0),
            last_paid=j1.last_paid,
        )
        j2 = j1.left_join(
            adjusted, [j1.invoice_id == adjusted.adj_invoice, j1.as_of == adjusted.adj_as_of]
        )
        return j2.select(
            *[j2[c] for c in j1.columns],
            adjusted=j2.adjusted.fill_null(0),
            credited=j2.credited.fill_null(0),
        )

    def _events(self) -> ir.Table:
        """Everything that reduces what an invoice's debtor owes, dated: payments allocated to it
        (on the payment's date) and adjustments (write-offs, credit notes, discounts)."""
        alloc = self.t("ledger_allocation")
        pay = self.t("ledger_payment")
        credits = alloc.join(pay, alloc.payment_id == pay.id).select(
            invoice_id=alloc.invoice_id, on=pay.received_on, amount=alloc.amount_minor
        )
        adj = self.t("ledger_adjustment")
        adjusted = adj.select(
            invoice_id=adj.invoice_id, on=adj.effective_on, amount=adj.amount_minor
        )
        return credits.union(adjusted, distinct=False)

    def _rel_closing(self) -> ir.Table:
        """Per invoice: `open_until`, the date from which it is settled for good (OPEN_FOREVER
        while its events do not cover its amount). On and after that date every event counts and
        the open amount is at most zero, so an invoice is open on D only if issue_date <= D <
        open_until. Joining invoices to points on that range, instead of on issue_date <= D
        alone, keeps (invoice, point) pairs to the items actually open: most invoices close
        within months. A date rather than null keeps the join a plain two-sided range join."""
        inv = self.t("ledger_invoice")
        ev = self._events()
        per = ev.group_by(ev_invoice=ev.invoice_id).aggregate(
            settled=ev.amount.sum(), last_event=ev.on.max()
        )
        j = inv.left_join(per, inv.id == per.ev_invoice)
        open_until = ibis.cases(
            (j.settled.fill_null(0) >= j.amount_minor, j.last_event.fill_null(j.issue_date)),
            else_=OPEN_FOREVER,
        )
        return j.select(
            invoice_id=j.id,
            customer_id=j.customer_id,
            issue_date=j.issue_date,
            due_date=j.due_date,
            amount=j.amount_minor,
            currency=j.currency,
            open_until=open_until,
        )

    def _rel_balances(self) -> ir.Table:
        """Per invoice, the spans [since, until) over which its open amount is constant and
        positive: from its issue date to its first event, then from each event date to the next,
        the last span ending at `open_until`. Only events dated before open_until can be in an
        open item's balance, and a running sum gives each span's amount, so the items open on a
        date D are the spans with since <= D < until: one range join per evaluation, with no
        per-(invoice, point) aggregation."""
        c = self.relation(("closing",))
        ev = self._events()
        j = ev.join(c, [ev.invoice_id == c.invoice_id, ev.on < c.open_until])
        early = j.select(invoice_id=ev.invoice_id, on=ev.on, amount=ev.amount)
        daily = early.group_by(["invoice_id", "on"]).aggregate(day_amount=early.amount.sum())
        steps = daily.mutate(
            reduced=daily.day_amount.sum().over(
                ibis.cumulative_window(group_by=daily.invoice_id, order_by=daily.on)
            ),
            next_on=daily.on.lead().over(ibis.window(group_by=daily.invoice_id, order_by=daily.on)),
        )
        first = daily.group_by(first_invoice=daily.invoice_id).aggregate(first_on=daily.on.min())
        i = c.left_join(first, c.invoice_id == first.first_invoice)
        issued = i.select(
            invoice_id=i.invoice_id,
            customer_id=i.customer_id,
            issue_date=i.issue_date,
            due_date=i.due_date,
            currency=i.currency,
            open=i.amount,
            since=i.issue_date,
            until=i.first_on.fill_null(i.open_until),
        )
        a = steps.join(c, steps.invoice_id == c.invoice_id)
        after = a.select(
            invoice_id=steps.invoice_id,
            customer_id=c.customer_id,
            issue_date=c.issue_date,
            due_date=c.due_date,
            currency=c.currency,
            open=c.amount - steps.reduced,
            since=ibis.greatest(steps.on, c.issue_date),
            until=steps.next_on.fill_null(c.open_until),
        )
        spans = issued.union(after, distinct=False)
        return spans.filter((spans.open > 0) & (spans.since < spans.until))

    def _rel_open_on(self, columns: tuple[str, ...]) -> ir.Table:
        """The items open on each distinct date of the points' `columns`, computed once: a
        monthly trend's period starts are the previous points' ends, so with CEI's opening
        balance that is 14 dates, not 26."""
        p = self.points
        dates = p.select(on=p[columns[0]])
        for column in columns[1:]:
            dates = dates.union(p.select(on=p[column]))
        dates = dates.distinct()
        b = self.relation(("balances",))
        return b.join(dates, (b.since <= dates.on) & (dates.on < b.until)).select(
            dates.on,
            b.invoice_id,
            b.customer_id,
            b.issue_date,
            b.due_date,
            b.currency,
            b.open,
        )

    def _rel_open(self, at: str, anchor: str, edges: tuple[int, ...]) -> ir.Table:
        o = self.relation(("open_on", self.open_at if at in self.open_at else (at,)))
        p = self._pts(at)
        s = o.join(p, o.on == p.at).select(
            p.as_of,
            p.at,
            o.invoice_id,
            o.customer_id,
            o.issue_date,
            o.due_date,
            o.currency,
            o.open,
        )
        anchor_col = s.due_date if anchor == "due" else s.issue_date
        age = s.at.delta(anchor_col, unit="day")
        dpd = s.at.delta(s.due_date, unit="day")
        return s.select(
            "as_of",
            "at",
            "invoice_id",
            "customer_id",
            "currency",
            "open",
            dpd=dpd,
            bucket=bucket_expr(age, edges, anchor),
        )

    def _rel_roll(self, anchor: str, edges: tuple[int, ...], from_bucket: str) -> ir.Table:
        before = self.relation(("open", "prior", anchor, edges))
        before = before.filter(before.bucket == from_bucket)
        now = self.relation(("open", "as_of", anchor, edges)).select(
            now_invoice="invoice_id", now_as_of="as_of", open_now="open", bucket_now="bucket"
        )
        j = before.left_join(
            now, [before.invoice_id == now.now_invoice, before.as_of == now.now_as_of]
        )
        labels = bucket_labels(edges, anchor)
        position = labels.index(from_bucket)
        next_label = labels[min(position + 1, len(labels) - 1)]
        return j.select(
            *[j[c] for c in ("as_of", "invoice_id", "customer_id", "currency")],
            at=j.as_of,
            open_prev=j.open,
            open_now=j.open_now.fill_null(0),
            rolled=(j.bucket_now == next_label).fill_null(False),
            cured=j.open_now.isnull() | (j.bucket_now == "current"),
        )

    def _rel_settled(self) -> ir.Table:
        s = self._state("as_of")
        s = s.filter(
            (s.paid > 0)
            & (s.paid + s.credited >= s.amount)
            & (s.last_paid >= s.period_from)
            & (s.last_paid <= s.as_of)
        )
        late = s.last_paid.delta(s.due_date, unit="day")
        return s.mutate(
            days_to_pay=s.last_paid.delta(s.issue_date, unit="day"),
            days_late=ibis.greatest(late, 0),
            on_time=late <= 0,
        )

    def _rel_sales(self, window: int | str) -> ir.Table:
        """Invoices issued in the period, in the trailing `window` days, or in `cbN` months."""
        p = self.points.mutate(at=self.points.as_of)
        inv = self.t("ledger_invoice")
        extra: list[ir.Value] = []
        if window == "period":
            cond = (inv.issue_date >= p.period_from) & (inv.issue_date <= p.as_of)
        elif isinstance(window, int):
            low = p.as_of - ibis.interval(days=window - 1)
            cond = (inv.issue_date >= low) & (inv.issue_date <= p.as_of)
        else:
            months = int(window.removeprefix("cb"))
            cond = (inv.issue_date > p[f"m{months}"]) & (inv.issue_date <= p.as_of)
            extra = [p[f"m{k}"] for k in range(1, months + 1)]
        return inv.join(p, cond).select(
            p.as_of,
            p.at,
            p.period_from,
            *extra,
            invoice_id=inv.id,
            customer_id=inv.customer_id,
            issue_date=inv.issue_date,
            amount=inv.amount_minor,
            currency=inv.currency,
        )

    def _rel_receipts(self) -> ir.Table:
        """Every allocation with its payment's date and its invoice's customer and currency:
        the three-table join cash flows read, made once while the data stays the same."""
        alloc = self.t("ledger_allocation")
        pay = self.t("ledger_payment")
        inv = self.t("ledger_invoice")
        j = alloc.join(pay, alloc.payment_id == pay.id).join(inv, alloc.invoice_id == inv.id)
        return j.select(
            invoice_id=alloc.invoice_id,
            customer_id=inv.customer_id,
            currency=inv.currency,
            on=pay.received_on,
            amount=alloc.amount_minor,
        )

    def _rel_cash(self) -> ir.Table:
        p = self._pts("as_of")
        c = self.relation(("receipts",))
        return c.join(p, (c.on >= p.period_from) & (c.on <= p.as_of)).select(
            p.as_of, p.at, c.invoice_id, c.customer_id, c.currency, c.amount
        )

    def _rel_writeoff(self) -> ir.Table:
        p = self._pts("as_of")
        adj = self.t("ledger_adjustment")
        inv = self.t("ledger_invoice")
        a = adj.filter(adj.kind == "write_off")
        a = a.join(inv, a.invoice_id == inv.id).select(
            invoice_id=a.invoice_id,
            customer_id=inv.customer_id,
            currency=inv.currency,
            on=a.effective_on,
            amount=a.amount_minor,
        )
        return a.join(p, (a.on >= p.period_from) & (a.on <= p.as_of)).select(
            p.as_of, p.at, a.invoice_id, a.customer_id, a.currency, a.amount
        )

    def _rel_placement(self) -> ir.Table:
        p = self._pts("as_of")
        pl = self.t("ledger_placement")
        inv = self.t("ledger_invoice")
        placed = pl.join(p, (pl.placed_on >= p.period_from) & (pl.placed_on <= p.as_of)).select(
            p.as_of,
            p.at,
            placement_id=pl.id,
            invoice_id=pl.invoice_id,
            placed_on=pl.placed_on,
            recalled_on=pl.recalled_on,
            amount=pl.amount_minor,
            currency=pl.currency,
        )
        alloc = self.t("ledger_allocation")
        pay = self.t("ledger_payment")
        cash = alloc.join(pay, alloc.payment_id == pay.id).select(
            cash_invoice=alloc.invoice_id, on=pay.received_on, cash=alloc.amount_minor
        )
        j = placed.left_join(
            cash,
            [
                placed.invoice_id == cash.cash_invoice,
                cash.on >= placed.placed_on,
                cash.on <= placed.as_of,
            ],
        )
        j = j.select(
            *[j[c] for c in placed.columns],
            cash=j.cash,
            while_placed=j.recalled_on.isnull() | (j.on < j.recalled_on),
        )
        per = j.group_by(
            ["as_of", "at", "placement_id", "invoice_id", "amount", "currency"]
        ).aggregate(
            collected=j.cash.sum().fill_null(0),
            recovered=j.cash.sum(where=j.while_placed).fill_null(0),
        )
        return per.join(inv, per.invoice_id == inv.id).select(
            *[per[c] for c in per.columns], customer_id=inv.customer_id
        )

    def _rel_activity(self) -> ir.Table:
        p = self._pts("as_of")
        a = self.t("ledger_activity")
        a = a.mutate(on=a.occurred_at.date())
        return a.join(p, (a.on >= p.period_from) & (a.on <= p.as_of)).select(
            p.as_of,
            p.at,
            customer_id=a.customer_id,
            activity_collector_id=a.collector_id,
            channel=a.channel,
            direction=a.direction,
            outcome=a.outcome,
        )

    def _rel_resolution(self) -> ir.Table:
        a = self.relation(("activity",))
        return a.group_by([a.as_of, a.at, a.customer_id]).aggregate(
            contacts=ibis.cases((a.outcome.isin(RIGHT_PARTY), 1), else_=0).sum(),
            resolved=ibis.cases((a.outcome.isin(RESOLVED), 1), else_=0).max(),
        )

    def _rel_promise(self, grace: int) -> ir.Table:
        p = self._pts("as_of")
        pr = self.t("ledger_promisetopay")
        shifted = pr.mutate(until=pr.due_date + ibis.interval(days=grace))
        due = shifted.join(p, (shifted.until >= p.period_from) & (shifted.until <= p.as_of)).select(
            p.as_of,
            p.at,
            promise_id=shifted.id,
            customer_id=shifted.customer_id,
            promised_on=shifted.promised_on,
            until=shifted.until,
            amount=shifted.amount_minor,
            currency=shifted.currency,
        )
        pay = self.t("ledger_payment").select(
            pay_customer="customer_id", on="received_on", paid="amount_minor", pay_cur="currency"
        )
        j = due.left_join(
            pay,
            [
                due.customer_id == pay.pay_customer,
                due.currency == pay.pay_cur,
                pay.on >= due.promised_on,
                pay.on <= due.until,
            ],
        )
        j = j.select(*[j[c] for c in due.columns], paid=j.paid)
        per = j.group_by(
            ["as_of", "at", "promise_id", "customer_id", "amount", "currency"]
        ).aggregate(paid=j.paid.sum().fill_null(0))
        return per.mutate(kept=per.paid >= per.amount)

    def _rel_disputes_opened(self) -> ir.Table:
        p = self._pts("as_of")
        d = self.t("ledger_dispute")
        inv = self.t("ledger_invoice")
        dj = d.join(inv, d.invoice_id == inv.id).select(
            d.opened_on, invoice_id=d.invoice_id, customer_id=inv.customer_id, currency=inv.currency
        )
        return dj.join(p, (dj.opened_on >= p.period_from) & (dj.opened_on <= p.as_of)).select(
            p.as_of, p.at, dj.invoice_id, dj.customer_id, dj.currency
        )

    def _rel_disputes_resolved(self) -> ir.Table:
        p = self._pts("as_of")
        d = self.t("ledger_dispute")
        inv = self.t("ledger_invoice")
        dj = d.join(inv, d.invoice_id == inv.id).select(
            d.opened_on,
            d.resolved_on,
            invoice_id=d.invoice_id,
            customer_id=inv.customer_id,
            currency=inv.currency,
        )
        r = dj.join(p, (dj.resolved_on >= p.period_from) & (dj.resolved_on <= p.as_of))
        return r.select(
            p.as_of,
            p.at,
            dj.invoice_id,
            dj.customer_id,
            dj.currency,
            days=dj.resolved_on.delta(dj.opened_on, unit="day"),
        )

    def _rel_credit(self) -> ir.Table:
        p = self._pts("as_of")
        c = self.t("ledger_creditdecision")
        return c.join(p, (c.decided_on >= p.period_from) & (c.decided_on <= p.as_of)).select(
            p.as_of,
            p.at,
            customer_id=c.customer_id,
            days=c.decided_on.delta(c.applied_on, unit="day"),
            exception=c.policy_exception,
        )

    def _rel_cost(self) -> ir.Table:
        p = self._pts("as_of")
        c = self.t("ledger_collectioncost")
        return c.join(p, (c.incurred_on >= p.period_from) & (c.incurred_on <= p.as_of)).select(
            p.as_of, p.at, team_id=c.team_id, currency=c.currency, amount=c.amount_minor
        )

    def _rel_overlimit(self) -> ir.Table:
        o = self.relation(("open", "as_of", "due", (30, 60, 90, 120)))
        cust = self.t("ledger_customer")
        cust = cust.filter(cust.credit_limit_minor.notnull())
        j = o.join(cust, [o.customer_id == cust.id, o.currency == cust.credit_limit_currency])
        j = j.select("as_of", "at", "customer_id", "currency", "credit_limit_minor", "open")
        per = j.group_by(
            ["as_of", "at", "customer_id", "currency", "credit_limit_minor"]
        ).aggregate(balance=j.open.sum())
        return per.mutate(exposure=ibis.greatest(per.balance - per.credit_limit_minor, 0))

    # -- dimensions ------------------------------------------------------------------------------

    def with_dims(self, rel: ir.Table, dims: Sequence[str]) -> ir.Table:
        """Adds a text column per dimension; values missing on the as-of date read '(none)'."""
        cols = set(rel.columns)
        if "customer" in dims:
            rel = rel.mutate(customer=rel.customer_id.cast("string"))
        if "segment" in dims or "country" in dims:
            cust = self.t("ledger_customer").select(
                c_id="id", c_segment="segment", c_country="country"
            )
            rel = rel.left_join(cust, rel.customer_id == cust.c_id)
            rel = rel.mutate(segment=_label(rel.c_segment), country=_label(rel.c_country))
            rel = rel.drop("c_id", "c_segment", "c_country")
        if ("team" in dims and "team_id" not in cols) or (
            "collector" in dims and "activity_collector_id" not in cols
        ):
            asg = self.t("ledger_assignment").select(
                a_customer="customer_id",
                a_from="valid_from",
                a_to="valid_to",
                a_collector="collector_id",
                a_team="team_id",
            )
            rel = rel.left_join(
                asg,
                [
                    rel.customer_id == asg.a_customer,
                    asg.a_from <= rel.at,
                    asg.a_to.isnull() | (asg.a_to > rel.at),
                ],
            )
            rel = rel.drop("a_customer", "a_from", "a_to")
        if "team" in dims:
            team_col = "team_id" if "team_id" in cols else "a_team"
            teams = self.t("accounts_team").select(tm_id="id", tm_name="name")
            rel = rel.left_join(teams, rel[team_col] == teams.tm_id)
            rel = rel.mutate(team=_label(rel.tm_name)).drop("tm_id", "tm_name")
        if "collector" in dims:
            col = "activity_collector_id" if "activity_collector_id" in cols else "a_collector"
            users = self.t("accounts_user").select(u_id="id", u_name="username")
            rel = rel.left_join(users, rel[col] == users.u_id)
            rel = rel.mutate(collector=_label(rel.u_name)).drop("u_id", "u_name")
        if "agency" in dims and "placement_id" in cols:
            # A placement's facts are its own agency's, recalled or not by the as-of date: what
            # an agency recovered while it held the account stays credited to it (issue 15).
            own = self.t("ledger_placement").select(ag_pl="id", ag_id="agency_id")
            names = self.t("ledger_agency").select(ag_key="id", ag_name="name")
            own = own.join(names, own.ag_id == names.ag_key).select("ag_pl", "ag_name")
            rel = rel.left_join(own, rel.placement_id == own.ag_pl)
            rel = rel.mutate(agency=_label(rel.ag_name)).drop("ag_pl", "ag_name")
        elif "agency" in dims:
            pl = self.t("ledger_placement")
            pts = self._pts("as_of")
            pj = pl.join(
                pts,
                (pl.placed_on <= pts.at) & (pl.recalled_on.isnull() | (pl.recalled_on > pts.at)),
            ).select(ag_invoice=pl.invoice_id, ag_as_of=pts.as_of, agency_id=pl.agency_id)
            active = pj.group_by(["ag_invoice", "ag_as_of"]).aggregate(ag_id=pj.agency_id.max())
            agencies = self.t("ledger_agency").select(ag_key="id", ag_name="name")
            active = active.join(agencies, active.ag_id == agencies.ag_key).select(
                "ag_invoice", "ag_as_of", "ag_name"
            )
            rel = rel.left_join(
                active, [rel.invoice_id == active.ag_invoice, rel.as_of == active.ag_as_of]
            )
            rel = rel.mutate(agency=_label(rel.ag_name)).drop("ag_invoice", "ag_as_of", "ag_name")
        return rel

    def in_book(self, rel: ir.Table) -> ir.Table:
        """`rel` narrowed to the compiler's book, below every grouping and filter, so that no
        query can forget it. Facts of a debtor follow the debtor's assignment on the row's date
        (as the team and collector dimensions do); team-level facts (collection costs) their team."""
        book = self.book
        if book is None:
            return rel
        if "customer_id" in rel.columns:
            asg = self.t("ledger_assignment")
            wanted = ibis.literal(False)
            if book.team_ids:
                wanted = wanted | asg.team_id.isin(list(book.team_ids))
            if book.collector_ids:
                wanted = wanted | asg.collector_id.isin(list(book.collector_ids))
            asg = asg.filter(wanted).select(
                b_customer="customer_id", b_from="valid_from", b_to="valid_to"
            )
            return rel.semi_join(
                asg,
                [
                    rel.customer_id == asg.b_customer,
                    asg.b_from <= rel.at,
                    asg.b_to.isnull() | (asg.b_to > rel.at),
                ],
            )
        if "team_id" in rel.columns:
            return rel.filter(rel.team_id.isin(list(book.team_ids) or [-1]))
        raise ValueError(f"facts {sorted(rel.columns)} name no debtor or team to narrow a book by")

    def query_expr(self, query: Query) -> ir.Table:
        rel = self.in_book(self.relation(query.relation))
        wanted = tuple(dict.fromkeys((*query.dims, *(name for name, _ in query.filters))))
        rel = self.with_dims(rel, wanted)
        for name, values in query.filters:
            rel = rel.filter(rel[name].isin(list(values)))
        keys = ["as_of", *query.dims]
        if query.by_currency and "currency" not in keys:
            keys.append("currency")
        return rel.group_by(keys).aggregate(**{m.name: m.agg(rel) for m in query.measures})


def _label(value: ir.Value) -> ir.StringValue:
    text = value.cast("string")
    return ibis.cases((text.isnull() | (text == ""), NONE_LABEL), else_=text)


def open_columns(relations: Iterable[tuple[Any, ...]]) -> tuple[str, ...]:
    """The point columns whose dates the relations need open items on (roll rates compare the
    prior month end with the as-of date; over-limit exposure reads the as-of date)."""
    needed: set[str] = set()
    for key in relations:
        if key[0] == "open":
            needed.add(key[1])
        elif key[0] == "roll":
            needed.update(("prior", "as_of"))
        elif key[0] == "overlimit":
            needed.add("as_of")
    return tuple(sorted(needed)) or ("as_of",)


def plan_queries(
    measures: Sequence[tuple[Measure, tuple[str, ...], Mapping[str, tuple[str, ...]]]],
) -> list[Query]:
    """Groups measures that share a relation, grouping and filters into one query each."""
    grouped: dict[tuple[Any, ...], dict[str, Measure]] = {}
    for measure, dims, filters in measures:
        key = (
            measure.relation,
            dims,
            tuple(sorted(filters.items())),
            measure.additive and _has_currency(measure.relation),
        )
        grouped.setdefault(key, {})[measure.name] = measure
    return [
        Query(relation=k[0], dims=k[1], filters=k[2], by_currency=k[3], measures=tuple(v.values()))
        for k, v in grouped.items()
    ]


_NO_CURRENCY = {"activity", "resolution", "credit"}


def _has_currency(relation: tuple[Any, ...]) -> bool:
    return relation[0] not in _NO_CURRENCY
