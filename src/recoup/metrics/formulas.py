"""The KPI formulas over plain numbers, exact in `Decimal`.

The engines compute sums and counts; these functions turn them into the numbers people read. They
are the only place a formula is written, so the worked examples test exactly what the product shows.
Every function returns None where the number is undefined (a zero denominator).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)


def round2(value: Decimal | None) -> Decimal | None:
    """Days, percentages and ratios are shown with 2 decimals, rounded half to even."""
    return None if value is None else value.quantize(TWO_PLACES, rounding=ROUND_HALF_EVEN)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else Decimal(numerator) / Decimal(denominator)


def percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    share = ratio(numerator, denominator)
    return None if share is None else share * HUNDRED


def dso(ar: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Simple DSO: receivables over credit sales of the window, times the window's days."""
    share = ratio(ar, credit_sales)
    return None if share is None else share * days


def bpdso(current_ar: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    return dso(current_ar, credit_sales, days)


def add(dso_days: Decimal | None, bpdso_days: Decimal | None) -> Decimal | None:
    """Average days delinquent as DSO less best possible DSO."""
    if dso_days is None or bpdso_days is None:
        return None
    return dso_days - bpdso_days


def dso_countback(
    ar: Decimal, monthly_sales: Sequence[Decimal], month_days: Sequence[int]
) -> Decimal | None:
    """Countback DSO: `monthly_sales[0]` is the most recent month, `month_days[k]` its length.

    Whole months are counted while receivables exceed their sales; the month that absorbs the
    rest counts in proportion. When no month has sales the number is undefined.
    """
    if not any(monthly_sales):
        return None
    remaining = Decimal(ar)
    days = Decimal(0)
    for sales, length in zip(monthly_sales, month_days, strict=True):
        if remaining <= 0:
            break
        if sales <= 0:
            days += length
            continue
        if remaining > sales:
            days += length
            remaining -= sales
        else:
            days += remaining / sales * length
            remaining = Decimal(0)
    return days


def cei(
    begin_ar: Decimal, credit_sales: Decimal, end_ar: Decimal, end_current_ar: Decimal
) -> Decimal | None:
    """Collection effectiveness index, in percent."""
    collectable = begin_ar + credit_sales - end_current_ar
    return percent(begin_ar + credit_sales - end_ar, collectable)


def mean(total: Decimal, count: Decimal) -> Decimal | None:
    return ratio(total, count)


def roll_rate(balance_moved: Decimal, balance_before: Decimal) -> Decimal | None:
    return percent(balance_moved, balance_before)
