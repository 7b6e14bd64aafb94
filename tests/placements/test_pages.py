"""The Placements pages and command: a batch prepared, read, approved and downloaded in the
layout agencies take; rules edited; bad input answered with a 4xx that says why; another
team's accounts refused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from recoup.accounts.models import User
from recoup.ledger.models import Placement
from recoup.placements.models import PlacementBatch, PlacementRule
from recoup.placements.services import batch_prepare
from tests.placements.conftest import Book
from tests.placements.rules import rules_add

pytestmark = pytest.mark.django_db

HEADER = [
    "Placement reference",
    "Agency",
    "Debtor",
    "Debtor reference",
    "Address",
    "E-mail",
    "Phone",
    "Invoice",
    "Issued",
    "Due",
    "Days past due",
    "Amount",
    "Currency",
    "Placed on",
]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _prepared(book: Book, client: Client) -> PlacementBatch:
    rules_add(book)
    response = client.post("/placements/prepare/", {"as_of": book.day.isoformat()})
    assert response.status_code == 302
    return PlacementBatch.objects.get()


def test_a_manager_prepares_reads_and_approves_a_batch(book: Book) -> None:
    client = _client(book.mona)
    batch = _prepared(book, client)
    page = client.get(f"/placements/batches/{batch.pk}/").content.decode()
    assert "Silent Ltd" in page
    assert "Lex &amp; Partners" in page
    assert "An open promise to pay" in page
    assert "The debt has been time-barred since" in page
    assert "South Ltd" not in page
    response = client.post(f"/placements/batches/{batch.pk}/approve/")
    assert response.status_code == 302
    assert Placement.objects.filter(external_id__startswith=f"PB{batch.pk}-").count() == 3
    again = client.post(f"/placements/batches/{batch.pk}/approve/", follow=True)
    assert Placement.objects.filter(external_id__startswith=f"PB{batch.pk}-").count() == 3
    assert "Approve and place" not in again.content.decode()


def test_the_batch_downloads_in_the_layout_agencies_take(book: Book) -> None:
    client = _client(book.mona)
    batch = _prepared(book, client)
    client.post(f"/placements/batches/{batch.pk}/approve/")
    response = client.get(f"/placements/batches/{batch.pk}/export/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    silent = next(r for r in rows[1:] if r[3] == "SILENT")
    invoice = book.customers["SILENT"].invoices.get()
    assert silent == [
        f"PB{batch.pk}-{invoice.pk}",
        "Acme Recovery",
        "Silent Ltd",
        "SILENT",
        "1 Main St, Springfield",
        "silent@debtor.test",
        "",
        "INV-SILENT",
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
        "120",
        "1000.00",
        "USD",
        book.day.isoformat(),
    ]
    assert len(rows) == 4
    xlsx = client.get(f"/placements/batches/{batch.pk}/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active  # type: ignore[attr-defined]
    values = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert list(values[0]) == HEADER
    assert len(values) == 4


def test_bad_input_is_answered_with_a_4xx_that_says_why(book: Book) -> None:
    client = _client(book.mona)
    batch = _prepared(book, client)
    bad_format = client.get(f"/placements/batches/{batch.pk}/export/?format=pdf")
    assert bad_format.status_code == 400
    assert "use csv or xlsx" in bad_format.content.decode()
    bad_day = client.post("/placements/prepare/", {"as_of": "2026-02-30"})
    assert bad_day.status_code == 422
    assert client.get("/placements/batches/999999/").status_code == 404
    rule = client.post(
        "/placements/rules/new/",
        {"name": "Big", "position": "1", "agency": book.acme.pk, "min_open": "12,5"},
    )
    assert rule.status_code == 422
    assert "currency" in rule.content.decode()
    rule = client.post(
        "/placements/rules/new/",
        {
            "name": "Big",
            "position": "1",
            "agency": book.acme.pk,
            "min_open": "12,5",
            "min_open_currency": "USD",
        },
    )
    assert rule.status_code == 422
    recall = client.post("/placements/recall/", {"on": book.day.isoformat()})
    assert recall.status_code == 422
    assert "Say what to recall" in recall.content.decode()
    hand = client.post(
        "/placements/by-hand/", {"as_of": book.day.isoformat(), "agency": book.acme.pk}
    )
    assert hand.status_code == 422
    assert "Tick at least one account." in hand.content.decode()
    assert client.get("/placements/by-hand/?as_of=2026-13-01").status_code == 400


def test_a_rule_is_added_and_changed_on_its_page(book: Book) -> None:
    client = _client(book.mona)
    response = client.post(
        "/placements/rules/new/",
        {
            "name": "Large and late",
            "position": "2",
            "agency": book.lex.pk,
            "min_days_past_due": "180",
            "min_open": "5,000.50",
            "min_open_currency": "usd",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = PlacementRule.objects.get()
    assert (rule.min_open_minor, rule.min_open_currency, rule.active) == (500_050, "USD", True)
    page = client.get(f"/placements/rules/{rule.pk}/").content.decode()
    assert 'value="5000.50"' in page
    client.post(
        f"/placements/rules/{rule.pk}/",
        {"name": "Large and late", "position": "2", "agency": book.lex.pk},
    )
    rule.refresh_from_db()
    assert (rule.min_open_minor, rule.active, rule.min_days_past_due) == (None, False, None)
    client.post(f"/placements/rules/{rule.pk}/delete/")
    assert not PlacementRule.objects.exists()


def test_another_teams_accounts_are_refused(book: Book) -> None:
    client = _client(book.mona)
    hand = client.post(
        "/placements/by-hand/",
        {
            "as_of": book.day.isoformat(),
            "agency": book.acme.pk,
            "customer": [book.customers["SILENT"].pk, book.customers["SOUTH"].pk],
        },
    )
    assert hand.status_code == 403
    rules_add(book)
    admins = batch_prepare(actor=book.ada, as_of=book.day)
    assert client.get(f"/placements/batches/{admins.pk}/").status_code == 403
    assert client.post(f"/placements/batches/{admins.pk}/approve/").status_code == 403
    assert client.get(f"/placements/batches/{admins.pk}/export/").status_code == 403
    assert "Batch" not in client.get("/placements/").content.decode().split("Latest batches")[1]
    assert _client(book.nina).get("/placements/").status_code == 403
    tick = client.get(f"/placements/by-hand/?as_of={book.day.isoformat()}").content.decode()
    assert "Silent Ltd" in tick
    assert "South Ltd" not in tick


def test_the_command_previews_as_json_and_places_with_approve(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    rules_add(book)
    call_command("placements", "preview", "--as-of", book.day.isoformat(), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert {r["customer"] for r in out["invoices"]} == {"OLD", "SILENT", "BROKEN", "SOUTH"}
    assert out["left_out"]["legal action refused by the contact rules"] == 1
    assert not PlacementBatch.objects.exists()
    call_command("placements", "run", "--as-of", book.day.isoformat(), "--approve")
    assert "4 invoices, 4 placed" in capsys.readouterr().out
    assert Placement.objects.filter(external_id__startswith="PB").count() == 4
