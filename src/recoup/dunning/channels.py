"""How a message leaves: e-mail over SMTP through Django's mail framework (text and HTML parts,
Reply-To of the collector), text messages POSTed as JSON to a configurable provider, and letters
as print-ready PDF (WeasyPrint). Each returns the message id it went out under, or raises
`AddressRefusedError` (the receiving end said no to this address) or `ChannelError` (try again later)."""

from __future__ import annotations

import importlib
import json
import smtplib
import urllib.error
import urllib.request
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


def _escaped(html: str) -> SafeString:
    """A message's HTML part: escaped when its template was rendered (`render_message`)."""
    return mark_safe(html)


class ChannelError(Exception):
    pass


class AddressRefusedError(ChannelError):
    """The address was refused: the contact point is wrong."""


def mail_connection() -> BaseEmailBackend:
    return mailers.default


def email_send(
    *,
    connection: BaseEmailBackend,
    to: str,
    subject: str,
    text: str,
    html: str,
    reply_to: str,
    context: dict[str, Any],
) -> str:
    message_id = make_msgid(domain="recoup.local")
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to],
        headers={"Message-ID": message_id},
        connection=connection,
    )
    document = render_to_string("dunning/email.html", {"body": _escaped(html), **context})
    message.attach_alternative(document, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise AddressRefusedError(f"the mail server refused {to}: {_smtp_words(error)}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise ChannelError(f"the mail server could not be reached: {error}") from None
    return message_id


def _smtp_words(error: smtplib.SMTPRecipientsRefused) -> str:
    said = []
    for code, text in error.recipients.values():
        words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        said.append(f"{code} {words}")
    return "; ".join(said)


def sms_send(*, to: str, text: str, reference: str) -> str:
    if not settings.DUNNING_SMS_URL:
        raise ChannelError("no text message provider is set (RECOUP_DUNNING_SMS_URL)")
    payload = json.dumps({"to": to, "text": text, "reference": reference}).encode()
    request = urllib.request.Request(
        settings.DUNNING_SMS_URL,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if settings.DUNNING_SMS_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.DUNNING_SMS_TOKEN}")
    try:
        with urllib.request.urlopen(
            request, timeout=settings.DUNNING_SMS_TIMEOUT_SECONDS
        ) as response:
            answer = response.read()
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500:
            raise AddressRefusedError(f"the provider refused {to}: HTTP {error.code}") from None
        raise ChannelError(f"the provider answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ChannelError(f"the provider could not be reached: {error}") from None
    try:
        said = json.loads(answer or b"{}")
    except ValueError:
        said = {}
    return str(said.get("id") or reference) if isinstance(said, dict) else reference


def letter_html(*, address: str, subject: str, html: str, context: dict[str, Any]) -> str:
    return render_to_string(
        "dunning/letter.html",
        {
            "address_lines": [line.strip() for line in address.split(",")],
            "subject": subject,
            "body": _escaped(html),
            **context,
        },
    )


def pdf_of(documents: list[str]) -> bytes:
    """One PDF of the given HTML letters, each starting on a new page."""
    # Imported on first use: WeasyPrint loads Pango, which a process that prints nothing spares.
    html = importlib.import_module("weasyprint").HTML
    rendered = [html(string=d).render() for d in documents]
    if not rendered:
        raise ChannelError("no letters to print")
    pages = [page for doc in rendered for page in doc.pages]
    return bytes(rendered[0].copy(pages).write_pdf())
