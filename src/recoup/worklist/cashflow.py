"""What we will collect: cash expected by week for the next 13 weeks, with a range.

Four sources, in the base currency (decision 0029):
- open invoices: each by the curve of its cell, learned from the ledger's past (see
  `cashflow_history`): its customer's band of likelihood to pay within 30 days (the fitted model
  where it is fitted, its scorecard otherwise, or the customer's share of invoices paid on time
  when no likelihood is given) and the week its customer usually starts to pay it (its due date
  plus the customer's average days late). A cell the past saw little of leans on the behaviour
  rule: nothing before that week (overdue invoices from the first), then a weekly chance that
  gives the likelihood over 30 days;
- open promises to pay, on their due dates;
- instalments of active payment plans, on their due dates;
- new invoices: what invoices issued after a day brought in the weeks after it, on average over
  the last 26 weeks (sales that will be invoiced and paid within the horizon are cash too).
A promise or an instalment lands with the customer's share of promises kept (the book's share
when the customer has none). What is scheduled by promise or plan is taken off the customer's
invoices first, so it is not counted twice.

The range is the 10th to 90th percentile of what came in over what the curves expected in the
past weeks, applied to each week and to the total as a whole; with too little history, that of a
normal whose variance is each item's amount squared times p(1 - p).
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
from recoup.worklist.cashflow_history import (
    NO_HISTORY_CHANCE,
    Curves,
    account_view,
    curves_learn,
    invoice_week_shares,
    item_shares,
    week_of,
    weekly_hazard,
)
from recoup.worklist.features import F64, I64, LedgerFacts, invoice_open, ledger_facts_load
from recoup.worklist.likelihood import Likelihood

__all__ = [
    "NO_HISTORY_CHANCE",
    "WEEKS",
    "CashForecast",
    "CashWeek",
    "Scheduled",
    "cash_forecast",
    "cash_forecast_for",
    "cash_forecast_read",
    "invoice_week_shares",
    "scheduled_load",
    "week_of",
    "weekly_hazard",
]

WEEKS = 13
Z_80 = 1.2816  # the 10th and 90th percentiles of a normal, in standard deviations


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
    new_invoices_minor: int = 0


@dataclass(frozen=True, slots=True)
class CashForecast:
    as_of: date
    currency: str
    method: str  # "model", "scorecard" or "behaviour": where the invoices' chances came from
    weeks: list[CashWeek]
    low_total_minor: int = 0
    high_total_minor: int = 0
    history_weeks: int = 0  # past weeks whose outcome the curves and the range were read from

    @property
    def total_minor(self) -> int:
        return sum(w.expected_minor for w in self.weeks)

    def source_total(self, source: str) -> int:
        """The 13 weeks' total of one source: invoices, promises, instalments, new_invoices."""
        return sum(int(getattr(w, f"{source}_minor")) for w in self.weeks)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """Promises or instalments due in the horizon: customer row, week, base minor units."""

    cust: I64
    week: I64
    amount: F64


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


def _by_week(items: Scheduled, kept: F64, weeks: int) -> tuple[F64, F64]:
    p = kept[items.cust] if len(items.cust) else np.zeros(0)
    inside = (items.week >= 0) & (items.week < weeks)
    expected = np.bincount(items.week[inside], weights=(items.amount * p)[inside], minlength=weeks)
    var = np.bincount(
        items.week[inside], weights=(items.amount**2 * p * (1 - p))[inside], minlength=weeks
    )
    return expected[:weeks], var[:weeks]


def cash_forecast(
    *,
    facts: LedgerFacts,
    as_of: date,
    likelihood: Likelihood | None,
    promises: Scheduled,
    instalments: Scheduled,
    weeks: int = WEEKS,
    currency: str = "",
    curves: Curves | None = None,
) -> CashForecast:
    """The forecast from facts dated on or before `as_of` (pure: the reads are the caller's)."""
    curves = curves or curves_learn(facts, as_of, likelihood, weeks)
    open_inv = invoice_open(facts, as_of.toordinal())
    is_open = open_inv > 0.5
    chance, late, method = account_view(facts, as_of, likelihood)
    n = facts.size

    # What promises and plans schedule comes off the customer's open invoices first.
    owed = np.bincount(facts.inv_cust[is_open], weights=open_inv[is_open], minlength=n)
    scheduled = np.bincount(promises.cust, weights=promises.amount, minlength=n) + np.bincount(
        instalments.cust, weights=instalments.amount, minlength=n
    )
    left = np.divide(np.maximum(owed - scheduled, 0.0), owed, out=np.zeros(n), where=owed > 0)
    rows = np.flatnonzero(is_open)
    cust = facts.inv_cust[rows]
    amount = open_inv[rows] * left[cust]
    start = week_of(facts.inv_due[rows] + np.round(late[cust]).astype(np.int64), as_of)
    shares = item_shares(curves, chance[cust], start)
    inv_expected = (amount[:, None] * shares).sum(axis=0)
    inv_var = ((amount**2)[:, None] * shares * (1.0 - shares)).sum(axis=0)

    kept = kept_shares(facts)
    prom_expected, prom_var = _by_week(promises, kept, weeks)
    inst_expected, inst_var = _by_week(instalments, kept, weeks)
    learned = inv_expected + curves.new_minor
    weekly = curves.quantiles()
    if weekly is None:
        sigma = np.sqrt(inv_var + prom_var + inst_var)
        lows = learned + prom_expected + inst_expected - Z_80 * sigma
        highs = learned + prom_expected + inst_expected + Z_80 * sigma
    else:
        # The past's spread for what the curves expect; promises and plans pay or do not.
        sigma = np.sqrt(prom_var + inst_var)
        lows = learned * weekly[0] + prom_expected + inst_expected - Z_80 * sigma
        highs = learned * weekly[1] + prom_expected + inst_expected + Z_80 * sigma
    out: list[CashWeek] = []
    for w in range(weeks):
        parts = (
            round(inv_expected[w]),
            round(prom_expected[w]),
            round(inst_expected[w]),
            round(curves.new_minor[w]),
        )
        expected = sum(parts)
        starts = as_of + timedelta(days=7 * w + 1)
        out.append(
            CashWeek(
                starts_on=starts,
                ends_on=starts + timedelta(days=6),
                expected_minor=expected,
                low_minor=max(0, min(expected, round(lows[w]))),
                high_minor=max(expected, round(highs[w])),
                invoices_minor=parts[0],
                promises_minor=parts[1],
                instalments_minor=parts[2],
                new_invoices_minor=parts[3],
            )
        )
    total = sum(w.expected_minor for w in out)
    # The weeks' errors move together (a book's level drifts): the total is given the weekly
    # spread as a whole, not the narrower one of independent weeks.
    whole = weekly
    if whole is None:
        low_total = sum(w.low_minor for w in out)
        high_total = sum(w.high_minor for w in out)
    else:
        spread = Z_80 * float(np.sqrt((prom_var + inst_var).sum()))
        sure = float(prom_expected.sum() + inst_expected.sum())
        low_total = round(float(learned.sum()) * whole[0] + sure - spread)
        high_total = round(float(learned.sum()) * whole[1] + sure + spread)
    return CashForecast(
        as_of=as_of,
        currency=currency or settings.BASE_CURRENCY,
        method=method,
        weeks=out,
        low_total_minor=max(0, min(total, low_total)),
        high_total_minor=max(total, high_total),
        history_weeks=curves.days if len(curves.ratios) else 0,
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
