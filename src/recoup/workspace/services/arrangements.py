"""Payment arrangements made with a debtor: promises to pay and payment plans with instalments.

Both are judged later by the payments that arrive (`recoup.workspace.judgement`); here they are
only recorded, checked for sense, and audited.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Customer,
    Instalment,
    Invoice,
    PaymentPlan,
    PlanStatus,
    PromiseToPay,
)
from recoup.workspace.services.common import WorkspaceError, account_for, new_external_id

MAX_INSTALMENTS = 60
EVERY = {"week": "every week", "fortnight": "every two weeks", "month": "every month"}


def _positive(amount: Money, field: str) -> None:
    if amount.minor <= 0:
        raise WorkspaceError("the amount must be more than zero", field=field)


def _same_currency(amount: Money, invoice: Invoice | None, field: str) -> None:
    if invoice is not None and invoice.currency != amount.currency:
        raise WorkspaceError(
            f"invoice {invoice.external_id} is in {invoice.currency}, not {amount.currency}",
            field=field,
        )


@transaction.atomic
def promise_record(
    *,
    actor: User | None,
    customer: Customer,
    amount: Money,
    due_date: date,
    promised_on: date | None = None,
    invoice: Invoice | None = None,
    activity: Activity | None = None,
    via: str = "",
) -> PromiseToPay:
    """The debtor promised to pay `amount` by `due_date`, in the contact `activity` (a promise
    without a contact is one of the record checks an audit asks about)."""
    customer = account_for(actor, customer, via=via)
    made = promised_on or timezone.localdate()
    _positive(amount, "amount")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise WorkspaceError("that invoice belongs to another customer", field="invoice")
    _same_currency(amount, invoice, "amount")
    if activity is not None and activity.customer_id != customer.pk:
        raise WorkspaceError("that contact was with another customer", field="activity")
    if due_date < made:
        raise WorkspaceError(
            f"the promised date must be on or after the day it was made ({made.isoformat()})",
            field="due_date",
        )
    promise = PromiseToPay(
        external_id=new_external_id("promise"),
        customer=customer,
        invoice=invoice,
        activity=activity,
        collector=actor,
        promised_on=made,
        due_date=due_date,
        amount_minor=amount.minor,
        currency=amount.currency,
    )
    promise.full_clean()
    promise.save()
    audit_record(
        action="workspace_promise_record",
        object_type="customer",
        object_id=customer.pk,
        after={
            "promise": promise.external_id,
            "amount": amount.major_str(),
            "currency": amount.currency,
            "due_date": due_date.isoformat(),
            "invoice": invoice.external_id if invoice is not None else None,
            "contact": activity.external_id if activity is not None else None,
        },
        actor=actor,
        via=via,
    )
    return promise


def _step(day: date, every: str, n: int) -> date:
    if every == "week":
        return day + timedelta(weeks=n)
    if every == "fortnight":
        return day + timedelta(weeks=2 * n)
    # Monthly on the same day of the month, or the month's last day when it is shorter.
    month_index = day.month - 1 + n
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def plan_schedule(
    *, total: Money, count: int, first_due: date, every: str
) -> list[tuple[date, Money]]:
    """`count` instalments of equal amounts (the last takes the remainder of the division, so the
    sum is exactly `total`), the first on `first_due` and then `every` week, fortnight or month."""
    if not 1 <= count <= MAX_INSTALMENTS:
        raise WorkspaceError(
            f"a plan has from 1 to {MAX_INSTALMENTS} instalments", field="instalments"
        )
    if every not in EVERY:
        raise WorkspaceError(f"{every!r} is not a frequency", field="every")
    _positive(total, "total")
    share = total.minor // count
    if share <= 0:
        raise WorkspaceError(
            f"{total} cannot be split into {count} instalments of at least one minor unit",
            field="instalments",
        )
    amounts = [share] * (count - 1) + [total.minor - share * (count - 1)]
    return [
        (_step(first_due, every, n), Money(amount, total.currency))
        for n, amount in enumerate(amounts)
    ]


@transaction.atomic
def plan_create(
    *,
    actor: User | None,
    customer: Customer,
    instalments: list[tuple[date, Money]],
    agreed_on: date | None = None,
    via: str = "",
) -> PaymentPlan:
    """A payment plan of `instalments` (due date, amount), all in one currency, due in order on
    or after the day it was agreed."""
    customer = account_for(actor, customer, via=via)
    agreed = agreed_on or timezone.localdate()
    if not instalments:
        raise WorkspaceError("a plan needs at least one instalment", field="instalments")
    currencies = {amount.currency for _, amount in instalments}
    if len(currencies) != 1:
        raise WorkspaceError("every instalment of a plan is in one currency", field="total")
    days = [day for day, _ in instalments]
    if days != sorted(days) or days[0] < agreed:
        raise WorkspaceError(
            "instalments fall due in order, the first on or after the day the plan is agreed",
            field="first_due",
        )
    for _, amount in instalments:
        _positive(amount, "total")
    (currency,) = currencies
    total = sum(amount.minor for _, amount in instalments)
    plan = PaymentPlan(
        external_id=new_external_id("plan"),
        customer=customer,
        agreed_on=agreed,
        total_minor=total,
        currency=currency,
        status=PlanStatus.ACTIVE,
    )
    plan.full_clean()
    plan.save()
    Instalment.objects.bulk_create(
        Instalment(plan=plan, sequence=n, due_date=day, amount_minor=amount.minor)
        for n, (day, amount) in enumerate(instalments, start=1)
    )
    audit_record(
        action="workspace_plan_create",
        object_type="customer",
        object_id=customer.pk,
        after={
            "plan": plan.external_id,
            "total": Money(total, currency).major_str(),
            "currency": currency,
            "instalments": [
                {"due_date": day.isoformat(), "amount": amount.major_str()}
                for day, amount in instalments
            ],
        },
        actor=actor,
        via=via,
    )
    return plan
