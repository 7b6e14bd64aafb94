"""The generator's arithmetic holds for any seed, size and end date (no database needed)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.demo import generator as g


@settings(max_examples=12, deadline=None)
@given(
    invoices=st.integers(min_value=100, max_value=3_000),
    seed=st.integers(min_value=0, max_value=2**32),
    as_of=st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
)
def test_money_and_dates_stay_consistent_for_any_seed(
    invoices: int, seed: int, as_of: date
) -> None:
    ledger = g.generate(invoices=invoices, seed=seed, as_of=as_of)
    end = g.day_number(as_of)
    inv = ledger.invoices
    al = ledger.allocations
    adj = ledger.adjustments
    paid = np.bincount(al.invoice, weights=al.amount, minlength=inv.n)
    reduced = np.bincount(adj.invoice, weights=adj.amount, minlength=inv.n)
    assert inv.n == invoices
    assert (paid + reduced <= inv.amount).all()
    assert (al.amount > 0).all()
    assert (adj.amount > 0).all()
    assert (al.day >= inv.issue[al.invoice]).all()
    assert (al.day <= end).all()
    assert (adj.day <= end).all()
    assert (adj.day >= inv.issue[adj.invoice]).all()
    per_payment = np.bincount(al.payment, weights=al.amount, minlength=len(ledger.payments.day))
    assert (per_payment == ledger.payments.amount).all()
    assert (inv.issue >= ledger.customers.since[inv.customer]).all()
    assert (inv.issue <= end).all()
    assert (inv.due >= inv.issue).all()
    act_day = ledger.activities.at // 86_400
    assert (act_day <= end).all()
    assert (act_day >= ledger.customers.since[ledger.activities.customer]).all()
    pr = ledger.promises
    assert (pr.due >= pr.made).all()
    assert (pr.amount > 0).all()
    assert (pr.made <= end).all()
    assert (ledger.placements.placed <= end).all()
    assert (ledger.plans.agreed <= end).all()


def test_sizes_scale_with_the_requested_invoices() -> None:
    small = g.generate(invoices=1_000, seed=1, as_of=date(2026, 9, 30))
    large = g.generate(invoices=200_000, seed=1, as_of=date(2026, 9, 30))
    for ledger in (small, large):
        n = ledger.invoices.n
        assert n / 20 <= ledger.customers.n <= n / 10
        assert 1.35 <= len(ledger.payments.day) / n <= 1.65
        assert 2.8 <= len(ledger.activities.at) / n <= 3.2
    assert len(large.staff.collector_team) > len(small.staff.collector_team)
    assert g.day_date(int(large.invoices.issue.min())) >= date(2026, 9, 30) - timedelta(days=730)
