"""Snapshots recomputed from the earliest changed date; custom metrics; the incremental sync."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.models import Team
from recoup.accounts.scope import Scope
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.engines import DuckDBEngine
from recoup.metrics.evaluate import Point, Spec, evaluate
from recoup.metrics.models import CustomAggregation, MetricSnapshot
from recoup.metrics.selectors import metric_definitions, metric_evaluate
from recoup.metrics.services import (
    custom_metric_define,
    custom_value_record,
    snapshot_refresh,
    snapshot_refresh_changed,
)
from tests.metrics.builder import Ledger

EVERYTHING = Scope.organisation("tests")

pytestmark = pytest.mark.django_db


def _snapshots() -> dict[date, str]:
    return dict(MetricSnapshot.objects.filter(metric_id="ar_total").values_list("on", "value_text"))


def test_a_back_dated_payment_recomputes_snapshots_from_its_date() -> None:
    ledger = Ledger()
    invoice = ledger.invoice("Acme", "100.00", issued="2024-03-01", due="2024-03-31")
    engine = DuckDBEngine(":memory:")
    engine.sync()
    assert snapshot_refresh(metrics=["ar_total"], start=date(2024, 3, 1), end=date(2024, 3, 5)) == 5
    assert set(_snapshots().values()) == {"100.00"}
    ledger.pay(invoice, "30.00", on="2024-03-03")  # arrives later, dated in the past
    report = engine.sync()
    assert report.earliest_changed == date(2024, 3, 3)
    assert report.tables == {"ledger_payment": 1, "ledger_allocation": 1}
    assert snapshot_refresh_changed(earliest_changed=report.earliest_changed) == 3
    assert _snapshots() == {
        date(2024, 3, 1): "100.00",
        date(2024, 3, 2): "100.00",
        date(2024, 3, 3): "70.00",
        date(2024, 3, 4): "70.00",
        date(2024, 3, 5): "70.00",
    }
    assert MetricSnapshot.objects.filter(data_as_of=date(2024, 3, 3)).count() == 3


def test_the_incremental_sync_reads_only_changes_and_notices_deletions() -> None:
    ledger = Ledger()
    first = ledger.invoice("Acme", "10.00", issued="2024-01-01", due="2024-01-31")
    engine = DuckDBEngine(":memory:")
    engine.sync()
    assert engine.sync().rows == 0
    ledger.invoice("Acme", "5.00", issued="2024-01-02", due="2024-02-01")
    assert engine.sync().tables == {"ledger_invoice": 1}
    first.delete()
    report = engine.sync()
    assert "ledger_invoice" in report.reloaded
    (result,) = evaluate(engine, [Spec("ar_total")], [Point.at(date(2024, 2, 1))], book=None)
    assert result.value == Decimal("5.00")


def test_custom_metrics_are_listed_and_evaluated_per_team() -> None:
    north = Team.objects.create(name="North")
    custom_metric_define(metric_id="qa_score", title="QA score", unit="points")
    custom_value_record(metric_id="qa_score", on=date(2024, 3, 1), value="81.5")
    custom_value_record(metric_id="qa_score", on=date(2024, 3, 8), value="84")
    custom_value_record(metric_id="qa_score", on=date(2024, 3, 8), value="90", team=north)
    assert "qa_score" in {m.id for m in metric_definitions()}
    latest = metric_evaluate(MetricRequest("qa_score", date(2024, 3, 5)), scope=EVERYTHING)
    assert (latest.value, latest.unit, latest.data_as_of) == (
        Decimal("81.5"),
        "points",
        date(2024, 3, 1),
    )
    team = metric_evaluate(
        MetricRequest("qa_score", date(2024, 3, 31), filters={"team": ("North",)}), scope=EVERYTHING
    )
    assert team.value == Decimal("90")
    custom_metric_define(
        metric_id="invoices_per_hour",
        title="Invoices processed per hour",
        aggregation=CustomAggregation.MEAN,
    )
    for day, value in ((4, "10"), (5, "14")):
        custom_value_record(metric_id="invoices_per_hour", on=date(2024, 3, day), value=value)
    mean = metric_evaluate(MetricRequest("invoices_per_hour", date(2024, 3, 31)), scope=EVERYTHING)
    assert mean.value == Decimal("12")
