"""Disputes opened and resolved from the workspace, each with an owner and a deadline."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.money import Money
from recoup.ledger.models import Customer, Dispute, DisputeStatus, Invoice
from recoup.workspace.models import DisputeCase
from recoup.workspace.services.common import WorkspaceError, account_for, new_external_id


@transaction.atomic
def dispute_open(
    *,
    actor: User | None,
    customer: Customer,
    invoice: Invoice,
    reason: str,
    amount: Money | None = None,
    deadline: date | None = None,
    owner: User | None = None,
    opened_on: date | None = None,
    via: str = "",
) -> Dispute:
    """The debtor disputes `invoice` (all of it, or `amount`); `owner` answers it by `deadline`.
    An open dispute stops collection contact on that debt until it is verified or resolved."""
    customer = account_for(actor, customer, via=via)
    opened = opened_on or timezone.localdate()
    if invoice.customer_id != customer.pk:
        raise WorkspaceError("that invoice belongs to another customer", field="invoice")
    if not reason.strip():
        raise WorkspaceError("say what the debtor disputes", field="reason")
    if amount is not None:
        if amount.currency != invoice.currency:
            raise WorkspaceError(f"the invoice is in {invoice.currency}", field="amount")
        if not 0 < amount.minor <= invoice.amount_minor:
            raise WorkspaceError(
                f"the disputed amount is more than zero and at most the invoice's "
                f"{Money(invoice.amount_minor, invoice.currency)}",
                field="amount",
            )
    if deadline is not None and deadline < opened:
        raise WorkspaceError("the deadline is on or after the day it opens", field="deadline")
    dispute = Dispute(
        external_id=new_external_id("dispute"),
        invoice=invoice,
        opened_on=opened,
        amount_minor=amount.minor if amount is not None else None,
        reason=reason.strip(),
        status=DisputeStatus.OPEN,
    )
    dispute.full_clean()
    dispute.save()
    works_it = owner or actor
    DisputeCase.objects.create(dispute=dispute, owner=works_it, deadline=deadline)
    audit_record(
        action="workspace_dispute_open",
        object_type="customer",
        object_id=customer.pk,
        after={
            "dispute": dispute.external_id,
            "invoice": invoice.external_id,
            "reason": dispute.reason,
            "amount": amount.major_str() if amount is not None else None,
            "deadline": deadline.isoformat() if deadline is not None else None,
            "owner": works_it.username if works_it is not None else None,
        },
        actor=actor,
        via=via,
    )
    return dispute


RESOLUTIONS = {
    DisputeStatus.VERIFIED: "Verified: the debt stands and collection may resume",
    DisputeStatus.RESOLVED: "Resolved",
}


@transaction.atomic
def dispute_resolve(
    *,
    actor: User | None,
    dispute: Dispute,
    status: str,
    note: str = "",
    on: date | None = None,
    via: str = "",
) -> Dispute:
    """Close a dispute: `verified` (the debt was verified to the debtor, collection may resume)
    or `resolved` (settled: corrected, credited, or withdrawn)."""
    customer = account_for(actor, dispute.invoice.customer, via=via)
    day = on or timezone.localdate()
    if status not in RESOLUTIONS:
        raise WorkspaceError("choose verified or resolved", field="status")
    if dispute.status == DisputeStatus.RESOLVED:
        raise WorkspaceError("this dispute is already resolved", field="status")
    if day < dispute.opened_on:
        raise WorkspaceError("a dispute is resolved on or after the day it opened", field="status")
    before = dispute.status
    dispute.status = status
    if status == DisputeStatus.RESOLVED:
        dispute.resolved_on = day
    dispute.save(update_fields=["status", "resolved_on", "updated_at"])
    case, _ = DisputeCase.objects.get_or_create(dispute=dispute)
    if note.strip():
        case.resolution = note.strip()
        case.save(update_fields=["resolution", "updated_at"])
    audit_record(
        action="workspace_dispute_resolve",
        object_type="customer",
        object_id=customer.pk,
        before={"dispute": dispute.external_id, "status": before},
        after={"dispute": dispute.external_id, "status": status, "note": note.strip()},
        actor=actor,
        via=via,
    )
    return dispute
