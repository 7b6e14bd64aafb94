"""E-mail through a real SMTP server and chat through a real webhook receiver, both on
127.0.0.1: what arrives, and that the unsubscribe link in an e-mail works end to end."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.services import team_create, team_member_add
from recoup.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventKind,
)
from recoup.notifications.selectors import channels_for
from recoup.notifications.services import notification_send, preference_set, team_webhook_set
from tests.notifications.conftest import Hooks, Inbox

Capture = Callable[..., AbstractContextManager[Any]]


def _chat_only(user: User, url: str, chat_format: str = "slack") -> None:
    preference_set(
        user=user,
        time_zone="UTC",
        quiet_from=None,
        quiet_until=None,
        digest=False,
        digest_at=time(8, 0),
        chat_webhook_url=url,
        chat_format=chat_format,
        choices={EventKind.IMPORT_FAILED: [Channel.CHAT, Channel.IN_APP]},
    )


def _send_import_failed(user: User, key: str = "import:run7") -> None:
    notification_send(
        event=EventKind.IMPORT_FAILED,
        user=user,
        subject="Import rejected: invoices.csv",
        body="3 problems in the file; nothing was written.",
        link="/import/runs/7/",
        key=key,
    )


def test_an_email_arrives_with_both_parts_and_its_unsubscribe_link_turns_that_email_off(
    ada: User, smtp: Inbox, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            event=EventKind.IMPORT_FINISHED,
            user=ada,
            subject="Import finished: invoices.csv",
            body="1,200 rows of invoices: 1,100 new, 100 changed.",
            link="/import/runs/7/",
            key="import:run7",
        )
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == "Import finished: invoices.csv"
    assert mail["To"] == "ada@example.test"
    text_part = mail.get_body(("plain",))
    html_part = mail.get_body(("html",))
    assert text_part is not None
    assert html_part is not None
    text, html = text_part.get_content(), html_part.get_content()
    assert "Hello Ada Lovelace" in text
    assert "1,200 rows of invoices" in text
    assert "http://127.0.0.1:8000/import/runs/7/" in text
    assert 'href="http://127.0.0.1:8000/import/runs/7/"' in html
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text
    assert unsubscribe in html
    delivery = Delivery.objects.get(notification__key="import:run7", channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None

    path = urlsplit(unsubscribe).path
    shown = client.get(path)
    assert shown.status_code == 200
    assert "Stop “Import finished” e-mails?" in shown.content.decode()
    # Showing the page changes nothing: mail scanners open links.
    assert Channel.EMAIL in channels_for(ada, EventKind.IMPORT_FINISHED)

    done = client.post(path)
    assert done.status_code == 200
    assert "You will no longer get “Import finished” e-mails" in done.content.decode()
    assert channels_for(ada, EventKind.IMPORT_FINISHED) == frozenset({Channel.IN_APP})
    assert Channel.EMAIL in channels_for(ada, EventKind.IMPORT_FAILED)
    assert AuditEntry.objects.filter(action="notify_unsubscribe", object_id=str(ada.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            event=EventKind.IMPORT_FINISHED,
            user=ada,
            subject="Import finished: payments.csv",
            body="Done.",
            key="import:run8",
        )
    assert len(smtp.messages) == 1


def test_a_forged_unsubscribe_link_is_refused_and_changes_nothing(
    ada: User, client: Client
) -> None:
    response = client.post("/notifications/unsubscribe/not-a-signed-token/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert Channel.EMAIL in channels_for(ada, EventKind.IMPORT_FINISHED)


def test_slack_webhook_receives_text_with_a_link(
    ada: User, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    _chat_only(ada, webhook.url)
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    assert len(webhook.received) == 1
    text = webhook.received[0]["text"]
    assert text.startswith("*Import rejected: invoices.csv*\n")
    assert "3 problems in the file" in text
    assert text.endswith("<http://127.0.0.1:8000/import/runs/7/|Open in Recoup>")


def test_teams_webhook_receives_a_message_card(
    ada: User, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    _chat_only(ada, webhook.url, chat_format="teams")
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    card = webhook.received[0]
    assert card["@type"] == "MessageCard"
    assert card["title"] == "Import rejected: invoices.csv"
    assert "3 problems in the file" in card["text"]
    action = card["potentialAction"][0]
    assert action["@type"] == "OpenUri"
    assert action["targets"][0]["uri"] == "http://127.0.0.1:8000/import/runs/7/"


def test_without_a_webhook_of_their_own_a_member_gets_chat_in_the_teams_channel(
    ada: User, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    team = team_create(name="North")
    team_member_add(team=team, user=ada)
    team_webhook_set(team=team, url=webhook.url, chat_format="slack", actor=ada)
    _chat_only(ada, "")
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    assert len(webhook.received) == 1
    assert AuditEntry.objects.filter(action="notify_team_webhook_set").count() == 1


def test_a_failing_channel_is_logged_and_the_others_still_deliver(
    ada: User,
    smtp: Inbox,
    dead_webhook_url: str,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    preference_set(
        user=ada,
        time_zone="UTC",
        quiet_from=None,
        quiet_until=None,
        digest=False,
        digest_at=time(8, 0),
        chat_webhook_url=dead_webhook_url,
        chat_format="slack",
        choices={EventKind.IMPORT_FAILED: [Channel.EMAIL, Channel.CHAT, Channel.IN_APP]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    statuses = dict(
        Delivery.objects.filter(notification__key="import:run7").values_list("channel", "status")
    )
    assert statuses == {
        Channel.CHAT: DeliveryStatus.FAILED,
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.IN_APP: DeliveryStatus.SENT,
    }
    chat = Delivery.objects.get(notification__key="import:run7", channel=Channel.CHAT)
    assert "refused" in chat.error.lower()
    assert chat.attempts == 1
    assert len(smtp.messages) == 1


def test_a_webhook_answering_an_error_is_a_failed_delivery(
    ada: User, webhook: Hooks, django_capture_on_commit_callbacks: Capture
) -> None:
    webhook.answer = 500
    _chat_only(ada, webhook.url)
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    chat = Delivery.objects.get(notification__key="import:run7", channel=Channel.CHAT)
    assert chat.status == DeliveryStatus.FAILED
    assert "500" in chat.error


def test_someone_without_an_email_address_is_not_sent_rather_than_failed(
    ada: User, smtp: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    User.objects.filter(pk=ada.pk).update(email="")
    ada.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _send_import_failed(ada)
    email = Delivery.objects.get(notification__key="import:run7", channel=Channel.EMAIL)
    assert email.status == DeliveryStatus.NO_ADDRESS
    assert email.error == "no e-mail address"
    assert smtp.messages == []
