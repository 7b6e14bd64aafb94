"""Sending once per key, quiet hours in the person's time zone, and the daily digest."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time
from typing import Any

import time_machine

from recoup.accounts.models import AuditEntry, User
from recoup.notifications.delivery import deliveries_flush, deliveries_send
from recoup.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventKind,
    Notification,
)
from recoup.notifications.services import notification_send, preference_set
from recoup.notifications.timing import in_quiet_hours
from tests.notifications.conftest import Hooks, Inbox

Capture = Callable[..., AbstractContextManager[Any]]


def _prefer(
    user: User,
    *,
    time_zone: str = "UTC",
    quiet: tuple[time, time] | None = None,
    digest: bool = False,
    chat_url: str = "",
) -> None:
    channels = [Channel.EMAIL, Channel.IN_APP] + ([Channel.CHAT] if chat_url else [])
    preference_set(
        user=user,
        time_zone=time_zone,
        quiet_from=quiet[0] if quiet else None,
        quiet_until=quiet[1] if quiet else None,
        digest=digest,
        digest_at=time(8, 0),
        chat_webhook_url=chat_url,
        chat_format="slack",
        choices=dict.fromkeys(EventKind, channels),
        actor=user,
        via="web",
    )


def _send(user: User, key: str, subject: str = "Call-backs due today") -> Notification | None:
    return notification_send(
        event=EventKind.CALLBACK_DUE,
        user=user,
        subject=subject,
        body="- 09:30 Northwind Traders",
        link="/worklist/",
        key=key,
    )


def test_the_same_key_twice_tells_the_person_once(
    ada: User, smtp: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(ada, "callback_due:2026-07-06")
        second = _send(ada, "callback_due:2026-07-06")
    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=ada).count() == 1
    assert Delivery.objects.filter(notification=first).count() == 2
    assert len(smtp.messages) == 1


def test_a_delivery_sent_by_two_senders_goes_out_once(ada: User, smtp: Inbox) -> None:
    # Without running the commit hook, the e-mail waits as pending: two senders race for it.
    notification = _send(ada, "callback_due:2026-07-06")
    email = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
    assert email.status == DeliveryStatus.PENDING
    first = deliveries_send(ids=[email.pk])
    second = deliveries_send(ids=[email.pk])
    assert (first.sent, second.sent) == (1, 0)
    assert len(smtp.messages) == 1


def test_quiet_hours_hold_a_message_until_they_end_in_the_persons_time_zone(
    ada: User, smtp: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    _prefer(ada, time_zone="Europe/Berlin", quiet=(time(22, 0), time(7, 0)))
    # 23:30 in Berlin (summer time, UTC+2): quiet.
    with (
        time_machine.travel(datetime(2026, 7, 6, 21, 30, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = _send(ada, "callback_due:2026-07-07")
    assert notification is not None
    email = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
    assert email.status == DeliveryStatus.HELD
    assert email.due_at == datetime(2026, 7, 7, 5, 0, tzinfo=UTC)
    # The bell shows it at once: only outward channels keep quiet.
    assert Delivery.objects.get(notification=notification, channel=Channel.IN_APP).status == (
        DeliveryStatus.SENT
    )
    with time_machine.travel(datetime(2026, 7, 7, 4, 59, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 0
    assert smtp.messages == []
    with time_machine.travel(datetime(2026, 7, 7, 5, 0, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 1
    assert [m["Subject"] for m in smtp.messages] == ["Call-backs due today"]
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT
    assert email.sent_at == datetime(2026, 7, 7, 5, 0, tzinfo=UTC)


def test_outside_quiet_hours_a_message_goes_at_once(
    ada: User, smtp: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    _prefer(ada, time_zone="Europe/Berlin", quiet=(time(22, 0), time(7, 0)))
    with (
        time_machine.travel(datetime(2026, 7, 6, 19, 30, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _send(ada, "callback_due:2026-07-06")
    assert len(smtp.messages) == 1


def test_quiet_hours_run_over_midnight_and_equal_ends_mean_none() -> None:
    assert in_quiet_hours(time(23, 0), quiet_from=time(22, 0), quiet_until=time(7, 0))
    assert in_quiet_hours(time(6, 59), quiet_from=time(22, 0), quiet_until=time(7, 0))
    assert not in_quiet_hours(time(7, 0), quiet_from=time(22, 0), quiet_until=time(7, 0))
    assert in_quiet_hours(time(13, 0), quiet_from=time(12, 0), quiet_until=time(14, 0))
    assert not in_quiet_hours(time(3, 0), quiet_from=time(5, 0), quiet_until=time(5, 0))


def test_the_digest_gathers_a_days_messages_into_one_per_channel(
    ada: User, smtp: Inbox, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    _prefer(ada, digest=True, chat_url=webhook.url)
    with (
        time_machine.travel(datetime(2026, 7, 6, 6, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for n in range(3):
            _send(ada, f"callback_due:2026-07-0{n + 1}", subject=f"Call-backs due, day {n + 1}")
    assert smtp.messages == []
    assert webhook.received == []
    assert set(Delivery.objects.filter(channel=Channel.EMAIL).values_list("status", flat=True)) == {
        DeliveryStatus.DIGEST
    }
    with time_machine.travel(datetime(2026, 7, 6, 7, 59, tzinfo=UTC), tick=False):
        assert deliveries_flush().digests == 0
    with time_machine.travel(datetime(2026, 7, 6, 8, 0, tzinfo=UTC), tick=False):
        report = deliveries_flush()
    assert report.digests == 2
    assert report.sent == 6
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == "Recoup digest: 3 notifications"
    text_part = mail.get_body(("plain",))
    assert text_part is not None
    text = text_part.get_content()
    for n in range(3):
        assert f"Call-backs due, day {n + 1}" in text
    assert "Stop all Recoup e-mails" in text
    assert len(webhook.received) == 1
    assert "Call-backs due, day 3" in webhook.received[0]["text"]
    # A second turn sends nothing again.
    with time_machine.travel(datetime(2026, 7, 6, 8, 5, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 0
    assert len(smtp.messages) == 1


def test_a_failed_delivery_is_tried_again_later(
    ada: User, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    webhook.answer = 503
    _prefer(ada, chat_url=webhook.url)
    with (
        time_machine.travel(datetime(2026, 7, 6, 9, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = _send(ada, "callback_due:2026-07-06")
    chat = Delivery.objects.get(notification=notification, channel=Channel.CHAT)
    assert chat.status == DeliveryStatus.FAILED
    webhook.answer = 200
    with time_machine.travel(datetime(2026, 7, 6, 9, 5, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 0
    with time_machine.travel(datetime(2026, 7, 6, 9, 11, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 1
    chat.refresh_from_db()
    assert chat.status == DeliveryStatus.SENT
    assert chat.attempts == 2
    assert chat.error == ""


def test_changing_preferences_is_audited_with_before_and_after(ada: User) -> None:
    _prefer(ada, time_zone="Europe/Berlin", quiet=(time(22, 0), time(7, 0)))
    entry = AuditEntry.objects.get(action="notify_preference_set")
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["time_zone"] == "UTC"
    assert entry.after["time_zone"] == "Europe/Berlin"
    assert entry.after["quiet_from"] == "22:00:00"
    # Saving the same choices again is no change.
    _prefer(ada, time_zone="Europe/Berlin", quiet=(time(22, 0), time(7, 0)))
    assert AuditEntry.objects.filter(action="notify_preference_set").count() == 1


def test_nobody_is_told_through_no_channel(ada: User) -> None:
    preference_set(
        user=ada,
        time_zone="UTC",
        quiet_from=None,
        quiet_until=None,
        digest=False,
        digest_at=time(8, 0),
        chat_webhook_url="",
        chat_format="slack",
        choices={EventKind.CALLBACK_DUE: []},
    )
    assert _send(ada, "callback_due:2026-07-06") is None
    assert not Notification.objects.exists()


def test_a_delivery_left_half_sent_by_a_stopped_process_goes_out_later(
    ada: User, smtp: Inbox
) -> None:
    with time_machine.travel(datetime(2026, 7, 6, 9, 0, tzinfo=UTC), tick=False):
        notification = _send(ada, "callback_due:2026-07-06")
        email = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
        # A sender claimed it, then its process died before the message left.
        Delivery.objects.filter(pk=email.pk).update(
            status=DeliveryStatus.SENDING,
            attempts=1,
            updated_at=datetime(2026, 7, 6, 9, 0, tzinfo=UTC),
        )
    with time_machine.travel(datetime(2026, 7, 6, 9, 10, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 0  # it may still be on its way
    with time_machine.travel(datetime(2026, 7, 6, 9, 16, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.SENT, 2)
    assert len(smtp.messages) == 1


def test_a_delivery_left_half_sent_with_no_attempts_left_is_failed_with_the_reason(
    ada: User, smtp: Inbox
) -> None:
    notification = _send(ada, "callback_due:2026-07-06")
    email = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, attempts=3, updated_at=datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
    )
    with time_machine.travel(datetime(2026, 7, 6, 10, 0, tzinfo=UTC), tick=False):
        assert deliveries_flush().sent == 0
    email.refresh_from_db()
    assert email.status == DeliveryStatus.FAILED
    assert "stopped before it finished" in email.error
    assert smtp.messages == []
