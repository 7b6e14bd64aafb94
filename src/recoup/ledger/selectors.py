"""Readers of the ledger for pages. KPIs are not computed here: they belong to `recoup.metrics`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Min, Sum

from recoup.core.money import Money
from recoup.ledger.models import Activity, Customer, Invoice, Payment


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    invoiced: Money
    invoices: int


@dataclass(frozen=True, slots=True)
class LedgerOverview:
    customers: int
    invoices: int
    payments: int
    activities: int
    first_issue_date: date | None
    last_issue_date: date | None
    invoiced_by_currency: list[CurrencyTotal]


def ledger_overview() -> LedgerOverview:
    """Counts and date range of what the ledger holds: a health check, not a KPI."""
    span = Invoice.objects.aggregate(first=Min("issue_date"), last=Max("issue_date"))
    by_currency = [
        CurrencyTotal(Money(row["total"] or 0, row["currency"]), row["n"])
        for row in Invoice.objects.values("currency")
        .annotate(total=Sum("amount_minor"), n=Count("id"))
        .order_by("currency")
    ]
    return LedgerOverview(
        customers=Customer.objects.count(),
        invoices=Invoice.objects.count(),
        payments=Payment.objects.count(),
        activities=Activity.objects.count(),
        first_issue_date=span["first"],
        last_issue_date=span["last"],
        invoiced_by_currency=by_currency,
    )
