"""Disputes: how often invoices are disputed and how long disputes take."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import INVOICE, LOWER, MEAN, PERCENT, MetricDef
from recoup.metrics.catalogue.measures import PERIOD_SALES
from recoup.metrics.plans import Plan, count_of, days_mean, percent, sum_of


def _dispute_rate(params: Mapping[str, str]) -> Plan:
    opened = count_of(("disputes_opened",), "disputes", label="Disputes opened")
    return percent(opened, count_of(PERIOD_SALES, "issued", label="Invoices issued"))


DISPUTE_RATE = MetricDef(
    "dispute_rate",
    "Dispute rate",
    "Disputes opened in the period per invoice issued in the period.",
    "disputes opened / invoices issued x 100",
    "percent",
    LOWER,
    INVOICE,
    is_flow=True,
    split=PERCENT,
    plan=_dispute_rate,
)


def _avg_dispute_days(params: Mapping[str, str]) -> Plan:
    r = ("disputes_resolved",)
    spent = sum_of(r, "dispute_days", "days", money=False, label="Days in dispute, summed")
    return days_mean(spent, count_of(r, "n_resolved", label="Disputes resolved"))


AVG_DISPUTE_DAYS = MetricDef(
    "avg_dispute_days",
    "Average days to resolve a dispute",
    "Mean days from opening to resolution of disputes resolved in the period.",
    "mean(resolved on - opened on)",
    "days",
    LOWER,
    INVOICE,
    is_flow=True,
    split=MEAN,
    plan=_avg_dispute_days,
)


METRICS: tuple[MetricDef, ...] = (
    DISPUTE_RATE,
    AVG_DISPUTE_DAYS,
)
