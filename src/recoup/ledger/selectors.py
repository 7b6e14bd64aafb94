"""Readers of the ledger for pages. KPIs are not computed here: they belong to `recoup.metrics`."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import Count, Max, Min, Model, Q, QuerySet, Sum
from django.utils import timezone

from recoup.accounts.models import Team, TeamMembership, User
from recoup.accounts.scope import Scope
from recoup.core.errors import NotFoundError
from recoup.core.money import Money
from recoup.core.sql import lit
from recoup.ledger.models import Activity, Assignment, Customer, Invoice, Payment


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


def ledger_overview(scope: Scope) -> LedgerOverview:
    """Counts and date range of what the ledger holds within `scope` (a collector's book
    today): a health check, not a KPI."""
    invoices = invoices_in_scope(scope)
    span = invoices.aggregate(first=Min("issue_date"), last=Max("issue_date"))
    by_currency = [
        CurrencyTotal(Money(row["total"] or 0, row["currency"]), row["n"])
        for row in invoices.values("currency")
        .annotate(total=Sum("amount_minor"), n=Count("id"))
        .order_by("currency")
    ]
    if scope.sees_all:
        payments, activities = Payment.objects.all(), Activity.objects.all()
    else:
        book = customers_in_scope(scope).values("id")
        payments = Payment.objects.filter(customer_id__in=book)
        activities = Activity.objects.filter(customer_id__in=book)
    return LedgerOverview(
        customers=customers_in_scope(scope).count(),
        invoices=invoices.count(),
        payments=payments.count(),
        activities=activities.count(),
        first_issue_date=span["first"],
        last_issue_date=span["last"],
        invoiced_by_currency=by_currency,
    )


# --- Scoping: what a scope may see of the ledger ------------------------------------------------
# Every page and API that lists customers or invoices starts from these querysets, so a
# collector's view is narrowed once, here, by the rule of `recoup.accounts.scope` (which the KPI
# compiler applies in SQL too), and never by a template hiding rows.


def _assignments_standing_on(on: date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )


def customer_team_on(customer_id: int, on: date) -> int | None:
    """The id of the team the customer was assigned to on `on`, if any."""
    return (
        _assignments_standing_on(on)
        .filter(customer_id=customer_id)
        .values_list("team_id", flat=True)
        .first()
    )


def teams_in_scope(scope: Scope) -> QuerySet[Team]:
    """Every team for a scope that sees everything; otherwise the scope's own teams."""
    if scope.sees_all:
        return Team.objects.all()
    return Team.objects.filter(id__in=scope.team_ids)


def customer_names(ids: Collection[str]) -> dict[str, str]:
    """Customers' names by id (as text, the audit log's item ids), for the Audit page."""
    wanted = [int(i) for i in ids if i.isdigit()]
    rows = Customer.objects.filter(pk__in=wanted).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


def customers_in_scope(scope: Scope, *, on: date | None = None) -> QuerySet[Customer]:
    """The customers `scope` may see: everything, or its book on `on` (default today): the
    customers whose assignment standing that day names one of its teams or collectors."""
    if not isinstance(scope, Scope):
        raise TypeError(f"a ledger reader needs a Scope, got {type(scope).__name__}")
    if scope.sees_all:
        return Customer.objects.all()
    if scope.is_empty:
        return Customer.objects.none()
    day = on if on is not None else timezone.localdate()
    standing = _assignments_standing_on(day).filter(
        Q(team_id__in=scope.team_ids) | Q(collector_id__in=scope.collector_ids)
    )
    return Customer.objects.filter(id__in=standing.values("customer_id"))


def invoices_in_scope(scope: Scope, *, on: date | None = None) -> QuerySet[Invoice]:
    """The invoices of the customers `scope` may see (see `customers_in_scope`)."""
    if scope.sees_all:
        return Invoice.objects.all()
    return Invoice.objects.filter(customer_id__in=customers_in_scope(scope, on=on).values("id"))


def customer_search(scope: Scope, *, query: str = "", on: date | None = None) -> QuerySet[Customer]:
    """Customers `scope` may see whose name or external id contains `query`, with invoice counts."""
    customers = customers_in_scope(scope, on=on)
    if query:
        customers = customers.filter(Q(name__icontains=query) | Q(external_id__icontains=query))
    return customers.annotate(invoice_count=Count("invoices")).order_by("name", "id")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    external_id: str
    issue_date: date
    due_date: date
    amount: Money
    description: str


@dataclass(frozen=True, slots=True)
class PaymentRow:
    external_id: str
    received_on: date
    amount: Money
    method: str


@dataclass(frozen=True, slots=True)
class CustomerDetail:
    customer: Customer
    invoices: list[InvoiceRow]
    payments: list[PaymentRow]
    assignments: list[Assignment]


def customer_detail(
    scope: Scope, *, customer_id: int, on: date | None = None, limit: int = 200
) -> CustomerDetail:
    """One customer `scope` may see, with its latest invoices, payments and assignment history.

    Raises `NotFoundError` both for a missing customer and for one outside the user's scope,
    so a page cannot be used to probe which customers exist.
    """
    customer = customers_in_scope(scope, on=on).filter(pk=customer_id).first()
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    return CustomerDetail(
        customer=customer,
        invoices=[
            InvoiceRow(
                i.external_id,
                i.issue_date,
                i.due_date,
                Money(i.amount_minor, i.currency),
                i.description,
            )
            for i in customer.invoices.order_by("-issue_date", "-id")[:limit]
        ],
        payments=[
            PaymentRow(p.external_id, p.received_on, Money(p.amount_minor, p.currency), p.method)
            for p in customer.payments.order_by("-received_on", "-id")[:limit]
        ],
        assignments=list(
            customer.assignments.select_related("collector", "team").order_by("-valid_from")
        ),
    )


# --- Change detection ---------------------------------------------------------------------------


def _fingerprinted_models() -> list[type[Model]]:
    # Every table a KPI reads, plus the names dimensions show (teams, users, memberships).
    return [*apps.get_app_config("ledger").get_models(), Team, TeamMembership, User]


def ledger_fingerprint() -> str:
    """A short text that changes whenever the ledger changes: rows added, changed or deleted.

    One query of row count, highest id and latest change time per table, so pages can cache what
    they computed from the ledger and know when it went stale.
    """
    parts = []
    for model in _fingerprinted_models():
        table = connection.ops.quote_name(model._meta.db_table)
        stamped = any(f.name == "updated_at" for f in model._meta.get_fields())
        latest = "MAX(updated_at)" if stamped else "NULL"
        name = lit(model._meta.db_table)
        parts.append(f"SELECT {name}, COUNT(*), MAX(id), {latest} FROM {table}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = sorted(cursor.fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]
