"""Contacts and contact points: a contact is logged only when the contact rules allow it at its
instant, or when a manager overrides the blocks with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_override_contact_rules, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.ledger.models import (
    Activity,
    ContactKind,
    ContactPoint,
    ContactSource,
    ContactStatus,
    Customer,
    Direction,
    Invoice,
)
from recoup.workspace.models import ContactOverride
from recoup.workspace.rules import Verdict, contact_check, hit_json
from recoup.workspace.services.common import WorkspaceError, account_for, new_external_id

# A contact stamped a little ahead of the server's clock (a phone's clock runs fast) is not one
# logged in advance.
LATE_CLOCK = timedelta(minutes=5)


class ContactBlockedError(WorkspaceError):
    """The contact rules block the contact: every block is in `verdict`."""

    def __init__(self, verdict: Verdict) -> None:
        rules = ", ".join(hit.rule for hit in verdict.blocks)
        super().__init__(f"the contact rules block this contact ({rules})")
        self.verdict = verdict


@dataclass(frozen=True, slots=True)
class ContactLogged:
    activity: Activity
    verdict: Verdict | None  # None for an inbound contact, which no rule restricts
    overridden: bool


@transaction.atomic
def contact_log(
    *,
    actor: User | None,
    customer: Customer,
    channel: str,
    direction: str,
    outcome: str,
    note: str = "",
    occurred_at: datetime | None = None,
    invoice: Invoice | None = None,
    override_reason: str = "",
    via: str = "",
) -> ContactLogged:
    """Log a contact with `customer`. An outbound contact is checked against the contact rules
    at `occurred_at` (default now): blocked, it raises ContactBlockedError with every block,
    unless `override_reason` is given by someone who may override, in which case it is logged
    and the override audited with the blocks it overrode. Inbound contacts (the debtor calling
    in) are not contacts the rules restrict, and are logged as they come."""
    customer = account_for(actor, customer, via=via)
    if invoice is not None and invoice.customer_id != customer.pk:
        raise WorkspaceError("that invoice belongs to another customer", field="invoice")
    now = timezone.now()
    at = occurred_at or now
    if at > now + LATE_CLOCK:
        raise WorkspaceError(
            "a contact is logged once it has happened, not ahead", field="occurred_at"
        )
    verdict = None
    overridden = False
    if direction == Direction.OUTBOUND:
        verdict = contact_check(customer=customer, channel=channel, at=at, invoice=invoice)
        if not verdict.allowed:
            if not override_reason.strip():
                raise ContactBlockedError(verdict)
            require(
                actor is None or can_override_contact_rules(actor),
                "Only a manager or an admin may override the contact rules.",
            )
            overridden = True
    activity = Activity(
        external_id=new_external_id("contact"),
        customer=customer,
        invoice=invoice,
        channel=channel,
        direction=direction,
        outcome=outcome,
        collector=actor,
        occurred_at=at,
        note=note.strip(),
    )
    activity.full_clean()
    activity.save()
    after: dict[str, Any] = {
        "activity": activity.external_id,
        "channel": channel,
        "direction": direction,
        "outcome": outcome,
        "occurred_at": at.isoformat(),
    }
    if invoice is not None:
        after["invoice"] = invoice.external_id
    if verdict is not None and verdict.warnings:
        after["warnings"] = [hit_json(hit) for hit in verdict.warnings]
    audit_record(
        action="workspace_contact_log",
        object_type="customer",
        object_id=customer.pk,
        after=after,
        actor=actor,
        via=via,
    )
    if overridden and verdict is not None:
        blocks = [hit_json(hit) for hit in verdict.blocks]
        ContactOverride.objects.create(
            activity=activity, overridden_by=actor, reason=override_reason.strip(), blocks=blocks
        )
        audit_record(
            action="workspace_contact_override",
            object_type="customer",
            object_id=customer.pk,
            after={
                "activity": activity.external_id,
                "channel": channel,
                "occurred_at": at.isoformat(),
                "reason": override_reason.strip(),
                "blocks": blocks,
            },
            actor=actor,
            via=via,
        )
    return ContactLogged(activity, verdict, overridden)


# --- contact points ---------------------------------------------------------------------------


@transaction.atomic
def contact_point_add(
    *,
    actor: User | None,
    customer: Customer,
    kind: str,
    value: str,
    source: str,
    source_note: str = "",
    label: str = "",
    is_primary: bool = False,
    via: str = "",
) -> ContactPoint:
    """Add a phone, e-mail or address to `customer`, saying where it was found (`source`, and
    which directory, report or page in `source_note`); it starts not verified."""
    customer = account_for(actor, customer, via=via)
    value = value.strip()
    source_note = source_note.strip()
    if kind not in ContactKind.values:
        raise WorkspaceError(f"{kind!r} is not a kind of contact point", field="kind")
    if not value:
        raise WorkspaceError("give the number or address", field="value")
    if source not in ContactSource.values:
        known = ", ".join(ContactSource.values)
        raise WorkspaceError(
            f"source {source!r} is not one of {known}: say where it was found", field="source"
        )
    if ContactPoint.objects.filter(customer=customer, kind=kind, value=value).exists():
        raise WorkspaceError("this customer already has that contact point", field="value")
    if is_primary:
        ContactPoint.objects.filter(customer=customer, kind=kind, is_primary=True).update(
            is_primary=False
        )
    point = ContactPoint(
        customer=customer,
        kind=kind,
        value=value,
        label=label.strip(),
        is_primary=is_primary,
        status=ContactStatus.UNVERIFIED,
        source=source,
        source_note=source_note,
        found_by=actor,
    )
    point.full_clean()
    point.save()
    audit_record(
        action="workspace_contact_point_add",
        object_type="customer",
        object_id=customer.pk,
        after={
            "kind": kind,
            "value": value,
            "label": point.label,
            "primary": is_primary,
            "source": source,
            "source_note": source_note,
        },
        actor=actor,
        via=via,
    )
    return point


@transaction.atomic
def contact_point_mark(
    *, actor: User | None, point: ContactPoint, status: str, via: str = ""
) -> ContactPoint:
    """Record what is known of a contact point now: valid, wrong number, moved, bounced."""
    customer = account_for(actor, point.customer, via=via)
    if status not in ContactStatus.values:
        raise WorkspaceError(f"{status!r} is not a contact point status", field="status")
    before = point.status
    point.status = status
    point.status_changed_on = timezone.localdate()
    point.save(update_fields=["status", "status_changed_on", "updated_at"])
    audit_record(
        action="workspace_contact_point_mark",
        object_type="customer",
        object_id=customer.pk,
        before={"value": point.value, "status": before},
        after={"value": point.value, "status": status},
        actor=actor,
        via=via,
    )
    return point
