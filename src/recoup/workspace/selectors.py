"""Readers of the workspace: one account as a page shows it, and the dispute queue.

Every reader takes a `Scope` and finds debtors through `recoup.ledger.selectors`, so an account
outside the reader's book is "not found", exactly as on the ledger's pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from recoup.accounts.names import person_name
from recoup.accounts.scope import Scope
from recoup.core.errors import NotFoundError
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Adjustment,
    AdjustmentKind,
    Allocation,
    Assignment,
    ContactPoint,
    Customer,
    Dispute,
    DisputeStatus,
    Invoice,
    PaymentPlan,
    Placement,
    PromiseToPay,
)
from recoup.ledger.selectors import customers_in_scope
from recoup.workspace.models import AccountFlag, CallBack
from recoup.workspace.policy import Aging, aging
from recoup.workspace.rules import Restriction, restrictions_of

INVOICES_SHOWN = 50
PROMISES_SHOWN = 10


def account_customer(scope: Scope, *, customer_id: int) -> Customer:
    """The customer `scope` may see, or NotFoundError (also for one outside the book, so that a
    page cannot be used to probe which debtors exist)."""
    customer = customers_in_scope(scope).filter(pk=customer_id).first()
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    return customer


@dataclass(frozen=True, slots=True)
class BucketBalance:
    label: str
    amount: Money
    invoices: int


@dataclass(frozen=True, slots=True)
class CurrencyBalance:
    currency: str
    total: Money
    overdue: Money
    buckets: list[BucketBalance]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: int
    external_id: str
    issue_date: date
    due_date: date
    amount: Money
    open: Money
    state: str  # open, partly_paid, paid, disputed, placed, written_off
    days_past_due: int

    @property
    def state_label(self) -> str:
        return INVOICE_STATES[self.state]


INVOICE_STATES = {
    "open": "Open",
    "partly_paid": "Partly paid",
    "paid": "Paid",
    "disputed": "Disputed",
    "placed": "Placed",
    "written_off": "Written off",
}


def _invoice_state(*, amount: int, open_minor: int, disputed: bool, placed: bool, w_o: bool) -> str:
    if open_minor > 0 and disputed:
        return "disputed"
    if open_minor > 0 and placed:
        return "placed"
    if open_minor <= 0:
        return "written_off" if w_o else "paid"
    return "partly_paid" if open_minor < amount else "open"


def _invoices_with_balance(customer: Customer, today: date) -> QuerySet[Invoice]:
    """The customer's invoices with what is open on `today`: the amount less the allocations of
    payments received and the adjustments effective on or before it (the KPI engine's rule)."""
    paid = (
        Allocation.objects.filter(invoice=OuterRef("pk"), payment__received_on__lte=today)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    adjusted = (
        Adjustment.objects.filter(invoice=OuterRef("pk"), effective_on__lte=today)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return Invoice.objects.filter(customer=customer).annotate(
        paid_minor=Coalesce(Subquery(paid), 0),
        adjusted_minor=Coalesce(Subquery(adjusted), 0),
        written_off=Exists(
            Adjustment.objects.filter(
                invoice=OuterRef("pk"), kind=AdjustmentKind.WRITE_OFF, effective_on__lte=today
            )
        ),
        disputed=Exists(
            Dispute.objects.filter(invoice=OuterRef("pk"), opened_on__lte=today)
            .exclude(status=DisputeStatus.RESOLVED)
            .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=today))
        ),
        placed=Exists(
            Placement.objects.filter(invoice=OuterRef("pk"), placed_on__lte=today).filter(
                Q(recalled_on__isnull=True) | Q(recalled_on__gt=today)
            )
        ),
    )


def _line(invoice: Invoice, today: date) -> InvoiceLine:
    open_minor = invoice.amount_minor - invoice.paid_minor - invoice.adjusted_minor  # type: ignore[attr-defined]
    return InvoiceLine(
        id=invoice.pk,
        external_id=invoice.external_id,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=Money(invoice.amount_minor, invoice.currency),
        open=Money(max(open_minor, 0), invoice.currency),
        state=_invoice_state(
            amount=invoice.amount_minor,
            open_minor=open_minor,
            disputed=invoice.disputed,  # type: ignore[attr-defined]
            placed=invoice.placed,  # type: ignore[attr-defined]
            w_o=invoice.written_off,  # type: ignore[attr-defined]
        ),
        days_past_due=(today - invoice.due_date).days,
    )


def _balances(lines: list[InvoiceLine], today: date, buckets: Aging) -> list[CurrencyBalance]:
    """Open balance by currency and aging bucket; every bucket shown, empty ones at zero."""
    per: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for line in lines:
        if line.open.minor <= 0 or line.issue_date > today:
            continue
        anchor = line.due_date if buckets.anchor == "due" else line.issue_date
        label = buckets.label_of((today - anchor).days)
        cell = per[line.open.currency].setdefault(label, [0, 0])
        cell[0] += line.open.minor
        cell[1] += 1
    balances = []
    for currency in sorted(per):
        cells = per[currency]
        total = sum(minor for minor, _ in cells.values())
        overdue = sum(
            line.open.minor
            for line in lines
            if line.open.currency == currency
            and line.open.minor > 0
            and line.issue_date <= today
            and line.due_date < today
        )
        balances.append(
            CurrencyBalance(
                currency=currency,
                total=Money(total, currency),
                overdue=Money(overdue, currency),
                buckets=[
                    BucketBalance(
                        label,
                        Money(cells.get(label, [0, 0])[0], currency),
                        cells.get(label, [0, 0])[1],
                    )
                    for label in buckets.labels
                ],
            )
        )
    return balances


def _state_order(line: InvoiceLine) -> tuple[int, int, int]:
    # Open items first, oldest due first; then settled ones, newest first.
    if line.open.minor > 0:
        return (0, line.due_date.toordinal(), line.id)
    return (1, -line.issue_date.toordinal(), -line.id)


@dataclass(frozen=True, slots=True)
class OpenDispute:
    dispute: Dispute
    owner_name: str
    deadline: date | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Account:
    customer: Customer
    today: date
    aging: Aging
    balances: list[CurrencyBalance]
    invoices: list[InvoiceLine]
    invoice_count: int
    open_invoices: list[InvoiceLine]
    currencies: list[str]
    contact_points: list[ContactPoint]
    flags: list[AccountFlag]
    call_backs: list[CallBack]
    promises: list[PromiseToPay]
    plans: list[PaymentPlan]
    disputes: list[OpenDispute]
    assignment: Assignment | None
    restrictions: list[Restriction] = field(default_factory=list)
    recent_contacts: list[Activity] = field(default_factory=list)


def account_detail(scope: Scope, *, customer_id: int, today: date) -> Account:
    """Everything the workspace shows of one customer but its timeline (`timeline.py`)."""
    customer = account_customer(scope, customer_id=customer_id)
    lines = [_line(i, today) for i in _invoices_with_balance(customer, today)]
    lines.sort(key=_state_order)
    buckets = aging()
    disputes = [
        OpenDispute(
            d,
            person_name(getattr(getattr(d, "case", None), "owner", None)),
            getattr(getattr(d, "case", None), "deadline", None),
            _overdue(getattr(getattr(d, "case", None), "deadline", None), today),
        )
        for d in Dispute.objects.filter(invoice__customer=customer)
        .exclude(status=DisputeStatus.RESOLVED)
        .select_related("invoice", "case__owner")
        .order_by("opened_on", "id")
    ]
    standing = (
        customer.assignments.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .select_related("collector", "team")
        .order_by("-valid_from")
        .first()
    )
    return Account(
        customer=customer,
        today=today,
        aging=buckets,
        balances=_balances(lines, today, buckets),
        invoices=lines[:INVOICES_SHOWN],
        invoice_count=len(lines),
        open_invoices=[line for line in lines if line.open.minor > 0],
        currencies=sorted({line.amount.currency for line in lines}),
        contact_points=list(customer.contact_points.order_by("-is_primary", "kind", "value")),
        flags=list(
            AccountFlag.objects.filter(customer=customer, cleared_on__isnull=True).select_related(
                "promise", "instalment"
            )
        ),
        call_backs=list(
            CallBack.objects.filter(customer=customer, done_at__isnull=True).select_related("owner")
        ),
        promises=list(
            PromiseToPay.objects.filter(customer=customer)
            .select_related("outcome", "invoice")
            .order_by("-due_date", "-id")[:PROMISES_SHOWN]
        ),
        plans=list(
            PaymentPlan.objects.filter(customer=customer)
            .prefetch_related("instalments__outcome")
            .order_by("-agreed_on", "-id")[:5]
        ),
        disputes=disputes,
        assignment=standing,
        restrictions=list(restrictions_of(scope, customer).select_related("invoice")),
        recent_contacts=list(
            Activity.objects.filter(customer=customer)
            .select_related("collector")
            .order_by("-occurred_at", "-id")[:10]
        ),
    )


def _overdue(deadline: date | None, today: date) -> bool:
    return deadline is not None and deadline < today


# --- the dispute queue ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueuedDispute:
    dispute: Dispute
    customer: Customer
    owner_name: str
    owner_id: int | None
    deadline: date | None
    overdue: bool
    days_open: int
    amount: Money | None


def dispute_queue(scope: Scope, *, today: date, owner_id: int | None = None) -> list[QueuedDispute]:
    """Disputes not yet resolved on the debtors `scope` may see: overdue deadlines first, then
    by deadline (none last), then oldest first."""
    disputes = (
        Dispute.objects.filter(invoice__customer__in=customers_in_scope(scope))
        .exclude(status=DisputeStatus.RESOLVED)
        .select_related("invoice__customer", "case__owner")
    )
    if owner_id is not None:
        disputes = disputes.filter(case__owner_id=owner_id)
    queued = []
    for d in disputes:
        case = getattr(d, "case", None)
        deadline = case.deadline if case is not None else None
        queued.append(
            QueuedDispute(
                dispute=d,
                customer=d.invoice.customer,
                owner_name=person_name(case.owner if case is not None else None),
                owner_id=case.owner_id if case is not None else None,
                deadline=deadline,
                overdue=_overdue(deadline, today),
                days_open=(today - d.opened_on).days,
                amount=Money(d.amount_minor, d.invoice.currency) if d.amount_minor else None,
            )
        )
    queued.sort(
        key=lambda q: (
            q.deadline is None,
            q.deadline or date.max,
            q.dispute.opened_on,
            q.dispute.pk,
        )
    )
    return queued
