"""Fixtures for notification tests: a real SMTP server (aiosmtpd) and a real webhook receiver
(`http.server`), both on 127.0.0.1 at free ports, and people to notify."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.core.mail.utils import DNS_NAME
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    # This machine has no DNS: looking up its own full name would wait for a time-out.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "localhost", raising=False)
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="localhost"
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Hooks:
    """What the webhook receiver got: one parsed JSON body per POST, and the answer it gives."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    answer: int = 200


@pytest.fixture
def webhook() -> Iterator[Hooks]:
    hooks = Hooks(url="")

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hooks.received.append(json.loads(self.rfile.read(length)))
            self.send_response(hooks.answer)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dead_webhook_url() -> str:
    """An address where nothing listens: the connection is refused at once."""
    return f"http://127.0.0.1:{_free_port()}/hook"


@pytest.fixture
def ada(db: None) -> User:
    return user_create(
        username="ada",
        password="a long and unusual password 42",
        role=Role.MANAGER,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.test",
    )
