"""What the ledger's own past says about cash to come, for the cash forecast (decision 0029).

Every week back from the forecast's day (`HISTORY_WEEKS` of them) is a past day on which the
forecast could have been made. On each, every open invoice is placed in a cell: its customer's
band of likelihood (as scored that day) and the week its customer would usually start to pay it
(its due date plus the customer's average days late, as known that day), relative to that day.
What those invoices then brought, week by week, over what was open gives each cell's curve; only
weeks that had ended by the forecast's day count. Three more things are read the same way:
- the cash that invoices issued after each past day brought in the weeks after it (the "new
  invoices" the book will issue and collect within the horizon, as a run-rate);
- the ratio of what came in to what the curves expected, per past day and week, whose 10th and
  90th percentiles give the range (a range that held over the past, not one that assumes the
  items pay independently).
A cell seen on few invoices leans on the behaviour rule (`invoice_week_shares`): with no history
at all the forecast is that rule alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from recoup.worklist.features import F64, I64, LedgerFacts, features_on, invoice_open
from recoup.worklist.likelihood import Likelihood

HISTORY_WEEKS = 26
OLDEST_START = -27  # invoices whose paying week started earlier than this share one cell
BAND_EDGES = np.asarray([1 / 3, 2 / 3])  # low, middle and high likelihood
PRIOR_ITEMS = 20.0  # a cell's curve counts fully once it rests on many more invoices than this
MIN_RATIOS = 8  # fewer past weeks than this and the range is the independent items' one
PAY_WINDOW_DAYS = 30  # the likelihood's question: paid within 30 days
NO_HISTORY_CHANCE = 0.5


def week_of(day: I64 | int, as_of: date) -> I64:
    """Week index of ordinal days after `as_of` (week 0 = the 7 days after it)."""
    return np.asarray((np.asarray(day) - as_of.toordinal() - 1) // 7, dtype=np.int64)


def weekly_hazard(p_within_30: F64) -> F64:
    """The weekly chance that gives `p_within_30` over 30 days."""
    p = np.clip(p_within_30, 0.0, 0.999)
    return 1.0 - np.power(1.0 - p, 7.0 / PAY_WINDOW_DAYS)


def invoice_week_shares(start: I64, hazard: F64, weeks: int) -> F64:
    """The behaviour rule: per item and week, the chance it is paid in that week: nothing
    before its start week (overdue items start at once), then the weekly hazard on what is
    still unpaid."""
    w = np.arange(weeks, dtype=np.int64)[None, :]
    since = w - np.maximum(start, 0)[:, None]
    h = hazard[:, None]
    return np.where(since >= 0, h * np.power(1.0 - h, np.maximum(since, 0)), 0.0)


def account_view(
    facts: LedgerFacts, on: date, likelihood: Likelihood | None
) -> tuple[F64, F64, str]:
    """Per customer on `on`: the chance of paying within 30 days (the likelihood where given,
    the share of invoices paid on time otherwise), the average days late, and the method."""
    accounts = features_on(facts, on)
    n = facts.size
    late = np.zeros(n)
    late[accounts.rows] = np.maximum(accounts.column("avg_days_late"), 0.0)
    chance = np.full(n, NO_HISTORY_CHANCE)
    if likelihood is not None:
        if len(accounts.rows):
            chance[accounts.rows] = likelihood.probability(accounts.values)
        return chance, late, likelihood.method
    on_time = np.clip(1.0 - accounts.column("late_share"), 0.05, 0.95)
    known = accounts.column("no_payment_history") == 0
    chance[accounts.rows] = np.where(known, on_time, NO_HISTORY_CHANCE)
    return chance, late, "behaviour"


@dataclass(frozen=True, slots=True)
class Curves:
    """What the past says, for a horizon of `weeks`."""

    weeks: int
    share: F64  # [cell, week]: share of what was open that came in that week
    items: F64  # [cell, week]: how many open invoices the share rests on
    new_minor: F64  # [week]: the average cash from invoices issued after the day
    ratios: F64  # what came in over what was expected, per past day and week
    days: int  # past days read

    def quantiles(self) -> tuple[float, float] | None:
        """The 10th and 90th percentiles of the ratios; None on too little history."""
        if len(self.ratios) < MIN_RATIOS:
            return None
        low, high = np.percentile(self.ratios, [10, 90])
        return float(low), float(high)


def _cells(chance: F64, start: I64, weeks: int) -> I64:
    starts = weeks - OLDEST_START + 1  # OLDEST_START .. weeks (weeks = beyond the horizon)
    band = np.searchsorted(BAND_EDGES, chance, side="right")
    return np.asarray(band * starts + (np.clip(start, OLDEST_START, weeks) - OLDEST_START))


def cell_count(weeks: int) -> int:
    return (len(BAND_EDGES) + 1) * (weeks - OLDEST_START + 1)


def item_shares(curves: Curves, chance: F64, start: I64) -> F64:
    """Per item and week, the share expected to come in: the item's cell's curve, leaning on the
    behaviour rule as much as the cell lacks history."""
    rule = invoice_week_shares(start, weekly_hazard(chance), curves.weeks)
    cells = _cells(chance, start, curves.weeks)
    seen = curves.items[cells]
    weight = seen / (seen + PRIOR_ITEMS)
    blended: F64 = weight * curves.share[cells] + (1.0 - weight) * rule
    return blended


@dataclass(frozen=True, slots=True)
class _PastDay:
    known: int  # weeks after the day that had ended by the forecast's day
    chance: F64
    start: I64
    open_minor: F64
    came_in: F64  # [week]: what its open invoices brought
    new_came_in: F64  # [week]: what invoices issued after it brought


def _past_day(
    facts: LedgerFacts, day: date, known: int, weeks: int, likelihood: Likelihood | None
) -> tuple[_PastDay, I64, F64]:
    """One past day: its open invoices' cells and what each brought per week."""
    ordinal = day.toordinal()
    open_now = invoice_open(facts, ordinal)
    rows = np.flatnonzero(open_now > 0.5)
    chance, late, _ = account_view(facts, day, likelihood)
    cust = facts.inv_cust[rows]
    start = week_of(facts.inv_due[rows] + np.round(late[cust]).astype(np.int64), day)
    position = np.full(len(facts.inv_cust), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    after = (facts.pay_day > ordinal) & (facts.pay_day <= ordinal + 7 * known)
    week = week_of(facts.pay_day, day)
    amount = facts.pay_amount * facts.inv_factor[facts.pay_inv]
    ours = after & (position[facts.pay_inv] >= 0)
    flat = position[facts.pay_inv[ours]] * weeks + week[ours]
    item_in = np.bincount(flat, weights=amount[ours], minlength=len(rows) * weeks).reshape(
        len(rows), weeks
    )
    new = after & (facts.inv_issue[facts.pay_inv] > ordinal)
    new_in = np.bincount(week[new], weights=amount[new], minlength=weeks)[:weeks]
    past = _PastDay(
        known=known,
        chance=chance[cust],
        start=start,
        open_minor=open_now[rows],
        came_in=item_in.sum(axis=0),
        new_came_in=new_in,
    )
    return past, _cells(chance[cust], start, weeks), item_in


def curves_learn(
    facts: LedgerFacts, as_of: date, likelihood: Likelihood | None, weeks: int
) -> Curves:
    """The curves, run-rate and ratios from the `HISTORY_WEEKS` weeks before `as_of` (the facts
    read are those dated on or before it)."""
    size = cell_count(weeks)
    came_in, was_open, items = (
        np.zeros((size, weeks)),
        np.zeros((size, weeks)),
        np.zeros((size, weeks)),
    )
    new_sum, new_days = np.zeros(weeks), np.zeros(weeks)
    pasts: list[_PastDay] = []
    for back in range(1, HISTORY_WEEKS + 1):
        known = min(back, weeks)
        past, cells, item_in = _past_day(
            facts, as_of - timedelta(days=7 * back), known, weeks, likelihood
        )
        pasts.append(past)
        # Sums by cell (bincount: np.add.at is many times slower on a large book).
        for k in range(known):
            came_in[:, k] += np.bincount(cells, weights=item_in[:, k], minlength=size)
        was_open[:, :known] += np.bincount(cells, weights=past.open_minor, minlength=size)[:, None]
        items[:, :known] += np.bincount(cells, minlength=size)[:, None]
        new_sum[:known] += past.new_came_in[:known]
        new_days[:known] += 1
    share = np.divide(came_in, was_open, out=np.zeros_like(came_in), where=was_open > 0)
    new_minor = np.divide(new_sum, new_days, out=np.zeros(weeks), where=new_days > 0)
    curves = Curves(
        weeks=weeks,
        share=share,
        items=items,
        new_minor=new_minor,
        ratios=np.zeros(0),
        days=HISTORY_WEEKS,
    )
    ratios: list[float] = []
    for past in pasts:
        shares = item_shares(curves, past.chance, past.start)
        expected = (past.open_minor[:, None] * shares).sum(axis=0) + new_minor
        actual = past.came_in + past.new_came_in
        k = past.known
        ratios += [float(a / e) for a, e in zip(actual[:k], expected[:k], strict=True) if e > 0]
    return Curves(
        weeks=weeks,
        share=share,
        items=items,
        new_minor=new_minor,
        ratios=np.asarray(ratios),
        days=HISTORY_WEEKS,
    )
