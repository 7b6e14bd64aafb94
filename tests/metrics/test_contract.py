"""The contract other apps code against: metric_definitions and metric_evaluate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.scope import Scope
from recoup.metrics.catalogue import CATALOGUE, MetricInputError
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.selectors import metric_definitions, metric_evaluate
from tests.metrics.builder import Ledger

EVERYTHING = Scope.organisation("tests")

PRODUCT_IDS = {
    "ar_total", "ar_current", "ar_overdue", "ar_by_bucket", "ar_90_plus", "pct_90_plus",
    "open_invoices_count", "accounts_90_plus", "pct_current", "credit_sales", "cash_collected",
    "dso", "dso_countback", "bpdso", "add", "cei", "avg_days_to_pay", "avg_days_late",
    "on_time_payment_rate", "delinquency_rate", "write_off_ratio", "recovery_rate",
    "liquidation_rate", "roll_rate", "cure_rate", "contact_rate", "rpc_rate", "ptp_rate",
    "promise_kept_rate", "call_to_promise_ratio", "first_call_resolution_rate", "dispute_rate",
    "avg_dispute_days", "cost_to_collect", "credit_approval_days",
    "credit_policy_compliance_rate", "over_limit_exposure",
}  # fmt: skip


def test_the_catalogue_declares_every_kpi_of_the_product_table_once() -> None:
    assert set(CATALOGUE) == PRODUCT_IDS


@pytest.mark.django_db
def test_metric_definitions_list_every_catalogue_metric_with_its_defaults() -> None:
    infos = {i.id: i for i in metric_definitions()}
    assert set(infos) >= PRODUCT_IDS
    assert infos["dso"].params == {"window": "90"}
    assert infos["cash_collected"].is_flow
    assert not infos["ar_total"].is_flow


@pytest.mark.django_db
def test_metric_evaluate_returns_ar_as_of_the_date_in_major_units() -> None:
    ledger = Ledger()
    ledger.customer("Acme", team="North")
    first = ledger.invoice("Acme", "100.00", issued="2024-01-05", due="2024-02-04")
    ledger.invoice("Acme", "50.25", issued="2024-03-01", due="2024-03-31")
    ledger.pay(first, "40.00", on="2024-02-10")
    value = metric_evaluate(
        MetricRequest("ar_total", date(2024, 2, 15)), engine="duckdb", scope=EVERYTHING
    )
    assert value.value == Decimal("60.00")
    assert value.unit == "money"
    assert value.data_as_of == date(2024, 3, 1)
    north = metric_evaluate(
        MetricRequest("ar_total", date(2024, 3, 31), filters={"team": ("North",)}), scope=EVERYTHING
    )
    assert north.value == Decimal("110.25")
    south = metric_evaluate(
        MetricRequest("ar_total", date(2024, 3, 31), filters={"team": ("South",)}), scope=EVERYTHING
    )
    assert south.value == Decimal("0.00")


@pytest.mark.django_db
def test_metric_evaluate_refuses_a_parameter_the_metric_does_not_take() -> None:
    with pytest.raises(MetricInputError, match="does not take parameter 'window'"):
        metric_evaluate(
            MetricRequest("ar_total", date(2024, 1, 1), params={"window": "30"}), scope=EVERYTHING
        )
