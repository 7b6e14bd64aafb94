"""Credit: decisions on credit applications and balances above credit limits."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import (
    CUSTOMER,
    HIGHER,
    LOWER,
    MEAN,
    PERCENT,
    MetricDef,
)
from recoup.metrics.compiler import Measure
from recoup.metrics.plans import Plan, amount, count_of, days_mean, percent, sum_of

CREDIT = ("credit",)


def _decisions() -> Measure:
    return count_of(CREDIT, "decisions", label="Credit decisions")


def _credit_approval_days(params: Mapping[str, str]) -> Plan:
    waited = sum_of(CREDIT, "decision_days", "days", money=False, label="Days to decide, summed")
    return days_mean(waited, _decisions())


CREDIT_APPROVAL_DAYS = MetricDef(
    "credit_approval_days",
    "Credit approval time",
    "Mean days from credit application to decision, for decisions made in the period.",
    "mean(decided on - applied on)",
    "days",
    LOWER,
    ("segment", "country"),
    is_flow=True,
    split=MEAN,
    plan=_credit_approval_days,
)


def _credit_policy_compliance_rate(params: Mapping[str, str]) -> Plan:
    clean = count_of(CREDIT, "clean", lambda t: ~t.exception, label="Decisions without exception")
    return percent(clean, _decisions())


CREDIT_POLICY_COMPLIANCE_RATE = MetricDef(
    "credit_policy_compliance_rate",
    "Credit policy compliance",
    "Share of credit decisions made in the period without a policy exception.",
    "decisions without exception / decisions x 100",
    "percent",
    HIGHER,
    ("segment", "country"),
    is_flow=True,
    split=PERCENT,
    plan=_credit_policy_compliance_rate,
)


def _over_limit_exposure(params: Mapping[str, str]) -> Plan:
    return amount(sum_of(("overlimit",), "exposure", "exposure", label="Over-limit exposure"))


OVER_LIMIT_EXPOSURE = MetricDef(
    "over_limit_exposure",
    "Over-limit exposure",
    "Open balance above customers' credit limits, summed over customers.",
    "sum over customers(max(0, open balance - credit limit))",
    "money",
    LOWER,
    (*CUSTOMER, "currency"),
    notes="Each customer's balance is compared with the limit in the limit's currency; open "
    "invoices in other currencies do not count towards it.",
    plan=_over_limit_exposure,
)


METRICS: tuple[MetricDef, ...] = (
    CREDIT_APPROVAL_DAYS,
    CREDIT_POLICY_COMPLIANCE_RATE,
    OVER_LIMIT_EXPOSURE,
)
