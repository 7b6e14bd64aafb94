"""What we will collect: cash expected by week for the next 13 weeks, with a range.

Three sources, in the base currency:
- open invoices: each starts to be paid in the week its customer usually pays (its due date plus
  the customer's average days late, from the ledger's behaviour features; overdue ones from the
  first week), then with a weekly chance taken from the worklist's likelihood that the account
  pays within 30 days (the fitted model where it is fitted, its scorecard otherwise), or, when no
  likelihood is given, from the customer's share of invoices paid on time;
- open promises to pay, on their due dates;
- instalments of active payment plans, on their due dates.
A promise or an instalment lands with the customer's share of promises kept (the book's share
when the customer has none). What is scheduled by promise or plan is taken off the customer's
invoices first, so it is not counted twice.

The range is the 10th to 90th percentile of a normal around each week's expectation, its variance
the sum of each item's amount squared times p(1 - p): items pay or do not, independently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings

from recoup.accounts.scope import Scope
from recoup.ledger.models import Instalment, PlanStatus, PromiseStatus, PromiseToPay
from recoup.ledger.selectors import customers_in_scope
from recoup.metrics.fx import FxTable
from recoup.worklist.features import (
    F64,
    I64,
    LedgerFacts,
    features_on,
    invoice_open,
    ledger_facts_load,
)
from recoup.worklist.likelihood import Likelihood

WEEKS = 13
PAY_WINDOW_DAYS = 30  # the likelihood's question: paid within 30 days
Z_80 = 1.2816  # the 10th and 90th percentiles of a normal, in standard deviations
NO_HISTORY_CHANCE = 0.5


@dataclass(frozen=True, slots=True)
class CashWeek:
    starts_on: date
    ends_on: date
    expected_minor: int
    low_minor: int
    high_minor: int
    invoices_minor: int
    promises_minor: int
    instalments_minor: int


@dataclass(frozen=True, slots=True)
class CashForecast:
    as_of: date
    currency: str
    method: str  # "model", "scorecard" or "behaviour": where the invoices' chances came from
    weeks: list[CashWeek]

    @property
    def total_minor(self) -> int:
        return sum(w.expected_minor for w in self.weeks)

    @property
    def low_total_minor(self) -> int:
        return sum(w.low_minor for w in self.weeks)

    @property
    def high_total_minor(self) -> int:
        return sum(w.high_minor for w in self.weeks)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """Promises or instalments due in the horizon: customer row, week, base minor units."""

    cust: I64
    week: I64
    amount: F64


def weekly_hazard(p_within_30: F64) -> F64:
    """The weekly chance that gives `p_within_30` over 30 days."""
    p = np.clip(p_within_30, 0.0, 0.999)
    return 1.0 - np.power(1.0 - p, 7.0 / PAY_WINDOW_DAYS)


def week_of(day: I64 | int, as_of: date) -> I64:
    """Week index of ordinal days after `as_of` (week 0 = the 7 days after it)."""
    return np.asarray((np.asarray(day) - as_of.toordinal() - 1) // 7, dtype=np.int64)


def invoice_week_shares(start: I64, hazard: F64, weeks: int) -> F64:
    """Per item and week, the chance it is paid in that week: nothing before its start week,
    then the weekly hazard on what is still unpaid."""
    w = np.arange(weeks, dtype=np.int64)[None, :]
    since = w - start[:, None]
    h = hazard[:, None]
    return np.where(since >= 0, h * np.power(1.0 - h, np.maximum(since, 0)), 0.0)


def kept_shares(facts: LedgerFacts) -> F64:
    """Each customer's share of promises kept, the book's share for those with none."""
    kept = facts.promise_status == PromiseStatus.KEPT
    decided = kept | (facts.promise_status == PromiseStatus.BROKEN)
    n = facts.size
    kept_n = np.bincount(facts.promise_cust[kept], minlength=n).astype(np.float64)
    decided_n = np.bincount(facts.promise_cust[decided], minlength=n).astype(np.float64)
    book = float(kept_n.sum() / decided_n.sum()) if decided_n.sum() else NO_HISTORY_CHANCE
    shares: F64 = np.divide(kept_n, decided_n, out=np.full(n, book), where=decided_n > 0)
    return shares


def scheduled_load(facts: LedgerFacts, as_of: date, weeks: int) -> tuple[Scheduled, Scheduled]:
    """Open promises and active plans' instalments due in the `weeks` after `as_of`."""
    last = as_of + timedelta(days=7 * weeks)
    fx = FxTable.load(settings.BASE_CURRENCY)
    promises = PromiseToPay.objects.filter(
        status=PromiseStatus.OPEN, due_date__gt=as_of, due_date__lte=last, promised_on__lte=as_of
    ).values_list("customer_id", "due_date", "amount_minor", "currency")
    instalments = Instalment.objects.filter(
        plan__status=PlanStatus.ACTIVE,
        plan__agreed_on__lte=as_of,
        due_date__gt=as_of,
        due_date__lte=last,
    ).values_list("plan__customer_id", "due_date", "amount_minor", "plan__currency")

    index = {int(c): i for i, c in enumerate(facts.customers.tolist())}

    def arrays(rows: list[tuple[int, date, int, str]]) -> Scheduled:
        # A customer with no invoice yet has nothing on the books to collect against.
        known = [r for r in rows if r[0] in index]
        return Scheduled(
            cust=np.asarray([index[r[0]] for r in known], dtype=np.int64),
            week=week_of(np.asarray([r[1].toordinal() for r in known], dtype=np.int64), as_of),
            amount=np.asarray(
                [float(fx.to_base_minor(Decimal(r[2]), r[3], as_of)) for r in known],
                dtype=np.float64,
            ),
        )

    return arrays(list(promises)), arrays(list(instalments))


