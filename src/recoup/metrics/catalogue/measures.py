"""Measures several families read: open amounts, credit sales, cash, paid invoices, activities.

Each is declared once with its name (the column the compiler computes) and its label (what the
"who is behind a number" accounts table calls it).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir

from recoup.metrics.compiler import Measure
from recoup.metrics.plans import count_of, open_rel, sum_of

SETTLED = ("settled",)
ACTIVITY = ("activity",)
PERIOD_SALES = ("sales", "period")


def current_days(params: Mapping[str, str]) -> int:
    return int(params.get("current_days", "0"))


def open_amount(params: Mapping[str, str], at: str = "as_of") -> Measure:
    if at == "begin":
        return sum_of(open_rel(params, at), "begin_ar", "open", label="Open at period start")
    return sum_of(open_rel(params, at), "ar", "open", label="Open amount")


def current_amount(params: Mapping[str, str]) -> Measure:
    cd = current_days(params)
    return sum_of(
        open_rel(params), f"cur_{cd}", "open", lambda t: t.dpd <= cd, label="Current amount"
    )


def overdue_amount(params: Mapping[str, str]) -> Measure:
    cd = current_days(params)
    return sum_of(
        open_rel(params), f"od_{cd}", "open", lambda t: t.dpd > cd, label="Overdue amount"
    )


def open_count(params: Mapping[str, str]) -> Measure:
    return count_of(open_rel(params), "n_open", label="Open invoices")


def period_sales() -> Measure:
    return sum_of(PERIOD_SALES, "sales", "amount", label="Sales in the period")


def window_sales(window: int) -> Measure:
    return sum_of(
        ("sales", window), f"sales_{window}", "amount", label=f"Sales, last {window} days"
    )


def cash() -> Measure:
    return sum_of(("cash",), "cash", "amount", label="Cash collected")


def settled_count() -> Measure:
    return count_of(SETTLED, "n_settled", label="Invoices paid")


def settled_amount() -> Measure:
    return sum_of(SETTLED, "settled_amount", "amount", label="Amount paid")


def outbound(t: ir.Table) -> ir.BooleanValue:
    return t.direction == "outbound"


def attempts() -> Measure:
    return count_of(ACTIVITY, "attempts", outbound, label="Outbound attempts")


def promises() -> Measure:
    return count_of(ACTIVITY, "promises", lambda t: t.outcome == "promise", label="Promises")
