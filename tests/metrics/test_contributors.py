"""The customers behind a number: grouped by customer, their contributions add up to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.scope import Scope
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.selectors import metric_contributors, metric_evaluate, metric_query
from tests.metrics.builder import Ledger

EVERYTHING = Scope.organisation("tests")

AS_OF = date(2026, 9, 30)


@pytest.fixture
def book(db: None) -> Ledger:
    """Three customers as of 30 Sep 2026: Acme owes 1,000 current and 250 in 31-60, Globex
    700 in 61-90 and 300 in 120+ (North); Initech 400 in 1-30 (South); a paid one owes nothing."""
    ledger = Ledger()
    ledger.customer("Acme", team="North", since="2025-01-01")
    ledger.customer("Globex", team="North", since="2025-01-01")
    ledger.customer("Initech", team="South", since="2025-01-01")
    ledger.customer("Paid Up", team="South", since="2025-01-01")
    ledger.invoice("Acme", "1000.00", issued="2026-09-20", due="2026-10-20")
    acme_late = ledger.invoice("Acme", "400.00", issued="2026-07-01", due="2026-08-15")
    ledger.pay(acme_late, "150.00", on="2026-09-01")
    ledger.invoice("Globex", "700.00", issued="2026-06-15", due="2026-07-15")
    ledger.invoice("Globex", "300.00", issued="2026-03-01", due="2026-04-01")
    ledger.invoice("Initech", "400.00", issued="2026-08-20", due="2026-09-10")
    paid = ledger.invoice("Paid Up", "900.00", issued="2026-09-01", due="2026-09-15")
    ledger.pay(paid, "900.00", on="2026-09-10")
    return ledger


def _names(book: Ledger, ids: list[int]) -> list[str]:
    by_id = {c.id: name for name, c in book.customers.items()}
    return [by_id[i] for i in ids]


def test_customers_behind_total_receivables_add_up_to_it_largest_first(book: Ledger) -> None:
    found = metric_contributors(metric="ar_total", as_of=AS_OF, scope=EVERYTHING)
    total = metric_evaluate(MetricRequest("ar_total", AS_OF), scope=EVERYTHING).value
    assert found.additive
    assert _names(book, [r.customer_id for r in found.rows]) == ["Acme", "Globex", "Initech"]
    assert [r.value for r in found.rows] == [Decimal("1250.00"), Decimal("1000.00"), Decimal(400)]
    assert found.total == total == Decimal("2650.00")


def test_customers_behind_one_aging_bucket_are_those_with_a_balance_in_it(book: Ledger) -> None:
    found = metric_contributors(
        metric="ar_by_bucket", as_of=AS_OF, filters={"bucket": ("61-90",)}, scope=EVERYTHING
    )
    (bucket,) = metric_query(
        metrics=["ar_by_bucket"],
        as_of=AS_OF,
        dims=["bucket"],
        filters={"bucket": ("61-90",)},
        scope=EVERYTHING,
    ).results
    assert _names(book, [r.customer_id for r in found.rows]) == ["Globex"]
    assert found.total == bucket.value == Decimal("700.00")


def test_without_a_bucket_a_customers_buckets_are_summed(book: Ledger) -> None:
    found = metric_contributors(metric="ar_by_bucket", as_of=AS_OF, scope=EVERYTHING)
    assert [r.value for r in found.rows] == [Decimal("1250.00"), Decimal("1000.00"), Decimal(400)]


def test_a_team_filter_keeps_the_other_teams_customers_out(book: Ledger) -> None:
    found = metric_contributors(
        metric="ar_total", as_of=AS_OF, filters={"team": ("South",)}, scope=EVERYTHING
    )
    assert _names(book, [r.customer_id for r in found.rows]) == ["Initech"]


def test_a_ratio_is_explained_by_each_customers_numerator_and_denominator(book: Ledger) -> None:
    found = metric_contributors(metric="pct_90_plus", as_of=AS_OF, scope=EVERYTHING)
    number = metric_evaluate(MetricRequest("pct_90_plus", AS_OF), scope=EVERYTHING).value
    assert not found.additive
    assert [c.label for c in found.columns] == ["Open over 90 days past due", "Open amount"]
    # Sorted by the numerator: only Globex has a balance more than 90 days past due.
    assert _names(book, [r.customer_id for r in found.rows])[0] == "Globex"
    assert found.rows[0].measures == (Decimal("300.00"), Decimal("1000.00"))
    assert found.rows[0].value == Decimal("30.00")
    over, open_amount = found.totals
    assert (over, open_amount) == (Decimal("300.00"), Decimal("2650.00"))
    assert number == round(over / open_amount * 100, 2)


def test_a_count_metric_counts_each_account_once(book: Ledger) -> None:
    found = metric_contributors(metric="accounts_90_plus", as_of=AS_OF, scope=EVERYTHING)
    assert _names(book, [r.customer_id for r in found.rows]) == ["Globex"]
    assert (
        found.total
        == metric_evaluate(MetricRequest("accounts_90_plus", AS_OF), scope=EVERYTHING).value
        == 1
    )
