"""The Dunning pages: a manager prepares, reads and approves a run; a collector reads it and
cannot approve; the template editor's live preview renders the typed text for a customer."""

from __future__ import annotations

import pytest
from django.test import Client

from recoup.dunning.models import MessageStatus, MessageTemplate, Run
from tests.dunning.conftest import Book, Mailbox

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_manager_prepares_reads_and_approves_a_run(book: Book, smtp: Mailbox) -> None:
    manager = _client(book.mona)
    response = manager.post("/dunning/prepare/", {"as_of": book.day.isoformat()})
    assert response.status_code == 302
    run = Run.objects.get()
    page = manager.get(f"/dunning/runs/{run.pk}/").content.decode()
    assert "Alpha GmbH" in page
    assert "no working e-mail" in page
    assert "Approve and send" in page
    blocked = manager.get(f"/dunning/runs/{run.pk}/?status=blocked").content.decode()
    assert "Ceased Ltd" in blocked
    assert "Alpha GmbH" not in blocked
    assert manager.post(f"/dunning/runs/{run.pk}/approve/").status_code == 302
    assert run.messages.filter(status=MessageStatus.SENT).count() == 3
    assert len(smtp.messages) == 3
    after = manager.get(f"/dunning/runs/{run.pk}/").content.decode()
    assert "Approve and send" not in after


def test_a_collector_reads_a_run_but_cannot_approve_it(book: Book) -> None:
    _client(book.mona).post("/dunning/prepare/", {"as_of": book.day.isoformat()})
    run = Run.objects.get()
    collector = _client(book.nina)
    page = collector.get(f"/dunning/runs/{run.pk}/").content.decode()
    assert "Alpha GmbH" in page
    assert "Approve and send" not in page
    assert collector.post(f"/dunning/runs/{run.pk}/approve/").status_code == 403
    assert not run.messages.filter(status=MessageStatus.SENT).exists()


def test_the_live_preview_renders_the_typed_template_for_a_customer(book: Book) -> None:
    template = MessageTemplate.objects.get(level__name="First reminder", language="en")
    manager = _client(book.mona)
    alpha = book.customers["ALPHA"]
    response = manager.post(
        f"/dunning/templates/{template.pk}/preview/",
        {"subject": "Owed: {{ total }}", "body": "Hi {{ customer.name }}", "customer": alpha.pk},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert "Owed: 1,000.00 EUR" in text
    assert "Hi Alpha GmbH" in text
    broken = manager.post(
        f"/dunning/templates/{template.pk}/preview/",
        {"subject": "x", "body": "line one\n{% endfor %}", "customer": alpha.pk},
    )
    assert "line 2" in broken.content.decode()


def test_a_saved_template_is_used_by_the_next_run(book: Book) -> None:
    template = MessageTemplate.objects.get(level__name="First reminder", language="en")
    manager = _client(book.mona)
    response = manager.post(
        f"/dunning/templates/{template.pk}/",
        {"subject": "Please pay {{ total }}", "body": "Dear {{ customer.name }}, please pay."},
    )
    assert response.status_code == 302
    manager.post("/dunning/prepare/", {"as_of": book.day.isoformat()})
    bravo = Run.objects.get().messages.get(customer=book.customers["BRAVO"])
    assert bravo.subject == "Please pay 500.00 USD"
