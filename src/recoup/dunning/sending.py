"""Approving a run sends it. Each ready message is claimed with a conditional UPDATE (ready to
sending) before it leaves, so an approval run twice, or by two people at once, sends nothing
twice; the contact rules are asked again at the instant of sending. A sent message becomes an
activity on the account; an address the mail server refuses is marked bounced (the account joins
the trace queue when nothing else reaches it); letters are kept on the account and gathered into
one PDF for the print room."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.dunning.channels import (
    AddressRefusedError,
    ChannelError,
    email_send,
    letter_html,
    mail_connection,
    pdf_of,
    sms_send,
)
from recoup.dunning.compose import RULE_CHANNEL, Draft, rules_apply
from recoup.dunning.models import LevelChannel, Message, MessageStatus, Run, RunStatus
from recoup.dunning.selection import Candidate
from recoup.dunning.services import DunningError, _allowed, run_counts
from recoup.ledger.models import (
    Activity,
    Channel,
    CollectionCost,
    ContactPoint,
    ContactStatus,
    Direction,
    Outcome,
)
from recoup.ledger.selectors import customer_team_on
from recoup.workspace.services.contacts import contact_point_mark
from recoup.workspace.services.notes import call_back_add
from recoup.workspace.timeline import DUNNING_ACTIVITY_PREFIX

logger = logging.getLogger(__name__)

DUNNING_COST_PREFIX = "dunning-message-"
ACTIVITY_CHANNEL: dict[str, str] = {
    LevelChannel.EMAIL: Channel.EMAIL,
    LevelChannel.LETTER: Channel.LETTER,
    LevelChannel.SMS: Channel.SMS,
}


def _context(message: Message) -> dict[str, Any]:
    from recoup.core.money import Money

    totals = [str(Money(int(v), c)) for c, v in sorted(message.totals.items())]
    items = [
        {
            "number": i["number"],
            "issued": i["issued"],
            "due": i["due"],
            "open": str(Money(int(i["open_minor"]), i["currency"])),
        }
        for i in message.items
    ]
    from recoup.dunning.compose import payment_link

    return {
        "customer": {"name": message.customer.name, "reference": message.customer.external_id},
        "items": items,
        "total": " and ".join(totals),
        "payment_link": payment_link(message.customer),
        "organisation": settings.DUNNING_ORGANISATION,
        "level": message.level.name,
        "language": message.language,
        "as_of": message.run.as_of.isoformat(),
    }


def _recheck(messages: list[Message]) -> None:
    """The contact rules at this instant: a message blocked now waits (status blocked)."""
    now = timezone.now()
    checked = [m for m in messages if m.channel in RULE_CHANNEL]
    drafts = [
        Draft(
            Candidate(m.customer_id, 0, m.level, (), {}, 0),
            MessageStatus.READY,
            send_at=max(m.send_at, now),
        )
        for m in checked
    ]
    rules_apply(drafts)
    for m, d in zip(checked, drafts, strict=True):
        if d.status == MessageStatus.BLOCKED:
            m.status, m.reason, m.blocked_until = d.status, d.reason, d.blocked_until
            m.save(update_fields=["status", "reason", "blocked_until", "updated_at"])


def _claim(message: Message) -> bool:
    return (
        Message.objects.filter(pk=message.pk, status=MessageStatus.READY).update(
            status=MessageStatus.SENDING
        )
        == 1
    )


def _reply_to(message: Message) -> str:
    from recoup.dunning.compose import collectors_of

    person = collectors_of([message.customer_id], message.run.as_of).get(message.customer_id)
    return person.email if person else settings.DEFAULT_FROM_EMAIL


def _cost_book(message: Message, day: date) -> None:
    """What the message cost (`settings.DUNNING_MESSAGE_COSTS`) as a collection cost of its day
    and its customer's team, once per message, so cost-to-collect counts the outreach."""
    minor = settings.DUNNING_MESSAGE_COSTS.get(message.channel, 0)
    if not minor:
        return
    CollectionCost.objects.get_or_create(
        external_id=f"{DUNNING_COST_PREFIX}{message.pk}",
        defaults={
            "incurred_on": day,
            "amount_minor": minor,
            "currency": settings.BASE_CURRENCY,
            "category": f"dunning {message.channel}",
            "team_id": customer_team_on(message.customer_id, day),
        },
    )


