"""Readers of the ledger for pages. KPIs are not computed here: they belong to `recoup.metrics`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import Count, Max, Min, Model, Q, QuerySet, Sum
from django.utils import timezone

from recoup.accounts.access import AnyUser, user_sees_all_customers
from recoup.accounts.models import Role, Team, TeamMembership, User
from recoup.core.errors import NotFoundError
from recoup.core.money import Money
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


# --- Scoping: what a user may see of the ledger -------------------------------------------------
# Every page and API that lists customers or invoices starts from these querysets, so a
# collector's view is narrowed once, here, and never by a template hiding rows.


def _assignments_standing_on(on: date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )


def teams_visible_to(user: AnyUser) -> QuerySet[Team]:
    """All teams for admins, managers and viewers; a collector's own teams; none otherwise."""
    if user_sees_all_customers(user):
        return Team.objects.all()
    if isinstance(user, User) and user.is_active:
        return Team.objects.filter(memberships__user=user)
    return Team.objects.none()


def customers_visible_to(user: AnyUser, *, on: date | None = None) -> QuerySet[Customer]:
    """The customers `user` may see: everything, or for a collector their teams' debtors.

    A collector sees a customer when the assignment standing on `on` (default today) names one
    of the collector's teams, the collector, or a member of one of the collector's teams.
    Inactive and anonymous users see nothing.
    """
    if user_sees_all_customers(user):
        return Customer.objects.all()
    if not (isinstance(user, User) and user.is_active and user.role == Role.COLLECTOR):
        return Customer.objects.none()
    day = on if on is not None else timezone.localdate()
    team_ids = TeamMembership.objects.filter(user=user).values("team_id")
    teammate_ids = TeamMembership.objects.filter(team_id__in=team_ids).values("user_id")
    standing = _assignments_standing_on(day).filter(
        Q(team_id__in=team_ids) | Q(collector=user) | Q(collector_id__in=teammate_ids)
    )
    return Customer.objects.filter(id__in=standing.values("customer_id"))


def invoices_visible_to(user: AnyUser, *, on: date | None = None) -> QuerySet[Invoice]:
    """The invoices of the customers `user` may see (see `customers_visible_to`)."""
    if user_sees_all_customers(user):
        return Invoice.objects.all()
    return Invoice.objects.filter(customer_id__in=customers_visible_to(user, on=on).values("id"))


def customer_search(
    user: AnyUser, *, query: str = "", on: date | None = None
) -> QuerySet[Customer]:
    """Customers `user` may see whose name or external id contains `query`, with invoice counts."""
    customers = customers_visible_to(user, on=on)
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
    user: AnyUser, *, customer_id: int, on: date | None = None, limit: int = 200
) -> CustomerDetail:
    """One customer `user` may see, with its latest invoices, payments and assignment history.

    Raises `NotFoundError` both for a missing customer and for one outside the user's scope,
    so a page cannot be used to probe which customers exist.
    """
    customer = customers_visible_to(user, on=on).filter(pk=customer_id).first()
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
        parts.append(f"SELECT '{model._meta.db_table}', COUNT(*), MAX(id), {latest} FROM {table}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = sorted(cursor.fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]
