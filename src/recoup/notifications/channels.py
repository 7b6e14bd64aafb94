"""The two outward channels: e-mail through Django's mail framework and chat webhooks (Slack- and
Teams-compatible JSON). Each raises on failure; the caller logs it per delivery."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from recoup.notifications.models import ChatFormat


class ChatRefusedError(Exception):
    """The webhook answered, but not with success."""


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str
    html: str
    # Absolute addresses: the thing the message is about, and the one-click unsubscribe.
    url: str
    unsubscribe_url: str


def email_send(*, to: str, message: Message) -> None:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{message.unsubscribe_url}>",
            # RFC 8058: mail programs may unsubscribe with one POST, no page in between.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(message.html, "text/html")
    mail.send()


def chat_payload(chat_format: str, *, subject: str, text: str, url: str) -> dict[str, Any]:
    if chat_format == ChatFormat.TEAMS:
        # The legacy connector card, which Teams incoming webhooks and workflows both accept.
        card: dict[str, Any] = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": subject,
            "title": subject,
            "text": text.replace("\n", "\n\n"),
        }
        if url:
            card["potentialAction"] = [
                {
                    "@type": "OpenUri",
                    "name": "Open in Recoup",
                    "targets": [{"os": "default", "uri": url}],
                }
            ]
        return card
    link = f"\n<{url}|Open in Recoup>" if url else ""
    return {"text": f"*{subject}*\n{text}{link}"}


def chat_post(*, webhook_url: str, payload: dict[str, Any]) -> None:
    if not webhook_url.lower().startswith(("https://", "http://")):
        raise ChatRefusedError("the webhook address must start with http:// or https://")
    request = urllib.request.Request(
        webhook_url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.NOTIFY_CHAT_TIMEOUT_SECONDS) as response:
        status = int(response.status)
    if not 200 <= status < 300:
        raise ChatRefusedError(f"the webhook answered {status}")