def cash_forecast(
    *,
    facts: LedgerFacts,
    as_of: date,
    likelihood: Likelihood | None,
    promises: Scheduled,
    instalments: Scheduled,
    weeks: int = WEEKS,
    currency: str = "",
) -> CashForecast:
    """The forecast from facts dated on or before `as_of` (pure: the reads are the caller's)."""
    day = as_of.toordinal()
    open_inv = invoice_open(facts, day)
    is_open = open_inv > 0.5
    accounts = features_on(facts, as_of)
    n = facts.size
    avg_late = np.zeros(n)
    avg_late[accounts.rows] = np.maximum(accounts.column("avg_days_late"), 0.0)
    if likelihood is not None:
        chance = np.full(n, NO_HISTORY_CHANCE)
        chance[accounts.rows] = likelihood.probability(accounts.values)
        method = likelihood.method
    else:
        on_time = 1.0 - accounts.column("late_share")
        known = accounts.column("no_payment_history") == 0
        chance = np.full(n, NO_HISTORY_CHANCE)
        chance[accounts.rows] = np.where(known, np.clip(on_time, 0.05, 0.95), NO_HISTORY_CHANCE)
        method = "behaviour"

    # What promises and plans schedule comes off the customer's open invoices first.
    owed = np.bincount(facts.inv_cust[is_open], weights=open_inv[is_open], minlength=n)
    scheduled = np.bincount(promises.cust, weights=promises.amount, minlength=n) + np.bincount(
        instalments.cust, weights=instalments.amount, minlength=n
    )
    left = np.divide(np.maximum(owed - scheduled, 0.0), owed, out=np.zeros(n), where=owed > 0)
    rows = np.flatnonzero(is_open)
    cust = facts.inv_cust[rows]
    amount = open_inv[rows] * left[cust]
    start_day = facts.inv_due[rows] + np.round(avg_late[cust]).astype(np.int64)
    start = np.maximum(week_of(start_day, as_of), 0)
    shares = invoice_week_shares(start, weekly_hazard(chance[cust]), weeks)
    inv_expected = (amount[:, None] * shares).sum(axis=0)
    inv_var = ((amount**2)[:, None] * shares * (1.0 - shares)).sum(axis=0)

    kept = kept_shares(facts)

    def by_week(items: Scheduled) -> tuple[F64, F64]:
        p = kept[items.cust] if len(items.cust) else np.zeros(0)
        inside = (items.week >= 0) & (items.week < weeks)
        expected = np.bincount(
            items.week[inside], weights=(items.amount * p)[inside], minlength=weeks
        )
        var = np.bincount(
            items.week[inside], weights=(items.amount**2 * p * (1 - p))[inside], minlength=weeks
        )
        return expected[:weeks], var[:weeks]

    prom_expected, prom_var = by_week(promises)
    inst_expected, inst_var = by_week(instalments)
    sigma = np.sqrt(inv_var + prom_var + inst_var)
    out: list[CashWeek] = []
    for w in range(weeks):
        invoices_, promised, planned = (
            round(inv_expected[w]),
            round(prom_expected[w]),
            round(inst_expected[w]),
        )
        expected = invoices_ + promised + planned
        spread = Z_80 * float(sigma[w])
        starts = as_of + timedelta(days=7 * w + 1)
        out.append(
            CashWeek(
                starts_on=starts,
                ends_on=starts + timedelta(days=6),
                expected_minor=expected,
                low_minor=max(0, round(expected - spread)),
                high_minor=round(expected + spread),
                invoices_minor=invoices_,
                promises_minor=promised,
                instalments_minor=planned,
            )
        )
    return CashForecast(
        as_of=as_of, currency=currency or settings.BASE_CURRENCY, method=method, weeks=out
    )


def cash_forecast_read(
    *,
    as_of: date,
    likelihood: Likelihood | None,
    customer_ids: Collection[int] | None = None,
    weeks: int = WEEKS,
) -> CashForecast:
    """The forecast of `customer_ids` (a scope's book; everyone when None) from the ledger as of
    `as_of`: promises and instalments of other customers are left out with their invoices."""
    facts = ledger_facts_load(until=as_of, customer_ids=customer_ids)
    promises, instalments = scheduled_load(facts, as_of, weeks)
    return cash_forecast(
        facts=facts,
        as_of=as_of,
        likelihood=likelihood,
        promises=promises,
        instalments=instalments,
        weeks=weeks,
    )


def cash_forecast_for(
    *, scope: Scope, as_of: date, likelihood: Likelihood | None, weeks: int = WEEKS
) -> CashForecast:
    """The forecast of what `scope` may see: the whole book, or its customers on `as_of`."""
    customer_ids = (
        None
        if scope.sees_all
        else list(customers_in_scope(scope, on=as_of).values_list("pk", flat=True))
    )
    return cash_forecast_read(
        as_of=as_of, likelihood=likelihood, customer_ids=customer_ids, weeks=weeks
    )
