"""Sales and days sales outstanding: what was invoiced and collected, and how long it stays open."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import ibis.expr.types as ir

from recoup.metrics import formulas as f
from recoup.metrics.catalogue.base import (
    CURRENT,
    HIGHER,
    INVOICE,
    LOWER,
    PER_WINDOW,
    WINDOW,
    MetricDef,
    MetricInputError,
    Param,
    Split,
)
from recoup.metrics.catalogue.measures import (
    SETTLED,
    cash,
    current_amount,
    open_amount,
    period_sales,
    settled_count,
    window_sales,
)
from recoup.metrics.plans import (
    Plan,
    PointLike,
    Values,
    amount,
    days_mean,
    get,
    months_before,
    months_touched,
    sum_of,
)


def _credit_sales(params: Mapping[str, str]) -> Plan:
    return amount(period_sales())


CREDIT_SALES = MetricDef(
    "credit_sales",
    "Credit sales",
    "Amount invoiced in the period (by invoice date).",
    "sum(invoice amount where from <= invoice date <= to)",
    "money",
    HIGHER,
    INVOICE,
    is_flow=True,
    plan=_credit_sales,
)


def _cash_collected(params: Mapping[str, str]) -> Plan:
    return amount(cash())


CASH_COLLECTED = MetricDef(
    "cash_collected",
    "Cash collected",
    "Payments applied to invoices, by payment date, in the period.",
    "sum(allocated payment amount where from <= payment date <= to)",
    "money",
    HIGHER,
    INVOICE,
    is_flow=True,
    notes="Unapplied cash (payments not allocated to an invoice) is not counted.",
    plan=_cash_collected,
)


def _dso(params: Mapping[str, str]) -> Plan:
    w = int(params["window"])
    ar, sales = open_amount(params), window_sales(w)
    return Plan((ar, sales), lambda v, _p: f.dso(get(v, ar.name), get(v, sales.name), w), "days")


DSO = MetricDef(
    "dso",
    "Days sales outstanding",
    "Receivables as of the date divided by credit sales over the trailing window, times the "
    "window in days.",
    "ar_total(D) / credit_sales(D - window + 1 .. D) x window",
    "days",
    LOWER,
    INVOICE,
    (WINDOW,),
    split=PER_WINDOW,
    plan=_dso,
)


def _month_window(i: int) -> Callable[[ir.Table], ir.BooleanValue]:
    """Invoices of month i back: issued in (D - i months, D - (i-1) months]."""

    def where(t: ir.Table) -> ir.BooleanValue:
        upper = t.as_of if i == 1 else t[f"m{i - 1}"]
        return (t.issue_date > t[f"m{i}"]) & (t.issue_date <= upper)

    return where


def _dso_countback(params: Mapping[str, str]) -> Plan:
    k = int(params["lookback"])
    if not 1 <= k <= 120:
        raise MetricInputError(f"dso_countback.lookback={k}: expected 1 to 120 months")
    rel = ("sales", f"cb{k}")
    months = [
        sum_of(rel, f"cb{k}_{i}", "amount", _month_window(i), label=f"Sales, month {i} back")
        for i in range(1, k + 1)
    ]
    thirty = params["months"] == "30day"
    ar = open_amount(params)

    def countback(v: Values, p: PointLike) -> Decimal | None:
        sales = [get(v, m.name) for m in months]
        ends = [p.as_of] + [months_before(p.as_of, i) for i in range(1, k + 1)]
        lengths = [30 if thirty else (ends[i] - ends[i + 1]).days for i in range(k)]
        return f.dso_countback(get(v, ar.name), sales, lengths)

    return Plan((ar, *months), countback, "days", months_back=k)


DSO_COUNTBACK = MetricDef(
    "dso_countback",
    "Days sales outstanding, countback method",
    "Receivables are matched against the most recent months' credit sales, newest first: "
    "whole months count in full, the last one in proportion.",
    "sum(days of each fully absorbed month) + remaining AR / that month's sales x its days",
    "days",
    LOWER,
    INVOICE,
    (
        Param(
            "months",
            "calendar",
            "month length: real calendar days or 30-day months",
            ("calendar", "30day"),
        ),
        Param(
            "lookback",
            "24",
            "months of sales to look back at most",
            kind="int",
            minimum=1,
            maximum=120,
            unit="months",
        ),
    ),
    notes="Month k is (D - k months, D - (k-1) months]. If receivables exceed all sales in "
    "the lookback, the whole lookback is counted.",
    split=Split(
        "none",
        why="countback matches receivables against months of sales in turn, so its change "
        "has no exact split by group",
    ),
    plan=_dso_countback,
)


def _bpdso(params: Mapping[str, str]) -> Plan:
    w = int(params["window"])
    cur, sales = current_amount(params), window_sales(w)
    return Plan(
        (cur, sales), lambda v, _p: f.bpdso(get(v, cur.name), get(v, sales.name), w), "days"
    )


BPDSO = MetricDef(
    "bpdso",
    "Best possible DSO",
    "Current receivables divided by credit sales over the window, times the window.",
    "ar_current(D) / credit_sales(window) x window",
    "days",
    LOWER,
    INVOICE,
    (WINDOW, CURRENT),
    split=PER_WINDOW,
    plan=_bpdso,
)


def _add(params: Mapping[str, str]) -> Plan:
    if params["method"] == "invoice":
        late = sum_of(SETTLED, "late_days", "days_late", money=False, label="Days late, summed")
        return days_mean(late, settled_count())
    w = int(params["window"])
    ar, cur, sales = open_amount(params), current_amount(params), window_sales(w)

    def add(v: Values, _p: PointLike) -> Decimal | None:
        made = get(v, sales.name)
        return f.add(f.dso(get(v, ar.name), made, w), f.bpdso(get(v, cur.name), made, w))

    return Plan((ar, cur, sales), add, "days")


ADD = MetricDef(
    "add",
    "Average days delinquent",
    "DSO less best possible DSO; or, as the invoice-level variant, the mean days paid after "
    "the due date over invoices fully paid in the period.",
    "dso - bpdso  |  mean(max(0, paid date - due date))",
    "days",
    LOWER,
    INVOICE,
    (
        Param(
            "method",
            "dso_minus_bpdso",
            "dso_minus_bpdso, or invoice: mean days late of invoices paid in the period",
            ("dso_minus_bpdso", "invoice"),
        ),
        WINDOW,
        CURRENT,
    ),
    split=Split(
        "ratio",
        numerator=((0, 1), (1, -1)),
        denominator=((2, 1),),
        scale="window",
        only=(("method", "dso_minus_bpdso"),),
    ),
    plan=_add,
)


def _cei(params: Mapping[str, str]) -> Plan:
    begin, sales = open_amount(params, "begin"), period_sales()
    ar, cur = open_amount(params), current_amount(params)
    monthly = params["sales_term"] == "monthly"

    def cei(v: Values, p: PointLike) -> Decimal | None:
        made = get(v, sales.name)
        if monthly:
            made = made / months_touched(p.period_from, p.as_of)
        return f.cei(get(v, begin.name), made, get(v, ar.name), get(v, cur.name))

    return Plan((begin, sales, ar, cur), cei, "percent")


CEI = MetricDef(
    "cei",
    "Collection effectiveness index",
    "How much of what could have been collected in the period was collected.",
    "(begin AR + sales - end AR) / (begin AR + sales - end current AR) x 100",
    "percent",
    HIGHER,
    INVOICE,
    (
        Param(
            "sales_term",
            "full",
            "credit sales of the whole period, or divided by the number of months in it",
            ("full", "monthly"),
        ),
        CURRENT,
    ),
    is_flow=True,
    notes="Begin AR is AR at the day before `from`; months are calendar months touched by "
    "the period.",
    split=Split(
        "ratio",
        numerator=((0, 1), (1, 1), (2, -1)),
        denominator=((0, 1), (1, 1), (3, -1)),
        scale="100",
        only=(("sales_term", "full"),),
    ),
    plan=_cei,
)


METRICS: tuple[MetricDef, ...] = (
    CREDIT_SALES,
    CASH_COLLECTED,
    DSO,
    DSO_COUNTBACK,
    BPDSO,
    ADD,
    CEI,
)
