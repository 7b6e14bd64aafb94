"""The organisation's KPI variants: validated like a request's parameters, audited, and used
whenever a request leaves a parameter out."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.models import AuditEntry
from recoup.accounts.scope import Scope
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.models import MetricDefault, MetricSnapshot
from recoup.metrics.selectors import (
    ALL_METRICS,
    metric_defaults,
    metric_evaluate,
    metric_query,
)
from recoup.metrics.services import MetricDefaultsError, metric_defaults_set, snapshot_refresh
from tests.metrics.builder import Ledger

EVERYTHING = Scope.organisation("tests")

AS_OF = date(2026, 9, 30)


@pytest.fixture
def book(db: None) -> Ledger:
    """40.00 open 10 days past due and 60.00 open 45 days past due, as of 30 Sep 2026."""
    ledger = Ledger()
    ledger.invoice("Acme", "40.00", issued="2026-09-01", due="2026-09-20")
    ledger.invoice("Acme", "60.00", issued="2026-07-15", due="2026-08-16")
    return ledger


def test_a_default_is_stored_canonically_and_audited(db: None) -> None:
    changed = metric_defaults_set(values={"ar_by_bucket": {"buckets": " 15, 45,90 "}}, via="test")
    assert changed == ["ar_by_bucket"]
    assert metric_defaults() == {"ar_by_bucket": {"buckets": "15,45,90"}}
    entry = AuditEntry.objects.get(action="metric_defaults_set")
    assert (entry.object_id, entry.before, entry.after) == (
        "ar_by_bucket",
        {},
        {"buckets": "15,45,90"},
    )


def test_bucket_edges_that_do_not_increase_are_refused_and_nothing_is_saved(db: None) -> None:
    with pytest.raises(MetricDefaultsError) as raised:
        metric_defaults_set(
            values={"dso": {"window": "30"}, "ar_by_bucket": {"buckets": "30,30,90"}}
        )
    assert raised.value.errors == {
        "ar_by_bucket.buckets": "ar_by_bucket.buckets='30,30,90': bucket edges must be positive "
        "and ascending"
    }
    assert not MetricDefault.objects.exists()
    assert not AuditEntry.objects.filter(action="metric_defaults_set").exists()


def test_a_choice_outside_the_catalogue_and_an_unknown_parameter_are_refused(db: None) -> None:
    with pytest.raises(MetricDefaultsError) as raised:
        metric_defaults_set(values={"cei": {"sales_term": "weekly", "colour": "red"}})
    assert set(raised.value.errors) == {"cei.sales_term", "cei.colour"}
    assert "expected one of full, monthly" in raised.value.errors["cei.sales_term"]


def test_a_combination_the_compiler_refuses_is_refused_for_the_metric(db: None) -> None:
    # '1-30' is no bucket once the edges start at 15.
    with pytest.raises(MetricDefaultsError) as raised:
        metric_defaults_set(values={"roll_rate": {"buckets": "15,45"}})
    assert "from_bucket='1-30'" in raised.value.errors["roll_rate"]


def test_an_empty_value_removes_the_choice(db: None) -> None:
    assert metric_defaults_set(values={"dso": {"window": "30"}}) == ["dso"]
    assert metric_defaults_set(values={"dso": {"window": "30"}}) == []
    assert metric_defaults_set(values={"dso": {"window": ""}}) == ["dso"]
    assert metric_defaults() == {}


def test_an_organisation_wide_choice_serves_every_metric_that_takes_it(book: Ledger) -> None:
    metric_defaults_set(values={ALL_METRICS: {"current_days": "15"}})
    for metric in ("ar_current", "pct_current"):
        assert (
            metric_evaluate(MetricRequest(metric, AS_OF), scope=EVERYTHING).params["current_days"]
            == "15"
        )
    # A metric's own choice overrides the organisation-wide one.
    metric_defaults_set(values={"pct_current": {"current_days": "0"}})
    assert metric_evaluate(MetricRequest("pct_current", AS_OF), scope=EVERYTHING).value == Decimal(
        0
    )
    assert metric_evaluate(MetricRequest("ar_current", AS_OF), scope=EVERYTHING).value == Decimal(
        "40.00"
    )


def test_organisation_wide_edges_that_break_a_metrics_own_parameter_are_refused(
    db: None,
) -> None:
    # roll_rate and cure_rate follow balances from the bucket '1-30', which 15,45 edges remove.
    with pytest.raises(MetricDefaultsError) as raised:
        metric_defaults_set(values={ALL_METRICS: {"buckets": "15,45"}})
    assert set(raised.value.errors) == {"roll_rate", "cure_rate"}
    assert not MetricDefault.objects.exists()
    metric_defaults_set(values={ALL_METRICS: {"buckets": "15,45", "from_bucket": "1-15"}})
    assert metric_defaults() == {ALL_METRICS: {"buckets": "15,45", "from_bucket": "1-15"}}


def test_evaluation_uses_the_default_when_a_request_leaves_the_parameter_out(
    book: Ledger,
) -> None:
    assert metric_evaluate(MetricRequest("ar_current", AS_OF), scope=EVERYTHING).value == Decimal(0)
    metric_defaults_set(values={"ar_current": {"current_days": "15"}})
    found = metric_evaluate(MetricRequest("ar_current", AS_OF), scope=EVERYTHING)
    assert (found.value, found.params["current_days"]) == (Decimal("40.00"), "15")
    # An explicit parameter still wins.
    explicit = metric_evaluate(
        MetricRequest("ar_current", AS_OF, params={"current_days": "0"}), scope=EVERYTHING
    )
    assert explicit.value == Decimal(0)


def test_grouped_queries_use_the_default_bucket_edges(book: Ledger) -> None:
    metric_defaults_set(values={"ar_by_bucket": {"buckets": "20,60"}})
    rows = metric_query(metrics=["ar_by_bucket"], as_of=AS_OF, scope=EVERYTHING).results
    assert {r.dims["bucket"]: r.value for r in rows} == {
        "1-20": Decimal("40.00"),
        "21-60": Decimal("60.00"),
    }


def test_snapshots_store_the_variant_in_force_under_its_full_key(book: Ledger) -> None:
    metric_defaults_set(values={ALL_METRICS: {"current_days": "15"}})
    assert snapshot_refresh(metrics=["ar_current"], start=AS_OF, end=AS_OF) == 1
    stored = MetricSnapshot.objects.get(metric_id="ar_current")
    assert json.loads(stored.key)["params"] == {
        "anchor": "due",
        "buckets": "30,60,90,120",
        "current_days": "15",
    }
    assert stored.value_text == "40.00"
