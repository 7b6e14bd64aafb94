"""The likelihood learned from a ledger's past: it tells payers from non-payers on a later day it
did not learn from, falls back to the scorecard when history is thin, and says why in words."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from recoup.worklist.features import FEATURES, LedgerFacts, features_on
from recoup.worklist.likelihood import (
    Likelihood,
    likelihood_fit,
    reason_words,
    top_reasons,
)

TODAY = date(2026, 6, 30)


def _ledger(customers: int, seed: int = 7) -> LedgerFacts:
    """Monthly invoices for a year; good payers pay within 5 days of due, the others 45 to 120
    days late or never. Which is which is random, and only the history tells."""
    rng = np.random.default_rng(seed)
    good = rng.random(customers) < 0.5
    inv_cust, issue, due, amount, pay_inv, pay_day = [], [], [], [], [], []
    start = (TODAY - timedelta(days=365)).toordinal()
    for c in range(customers):
        for month in range(12):
            issued = start + 30 * month + int(rng.integers(0, 10))
            n = len(inv_cust)
            inv_cust.append(c)
            issue.append(issued)
            due.append(issued + 30)
            amount.append(int(rng.integers(100, 5000)) * 100)
            if good[c]:
                paid_on = issued + 30 + int(rng.integers(-3, 6))
            elif rng.random() < 0.6:
                paid_on = issued + 30 + int(rng.integers(45, 120))
            else:
                continue
            pay_inv.append(n)
            pay_day.append(paid_on)
    empty = np.zeros(0, dtype=np.int64)
    n = len(inv_cust)
    return LedgerFacts(
        customers=np.arange(customers, dtype=np.int64),
        inv_cust=np.asarray(inv_cust, dtype=np.int64),
        inv_issue=np.asarray(issue, dtype=np.int64),
        inv_due=np.asarray(due, dtype=np.int64),
        inv_factor=np.ones(n),
        inv_minor=np.asarray(amount, dtype=np.int64),
        pay_inv=np.asarray(pay_inv, dtype=np.int64),
        pay_day=np.asarray(pay_day, dtype=np.int64),
        pay_amount=np.asarray([amount[i] for i in pay_inv], dtype=np.int64),
        adj_inv=empty,
        adj_day=empty,
        adj_amount=empty,
        promise_cust=empty,
        promise_due=empty,
        promise_status=np.asarray([], dtype=np.str_),
        dispute_cust=empty,
        dispute_opened=empty,
        dispute_resolved=empty,
        contact_cust=empty,
        contact_day=empty,
        contact_right_party=np.zeros(0, dtype=bool),
    )


def test_the_model_tells_payers_from_late_payers_on_a_day_it_did_not_learn_from() -> None:
    fitted = likelihood_fit(_ledger(400), TODAY)
    quality = fitted.quality
    assert quality is not None
    assert fitted.method == "model"
    assert quality.holdout_day == (TODAY - timedelta(days=30)).isoformat()
    assert quality.model_auc is not None
    assert quality.model_auc > 0.85
    assert quality.scorecard_auc is not None
    assert quality.scorecard_auc > 0.7
    assert quality.model_brier is not None
    assert quality.model_brier < 0.2
    # Calibrated: the fifth it rates least likely paid less often than the fifth it rates most.
    lowest, highest = quality.calibration[0], quality.calibration[-1]
    assert lowest[1] < 0.3 < 0.7 < highest[1]
    assert sum(part[2] for part in quality.calibration) == quality.holdout_accounts


def test_a_fit_survives_the_round_trip_through_storage_and_scores_alike() -> None:
    facts = _ledger(300)
    fitted = likelihood_fit(facts, TODAY)
    again = Likelihood.from_json(fitted.as_json())
    accounts = features_on(facts, TODAY)
    assert np.allclose(again.probability(accounts.values), fitted.probability(accounts.values))
    assert again.quality == fitted.quality


def test_thin_history_falls_back_to_the_scorecard_with_its_points_read_as_shares() -> None:
    fitted = likelihood_fit(_ledger(12), TODAY)
    assert fitted.method == "scorecard"
    accounts = features_on(_ledger(12), TODAY)
    p = fitted.probability(accounts.values)
    assert ((p > 0) & (p < 1)).all()
    # Later and longer unpaid means fewer points and a lower likelihood.
    worst = np.argmax(accounts.column("days_past_due"))
    best = np.argmin(accounts.column("days_past_due") + accounts.column("avg_days_late"))
    assert p[worst] < p[best]


def test_reasons_are_the_strongest_pushes_in_words() -> None:
    values = np.zeros(len(FEATURES))
    values[FEATURES.index("promises_broken")] = 3
    values[FEATURES.index("avg_days_late")] = 41
    values[FEATURES.index("open_disputes")] = 0
    pushes = np.zeros(len(FEATURES))
    pushes[FEATURES.index("promises_broken")] = -1.2
    pushes[FEATURES.index("avg_days_late")] = -0.8
    pushes[FEATURES.index("open_disputes")] = -0.5  # no dispute: says nothing
    assert top_reasons(values, pushes) == [
        ("3 broken promises in 90 days", -1.2),
        ("pays 41 days late on average", -0.8),
    ]
    assert reason_words("promises_kept", 1, 0.3) == "1 promise kept in 90 days"
    assert reason_words("days_since_payment", 365, -1) == "no payment in the last year"
