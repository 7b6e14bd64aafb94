"""Fixtures for notification tests: a real SMTP server (aiosmtpd) and a real webhook receiver
(`http.server`), both on 127.0.0.1 at free ports, and people to notify."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.mail.utils import DNS_NAME
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from tests.smtp import Inbox, free_port, smtp_serving


@pytest.fixture
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    # This machine has no DNS: looking up its own full name would wait for a time-out.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "localhost", raising=False)
    inbox = Inbox()
    with smtp_serving(settings, inbox):
        yield inbox


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
    return f"http://127.0.0.1:{free_port()}/hook"


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
