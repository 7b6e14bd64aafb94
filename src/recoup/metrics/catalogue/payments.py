"""Payments: how customers pay, on time, late or not at all."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import (
    AGED,
    ANCHOR,
    BUCKETS,
    BY_AMOUNT,
    CURRENT,
    HIGHER,
    INVOICE,
    LOWER,
    MEAN,
    PERCENT,
    WEIGHTED,
    MetricDef,
)
from recoup.metrics.catalogue.measures import (
    SETTLED,
    current_days,
    open_amount,
    open_count,
    overdue_amount,
    period_sales,
    settled_amount,
    settled_count,
)
from recoup.metrics.compiler import Measure
from recoup.metrics.plans import Plan, PlanFn, count_of, days_mean, open_rel, percent, sum_of


def _mean_days(col: str, *, summed: str, weighted: str) -> PlanFn:
    """Mean of `col` over invoices paid in the period, or weighted by their amounts."""

    def plan(params: Mapping[str, str]) -> Plan:
        if params["weighted"] == "true":
            by_amount = Measure(
                SETTLED,
                f"w_{col}",
                lambda t: (t[col] * t.amount).sum().fill_null(0),
                money=True,
                label=weighted,
            )
            return days_mean(by_amount, settled_amount())
        total = sum_of(SETTLED, f"sum_{col}", col, money=False, label=summed)
        return days_mean(total, settled_count())

    return plan


AVG_DAYS_TO_PAY = MetricDef(
    "avg_days_to_pay",
    "Average days to pay",
    "Mean days from invoice date to full payment, over invoices fully paid in the period.",
    "mean(date of last payment - invoice date)",
    "days",
    LOWER,
    INVOICE,
    (WEIGHTED,),
    is_flow=True,
    notes="An invoice is fully paid when payments plus credit notes and discounts reach its "
    "amount; write-offs do not count as payment.",
    split=MEAN,
    plan=_mean_days(
        "days_to_pay", summed="Days to pay, summed", weighted="Amount-weighted days to pay"
    ),
)


AVG_DAYS_LATE = MetricDef(
    "avg_days_late",
    "Average days late",
    "Mean days paid after the due date (0 when paid on time), over invoices fully paid in the "
    "period.",
    "mean(max(0, date of last payment - due date))",
    "days",
    LOWER,
    INVOICE,
    (WEIGHTED,),
    is_flow=True,
    split=MEAN,
    plan=_mean_days("days_late", summed="Days late, summed", weighted="Amount-weighted days late"),
)


def _on_time_payment_rate(params: Mapping[str, str]) -> Plan:
    if params["by"] == "count":
        ok = count_of(SETTLED, "n_on_time", lambda t: t.on_time, label="Invoices paid on time")
        return percent(ok, settled_count())
    ok_amount = sum_of(
        SETTLED, "on_time_amount", "amount", lambda t: t.on_time, label="Amount paid on time"
    )
    return percent(ok_amount, settled_amount())


ON_TIME_PAYMENT_RATE = MetricDef(
    "on_time_payment_rate",
    "On-time payment rate",
    "Share of invoices fully paid in the period that were paid by their due date.",
    "paid by due date / paid in period x 100",
    "percent",
    HIGHER,
    INVOICE,
    (BY_AMOUNT,),
    is_flow=True,
    split=PERCENT,
    plan=_on_time_payment_rate,
)


def _delinquency_rate(params: Mapping[str, str]) -> Plan:
    if params["by"] == "count":
        cd = current_days(params)
        n_od = count_of(
            open_rel(params), f"n_od_{cd}", lambda t: t.dpd > cd, label="Overdue invoices"
        )
        return percent(n_od, open_count(params))
    return percent(overdue_amount(params), open_amount(params))


DELINQUENCY_RATE = MetricDef(
    "delinquency_rate",
    "Delinquency rate",
    "Past-due share of open receivables, by amount or by number of invoices.",
    "ar_overdue / ar_total x 100  |  overdue invoices / open invoices x 100",
    "percent",
    LOWER,
    AGED,
    (BY_AMOUNT, CURRENT, ANCHOR, BUCKETS),
    split=PERCENT,
    plan=_delinquency_rate,
)


def _write_off_ratio(params: Mapping[str, str]) -> Plan:
    written_off = sum_of(("writeoff",), "written_off", "amount", label="Written off")
    return percent(written_off, period_sales())


WRITE_OFF_RATIO = MetricDef(
    "write_off_ratio",
    "Write-off (bad-debt) ratio",
    "Amount written off in the period as a percentage of credit sales in the period.",
    "write-offs(period) / credit_sales(period) x 100",
    "percent",
    LOWER,
    INVOICE,
    is_flow=True,
    split=PERCENT,
    plan=_write_off_ratio,
)


METRICS: tuple[MetricDef, ...] = (
    AVG_DAYS_TO_PAY,
    AVG_DAYS_LATE,
    ON_TIME_PAYMENT_RATE,
    DELINQUENCY_RATE,
    WRITE_OFF_RATIO,
)
