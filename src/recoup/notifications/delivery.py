"""Sending what is due: a delivery is claimed with a conditional UPDATE before it is sent, so two
workers (or a worker and the request that made the notification) never send it twice. A channel's
failure is written to its delivery and stops nothing else."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from recoup.accounts.models import User
from recoup.notifications.channels import (
    Message,
    chat_payload,
    chat_post,
    email_send,
)
from recoup.notifications.messages import digest_message, single_message
from recoup.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from recoup.notifications.selectors import chat_target, preference_of

logger = logging.getLogger(__name__)

# A failed delivery is tried again by the flush job this often, at most this many times in all.
RETRY_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
LEFT_BEHIND = timedelta(minutes=2)
# A delivery still "being sent" this long after its claim was left by a process that stopped
# mid-send (every channel gives up well before: SMTP and webhooks time out in seconds). It is
# sent again: a rare second copy is better than a message that never arrives.
STUCK_AFTER = timedelta(minutes=15)
STOPPED_MID_SEND = "the sending process stopped before it finished"


class NothingToSendToError(Exception):
    """The person has no address for this channel; the delivery is recorded as not sent, not as failed."""


@dataclass(frozen=True, slots=True)
class FlushReport:
    sent: int
    failed: int
    no_address: int
    digests: int

    def as_json(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "no_address": self.no_address,
            "digests": self.digests,
        }


def _claim(
    ids: Iterable[int],
    *,
    from_statuses: Sequence[str],
    now: datetime,
    claimed_before: datetime | None = None,
) -> list[Delivery]:
    token = uuid.uuid4().hex
    claimable = Delivery.objects.filter(pk__in=list(ids), status__in=from_statuses)
    if claimed_before is not None:
        # Another sender's fresh claim of the same row is not taken from it.
        claimable = claimable.filter(updated_at__lte=claimed_before)
    claimable.update(
        status=DeliveryStatus.SENDING,
        claim=token,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return list(
        Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
        .select_related("notification__user")
        .order_by("notification__created_at", "notification_id")
    )


def _send(channel: str, user: User, message: Message, bodies: Sequence[str]) -> None:
    if channel == Channel.EMAIL:
        if not user.email:
            raise NothingToSendToError("no e-mail address")
        email_send(to=user.email, message=message)
    elif channel == Channel.CHAT:
        target = chat_target(user, preference_of(user))
        if target is None:
            raise NothingToSendToError("no chat webhook")
        url, chat_format = target
        payload = chat_payload(
            chat_format, subject=message.subject, text="\n".join(bodies), url=message.url
        )
        chat_post(webhook_url=url, payload=payload)


def _finish(deliveries: Sequence[Delivery], *, error: Exception | None, now: datetime) -> str:
    if error is None:
        status, text = DeliveryStatus.SENT, ""
    elif isinstance(error, NothingToSendToError):
        status, text = DeliveryStatus.NO_ADDRESS, str(error)
    else:
        status, text = DeliveryStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=status,
        error=text,
        updated_at=now,
        sent_at=now if status == DeliveryStatus.SENT else None,
    )
    return status


def _deliver(deliveries: Sequence[Delivery], *, digest: bool, now: datetime) -> str:
    """Send one message for `deliveries` (one, or a digest of one person's on one channel)."""
    first = deliveries[0]
    user = first.notification.user
    notifications: list[Notification] = [d.notification for d in deliveries]
    if digest:
        message = digest_message(notifications, user)
        bodies = [f"- {n.subject}" for n in notifications]
    else:
        message = single_message(first.notification, user)
        bodies = [first.notification.body]
    try:
        _send(first.channel, user, message, bodies)
    except Exception as error:
        if not isinstance(error, NothingToSendToError):
            logger.warning(
                "notification %s by %s failed: %s", first.notification.key, first.channel, error
            )
        return _finish(deliveries, error=error, now=now)
    return _finish(deliveries, error=None, now=now)


def deliveries_send(*, ids: Sequence[int], now: datetime | None = None) -> FlushReport:
    """Send the pending deliveries among `ids`, one message each."""
    now = now or timezone.now()
    claimed = _claim(ids, from_statuses=[DeliveryStatus.PENDING], now=now)
    return _tally([_deliver([d], digest=False, now=now) for d in claimed], digests=0)


def _tally(outcomes: Sequence[str], *, digests: int) -> FlushReport:
    return FlushReport(
        sent=outcomes.count(DeliveryStatus.SENT),
        failed=outcomes.count(DeliveryStatus.FAILED),
        no_address=outcomes.count(DeliveryStatus.NO_ADDRESS),
        digests=digests,
    )


def deliveries_flush(*, now: datetime | None = None) -> FlushReport:
    """The job's turn: held messages whose quiet hours ended, digests whose hour came, pending
    ones a crash left behind, ones a crash left half-sent, and failed ones worth another try."""
    now = now or timezone.now()
    outcomes: list[str] = []
    outcomes.extend(_stuck_resend(now))
    # Pending ones are sent when their transaction commits; one still pending a while later
    # was left by a process that stopped in between.
    due_single = Delivery.objects.filter(
        status=DeliveryStatus.HELD, due_at__lte=now
    ) | Delivery.objects.filter(status=DeliveryStatus.PENDING, updated_at__lte=now - LEFT_BEHIND)
    retry = Delivery.objects.filter(
        status=DeliveryStatus.FAILED, attempts__lt=MAX_ATTEMPTS, updated_at__lte=now - RETRY_AFTER
    )
    single_ids = list(due_single.values_list("pk", flat=True))
    for d in _claim(
        single_ids, from_statuses=[DeliveryStatus.HELD, DeliveryStatus.PENDING], now=now
    ):
        outcomes.append(_deliver([d], digest=False, now=now))
    for d in _claim(
        list(retry.values_list("pk", flat=True)), from_statuses=[DeliveryStatus.FAILED], now=now
    ):
        outcomes.append(_deliver([d], digest=False, now=now))
    digest_ids = list(
        Delivery.objects.filter(status=DeliveryStatus.DIGEST, due_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    groups: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
    for d in _claim(digest_ids, from_statuses=[DeliveryStatus.DIGEST], now=now):
        groups[(d.notification.user_id, d.channel)].append(d)
    for group in groups.values():
        outcome = _deliver(group, digest=True, now=now)
        outcomes.extend([outcome] * len(group))
    return _tally(outcomes, digests=len(groups))


def _stuck_resend(now: datetime) -> list[str]:
    """Deliveries a stopped process left "being sent": sent again while attempts remain, else
    failed with the reason, so none stays "being sent" for ever."""
    stale = now - STUCK_AFTER
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, updated_at__lte=stale)
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, error=STOPPED_MID_SEND, updated_at=now
    )
    again = list(stuck.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    claimed = _claim(again, from_statuses=[DeliveryStatus.SENDING], now=now, claimed_before=stale)
    return [_deliver([d], digest=False, now=now) for d in claimed]
