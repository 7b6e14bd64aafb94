"""Notes, call-backs and the clearing of flags: the collector's own bookkeeping on an account."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.ledger.models import Customer
from recoup.workspace.models import AccountFlag, CallBack, Note
from recoup.workspace.services.common import WorkspaceError, account_for

NOTE_MAX = 4000


@transaction.atomic
def note_add(*, actor: User | None, customer: Customer, text: str, via: str = "") -> Note:
    customer = account_for(actor, customer, via=via)
    text = text.strip()
    if not text:
        raise WorkspaceError("write the note", field="text")
    if len(text) > NOTE_MAX:
        raise WorkspaceError(f"a note holds at most {NOTE_MAX:,} characters", field="text")
    note = Note.objects.create(
        customer=customer, author=actor, written_at=timezone.now(), text=text
    )
    audit_record(
        action="workspace_note_add",
        object_type="customer",
        object_id=customer.pk,
        after={"note": text},
        actor=actor,
        via=via,
    )
    return note


@transaction.atomic
def call_back_add(
    *,
    actor: User | None,
    customer: Customer,
    due_at: datetime,
    note: str = "",
    owner: User | None = None,
    via: str = "",
) -> CallBack:
    customer = account_for(actor, customer, via=via)
    if timezone.is_naive(due_at):
        raise WorkspaceError("a call-back time needs its time zone", field="due_at")
    if due_at < timezone.now():
        raise WorkspaceError("a call-back is set for a time still to come", field="due_at")
    call_back = CallBack.objects.create(
        customer=customer, owner=owner or actor, due_at=due_at, note=note.strip()[:300]
    )
    audit_record(
        action="workspace_call_back_add",
        object_type="customer",
        object_id=customer.pk,
        after={"due_at": due_at.isoformat(), "note": call_back.note},
        actor=actor,
        via=via,
    )
    return call_back


@transaction.atomic
def call_back_done(*, actor: User | None, call_back: CallBack, via: str = "") -> CallBack:
    customer = account_for(actor, call_back.customer, via=via)
    if call_back.done_at is None:
        call_back.done_at = timezone.now()
        call_back.save(update_fields=["done_at", "updated_at"])
        audit_record(
            action="workspace_call_back_done",
            object_type="customer",
            object_id=customer.pk,
            after={"due_at": call_back.due_at.isoformat(), "note": call_back.note},
            actor=actor,
            via=via,
        )
    return call_back


@transaction.atomic
def flag_clear(*, actor: User | None, flag: AccountFlag, note: str, via: str = "") -> AccountFlag:
    """The follow-up a flag asked for is done (the debtor was called about the broken promise)."""
    customer = account_for(actor, flag.customer, via=via)
    if flag.cleared_on is not None:
        raise WorkspaceError("this flag is already cleared", field="note")
    if not note.strip():
        raise WorkspaceError("say what was done about it", field="note")
    flag.cleared_on = max(timezone.localdate(), flag.raised_on)
    flag.cleared_by = actor
    flag.clear_note = note.strip()[:300]
    flag.save(update_fields=["cleared_on", "cleared_by", "clear_note", "updated_at"])
    audit_record(
        action="workspace_flag_clear",
        object_type="customer",
        object_id=customer.pk,
        after={"flag": flag.get_reason_display(), "detail": flag.detail, "note": flag.clear_note},
        actor=actor,
        via=via,
    )
    return flag