def _sent(message: Message, message_id: str, actor: User | None) -> None:
    now = timezone.now()
    message.status, message.message_id, message.sent_at = MessageStatus.SENT, message_id, now
    message.save(update_fields=["status", "message_id", "sent_at", "letter", "updated_at"])
    _cost_book(message, timezone.localdate(now))
    channel = ACTIVITY_CHANNEL.get(message.channel)
    if channel is None:
        return
    Activity.objects.create(
        external_id=f"{DUNNING_ACTIVITY_PREFIX}{message.pk}",
        customer_id=message.customer_id,
        channel=channel,
        direction=Direction.OUTBOUND,
        outcome=Outcome.MESSAGE_LEFT,
        collector=actor,
        occurred_at=now,
        note=(
            f"Dunning level {message.level.position} ({message.level.name}), "
            f"template {message.language or '-'}, message id {message_id}"
        ),
    )


def _failed(message: Message, status: str, reason: str) -> None:
    message.status, message.reason = status, reason
    message.save(update_fields=["status", "reason", "updated_at"])


def _refused(message: Message, reason: str) -> None:
    _failed(message, MessageStatus.REFUSED, reason)
    if message.contact_point_id is None:
        return
    point = ContactPoint.objects.filter(pk=message.contact_point_id).first()
    if point is not None and point.status != ContactStatus.BOUNCED:
        contact_point_mark(actor=None, point=point, status=ContactStatus.BOUNCED, via="dunning")


def _send_one(message: Message, connection: Any, actor: User | None) -> None:
    context = _context(message)
    if message.channel == LevelChannel.EMAIL:
        message_id = email_send(
            connection=connection,
            to=message.address,
            subject=message.subject,
            text=message.body_text,
            html=message.body_html,
            reply_to=_reply_to(message),
            context=context,
        )
    elif message.channel == LevelChannel.SMS:
        message_id = sms_send(to=message.address, text=message.body_text, reference=message.key)
    elif message.channel == LevelChannel.LETTER:
        document = letter_html(
            address=f"{message.customer.name},{message.address}",
            subject=message.subject,
            html=message.body_html,
            context=context,
        )
        message.letter.save(f"letter-{message.pk}.pdf", ContentFile(pdf_of([document])), save=False)
        message_id = f"letter-{message.pk}"
    elif message.channel == LevelChannel.CALL_TASK:
        call_back = call_back_add(
            actor=None,
            customer=message.customer,
            due_at=max(message.send_at, timezone.now() + timedelta(minutes=1)),
            note=message.subject,
            via="dunning",
        )
        message_id = f"call-back-{call_back.pk}"
    else:
        raise DunningError(f"{message.channel} messages are handed over, not sent")
    _sent(message, message_id, actor)


def run_approve(*, actor: User | None, run: Run, via: str = "") -> Run:
    """Sends every ready message of `run`; safe to run twice. Returns the run with its counts."""
    _allowed(actor)
    if run.status == RunStatus.CANCELLED:
        raise DunningError("this run was cancelled")
    ready = list(
        run.messages.filter(status=MessageStatus.READY).select_related("customer", "level", "run")
    )
    _recheck(ready)
    connection = mail_connection()
    letters: list[str] = []
    with connection:
        for message in ready:
            if message.status != MessageStatus.READY or not _claim(message):
                continue
            try:
                with transaction.atomic():
                    _send_one(message, connection, actor)
            except AddressRefusedError as error:
                _refused(message, str(error))
            except (ChannelError, DunningError, OSError) as error:
                logger.warning("dunning message %s not sent: %s", message.key, error)
                _failed(message, MessageStatus.FAILED, str(error))
            else:
                if message.channel == LevelChannel.LETTER:
                    letters.append(
                        letter_html(
                            address=f"{message.customer.name},{message.address}",
                            subject=message.subject,
                            html=message.body_html,
                            context=_context(message),
                        )
                    )
    with transaction.atomic():
        run.status, run.approved_by, run.approved_at = RunStatus.SENT, actor, timezone.now()
        if letters:
            run.print_file.save(f"run-{run.pk}-letters.pdf", ContentFile(pdf_of(letters)), False)
        run.save()
        audit_record(
            action="dunning_run_approve",
            object_type="dunning_run",
            object_id=run.pk,
            after=run_counts(run),
            actor=actor,
            via=via,
        )
    return run
