"""Letters as PDF kept on the account and gathered for the print room, text messages through a
provider (a real HTTP server on 127.0.0.1), call tasks, and templates that fail on their own."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pytest_django.fixtures import Settings

from recoup.dunning.models import Level, Message, MessageStatus, MessageTemplate
from recoup.dunning.sending import run_approve
from recoup.dunning.services import DunningError, policies_load, run_prepare, template_save
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus
from recoup.workspace.models import CallBack
from tests.dunning.conftest import Book

pytestmark = pytest.mark.django_db
SHOTS = Path("test-artifacts/screenshots")

POLICY = """
policies:
  - name: {name}
    default: true
    levels:
      - name: {level}
        days: 1
        channel: {channel}
        templates:
          en:
            subject: "Overdue: {{{{ total }}}}"
            body: "Dear {{{{ customer.name }}}},\\n{{% for item in items %}}{{{{ item.number }}}} {{{{ item.open }}}}\\n{{% endfor %}}Contact {{{{ collector.name }}}}."
"""


def _policy(book: Book, channel: str, level: str = "Only step") -> None:
    policies_load(actor=book.mona, text=POLICY.format(name="Custom", level=level, channel=channel))


def _point(book: Book, ref: str, kind: str, value: str) -> None:
    ContactPoint.objects.create(
        customer=book.customers[ref], kind=kind, value=value, status=ContactStatus.VALID
    )


def test_letters_are_pdfs_kept_on_the_account_and_gathered_for_print(book: Book) -> None:
    _policy(book, "letter")
    _point(book, "ALPHA", ContactKind.ADDRESS, "Hauptstrasse 1, 10115 Berlin, Germany")
    _point(book, "BRAVO", ContactKind.ADDRESS, "1 Main Street, Springfield, IL 62701")
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    letters = list(run.messages.filter(status=MessageStatus.SENT).order_by("id"))
    assert len(letters) == 2
    for letter in letters:
        data = letter.letter.read()
        assert data.startswith(b"%PDF")
    run.refresh_from_db()
    whole = run.print_file.read()
    assert whole.startswith(b"%PDF")
    document = pdfium.PdfDocument(whole)
    assert len(document) == 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(SHOTS / "dunning-letter.png")
    text = document[1].get_textpage().get_text_range()
    assert "Bravo & Sons <Ltd>" in text
    assert "I-BRAVO-1" in text
    assert "<p>" not in text


class _Provider(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["auth"] = self.headers.get("Authorization")
        _Provider.received.append(body)
        status = 400 if body["to"].endswith("0000") else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"sms-{len(_Provider.received)}"}).encode())

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def provider(settings: Settings) -> Iterator[list[dict[str, Any]]]:
    _Provider.received = []
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DUNNING_SMS_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.DUNNING_SMS_TOKEN = "secret-token"
    try:
        yield _Provider.received
    finally:
        server.shutdown()
        server.server_close()


def test_text_messages_go_to_the_provider_and_a_refusal_marks_the_number(
    book: Book, provider: list[dict[str, Any]]
) -> None:
    _policy(book, "sms")
    _point(book, "ALPHA", ContactKind.PHONE, "+49 30 1234567")
    _point(book, "BRAVO", ContactKind.PHONE, "+1 312 555 0000")
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    by_ref = {m.customer.external_id: m for m in run.messages.select_related("customer")}
    assert by_ref["ALPHA"].status == MessageStatus.SENT
    assert by_ref["ALPHA"].message_id == "sms-1"
    assert provider[0]["to"] == "+49 30 1234567"
    assert "I-ALPHA-1" in provider[0]["text"]
    assert provider[0]["auth"] == "Bearer secret-token"
    assert by_ref["BRAVO"].status == MessageStatus.REFUSED
    bravo_phone = ContactPoint.objects.get(customer=book.customers["BRAVO"], kind="phone")
    assert bravo_phone.status == ContactStatus.BOUNCED


def test_a_call_task_becomes_a_call_back_for_the_collector(book: Book) -> None:
    _policy(book, "call_task")
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    assert run.messages.filter(status=MessageStatus.SENT).count() >= 2
    call_back = CallBack.objects.get(customer=book.customers["ALPHA"])
    assert call_back.note.startswith("Overdue: 1,000.00 EUR")


def test_a_broken_template_is_listed_with_its_line_and_stops_no_other(book: Book) -> None:
    level = Level.objects.get(policy__is_default=True, name="First reminder")
    broken = MessageTemplate.objects.get(level=level, language="en")
    broken.body = "Dear {{ customer.name }},\n\nyou owe {{ total|floatformat:'x' }}\n{% if %}"
    broken.save()
    run = run_prepare(actor=book.mona, as_of=book.day)
    by_ref = {m.customer.external_id: m for m in run.messages.select_related("customer")}
    assert by_ref["BRAVO"].status == MessageStatus.FAILED
    assert "template 'First reminder' (en) body, line 4" in by_ref["BRAVO"].reason
    # Alpha reads German, whose template is whole.
    assert by_ref["ALPHA"].status == MessageStatus.READY
    assert Message.objects.filter(run=run, status=MessageStatus.READY).count() >= 2


def test_a_template_that_does_not_compile_is_refused_on_save(book: Book) -> None:
    template = MessageTemplate.objects.filter(level__policy__is_default=True).first()
    assert template is not None
    with pytest.raises(DunningError, match="line 2"):
        template_save(actor=book.mona, template=template, subject="Hi", body="ok\n{% for %}")
