"""Aging: what is open on a day, how far past due, and who owes it."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import (
    AGED,
    ANCHOR,
    BUCKETS,
    CURRENT,
    DAYS_90,
    HIGHER,
    LOWER,
    PERCENT,
    MetricDef,
    Param,
)
from recoup.metrics.catalogue.measures import (
    current_amount,
    open_amount,
    open_count,
    overdue_amount,
)
from recoup.metrics.compiler import Measure
from recoup.metrics.plans import Plan, amount, count, open_rel, percent, sum_of, value


def _ar_total(params: Mapping[str, str]) -> Plan:
    return amount(open_amount(params))


AR_TOTAL = MetricDef(
    "ar_total",
    "Total receivables",
    "Open receivables as of the date: invoice amounts less payments and adjustments dated on "
    "or before it.",
    "sum(open amount of invoices issued on or before D)",
    "money",
    LOWER,
    AGED,
    (ANCHOR, BUCKETS),
    plan=_ar_total,
)


def _ar_current(params: Mapping[str, str]) -> Plan:
    return amount(current_amount(params))


AR_CURRENT = MetricDef(
    "ar_current",
    "Current receivables",
    "Open receivables not past due (or at most `current_days` past due).",
    "sum(open amount where D - due date <= current_days)",
    "money",
    HIGHER,
    AGED,
    (CURRENT, ANCHOR, BUCKETS),
    plan=_ar_current,
)


def _ar_overdue(params: Mapping[str, str]) -> Plan:
    return amount(overdue_amount(params))


AR_OVERDUE = MetricDef(
    "ar_overdue",
    "Overdue receivables",
    "Open receivables past due (more than `current_days` past due).",
    "sum(open amount where D - due date > current_days)",
    "money",
    LOWER,
    AGED,
    (CURRENT, ANCHOR, BUCKETS),
    plan=_ar_overdue,
)


def _ar_by_bucket(params: Mapping[str, str]) -> Plan:
    if params["measure"] == "count":
        n_open = open_count(params)
        return Plan((n_open,), value(n_open.name), "count", extra_dims=("bucket",))
    ar = open_amount(params)
    return Plan((ar,), value(ar.name), "money", money=True, extra_dims=("bucket",))


AR_BY_BUCKET = MetricDef(
    "ar_by_bucket",
    "Receivables by aging bucket",
    "Open amount (or number of open invoices) per aging bucket: current, 1-30, 31-60, 61-90, "
    "91-120, 120+ by default. Always grouped by bucket.",
    "sum(open amount) or count(open invoices) grouped by bucket(D - anchor date)",
    "money",
    LOWER,
    AGED,
    (Param("measure", "amount", "amount or count", ("amount", "count")), ANCHOR, BUCKETS),
    notes="With measure=count the unit is count.",
    plan=_ar_by_bucket,
)


def _over(params: Mapping[str, str]) -> Measure:
    days = int(params["days"])
    return sum_of(
        open_rel(params),
        f"over_{days}",
        "open",
        lambda t: t.dpd > days,
        label=f"Open over {days} days past due",
    )


def _ar_90_plus(params: Mapping[str, str]) -> Plan:
    return amount(_over(params))


AR_90_PLUS = MetricDef(
    "ar_90_plus",
    "Receivables more than 90 days past due",
    "Open balance more than `days` days past due.",
    "sum(open amount where D - due date > days)",
    "money",
    LOWER,
    AGED,
    (DAYS_90, ANCHOR, BUCKETS),
    plan=_ar_90_plus,
)


def _pct_90_plus(params: Mapping[str, str]) -> Plan:
    return percent(_over(params), open_amount(params))


PCT_90_PLUS = MetricDef(
    "pct_90_plus",
    "Share of receivables more than 90 days past due",
    "ar_90_plus as a percentage of ar_total.",
    "ar_90_plus / ar_total x 100",
    "percent",
    LOWER,
    AGED,
    (DAYS_90, ANCHOR, BUCKETS),
    split=PERCENT,
    plan=_pct_90_plus,
)


def _open_invoices_count(params: Mapping[str, str]) -> Plan:
    return count(open_count(params))


OPEN_INVOICES_COUNT = MetricDef(
    "open_invoices_count",
    "Open invoices",
    "Number of invoices with an open amount as of the date.",
    "count(invoices with open amount > 0)",
    "count",
    LOWER,
    AGED,
    (ANCHOR, BUCKETS),
    plan=_open_invoices_count,
)


def _accounts_90_plus(params: Mapping[str, str]) -> Plan:
    days = int(params["days"])
    # Distinct customers do not add up across currencies: one query over all of them.
    accounts = Measure(
        open_rel(params),
        f"acc_{days}",
        lambda t: t.customer_id.nunique(where=t.dpd > days),
        additive=False,
        label=f"Accounts over {days} days past due",
    )
    return count(accounts)


ACCOUNTS_90_PLUS = MetricDef(
    "accounts_90_plus",
    "Accounts more than 90 days past due",
    "Number of customers with any open invoice more than `days` days past due.",
    "count(distinct customer with an open invoice where D - due date > days)",
    "count",
    LOWER,
    AGED,
    (DAYS_90, ANCHOR, BUCKETS),
    plan=_accounts_90_plus,
)


def _pct_current(params: Mapping[str, str]) -> Plan:
    return percent(current_amount(params), open_amount(params))


PCT_CURRENT = MetricDef(
    "pct_current",
    "Percent current",
    "Current receivables as a percentage of total receivables.",
    "ar_current / ar_total x 100",
    "percent",
    HIGHER,
    AGED,
    (CURRENT, ANCHOR, BUCKETS),
    split=PERCENT,
    plan=_pct_current,
)


METRICS: tuple[MetricDef, ...] = (
    AR_TOTAL,
    AR_CURRENT,
    AR_OVERDUE,
    AR_BY_BUCKET,
    AR_90_PLUS,
    PCT_90_PLUS,
    OPEN_INVOICES_COUNT,
    ACCOUNTS_90_PLUS,
    PCT_CURRENT,
)
