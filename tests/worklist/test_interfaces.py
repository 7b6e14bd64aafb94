"""The worklist's page, API and command: the same list, the same access rules, clear refusals."""

from __future__ import annotations

import json
import re
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.worklist.models import CollectorCapacity
from tests.worklist.conftest import AT, Book

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _at_the_test_instant() -> object:
    # The page works "now": now is the fixture's instant.
    with mock.patch("django.utils.timezone.now", return_value=AT):
        yield


def test_a_collector_opens_their_own_list_in_order_with_reasons_and_ways(book: Book) -> None:
    page = _client(book.nina).get("/worklist/").content.decode()
    assert "Nina Nordström's accounts for Tuesday 30 June" in page
    assert "will the account pay at least half of what it owes within 30 days?" in page
    assert "Checked on 6 accounts open on 31 May 2026" in page
    assert page.index("Promise Co") < page.index("Bigstone Ltd") < page.index("Tokyo Trading")
    assert "promise of 20.00 USD due today" in page
    assert "+1 312 555 0001" in page
    assert "Later today (1)" in page
    assert "Blocked (1)" in page
    assert "No working phone or e-mail (1)" in page
    assert "Southern Cross Ltd" not in page
    assert "How the list is ordered" in page


def test_a_manager_chooses_whose_list_and_a_viewer_or_another_team_is_refused(
    book: Book,
) -> None:
    chooser = _client(book.max).get("/worklist/").content.decode()
    assert "Every collector's day at a glance; choose one to read their list." in chooser
    team = chooser[chooser.index("The team's day") :]
    assert team.index("Nina Nordström") < team.index("Sam Southey")
    nina_row = team[team.index("Nina Nordström") : team.index("Sam Southey")]
    assert re.findall(r'class="num">(\d+)<', nina_row)[:5] == ["2", "1", "0", "1", "1"]
    assert ">Nina Nordström</option>" in chooser
    assert ">Sam Southey</option>" in chooser  # managers see the whole ledger
    assert "Bigstone Ltd" in _client(book.max).get("/worklist/?collector=nina").content.decode()
    assert _client(book.sam).get("/worklist/?collector=nina").status_code == 403
    assert _client(book.vera).get("/worklist/").status_code == 403
    assert _client(book.max).get("/worklist/?collector=nobody").status_code == 404
    assert (
        "Southern Cross Ltd" in _client(book.ada).get("/worklist/?collector=sam").content.decode()
    )


def test_a_manager_sets_the_daily_calls_audited_and_a_bad_number_is_named(book: Book) -> None:
    client = _client(book.max)
    done = client.post("/worklist/daily-calls/", {"collector": "nina", "daily_calls": "25"})
    assert done.status_code == 302
    assert done["Location"] == "/worklist/?collector=nina"
    assert CollectorCapacity.objects.get(collector=book.nina).daily_calls == 25
    entry = AuditEntry.objects.get(action="worklist_daily_calls_set")
    assert (entry.actor, entry.after) == (book.max, {"daily_calls": 25})
    bad = client.post("/worklist/daily-calls/", {"collector": "nina", "daily_calls": "lots"})
    assert bad.status_code == 422
    assert (
        "Daily calls &#x27;lots&#x27;: give a whole number from 1 to 1000." in bad.content.decode()
    )
    assert CollectorCapacity.objects.get(collector=book.nina).daily_calls == 25
    huge = client.post("/worklist/daily-calls/", {"collector": "nina", "daily_calls": "9" * 5000})
    assert huge.status_code == 422
    refused = _client(book.nina).post(
        "/worklist/daily-calls/", {"collector": "nina", "daily_calls": "500"}
    )
    assert refused.status_code == 403
    assert CollectorCapacity.objects.get(collector=book.nina).daily_calls == 25


def test_the_api_gives_the_list_and_names_bad_input(book: Book) -> None:
    client = _client(book.nina)
    body = client.get("/api/worklist", {"at": "2026-06-30T15:00:00Z"}).json()
    assert [e["customer"] for e in body["entries"]] == ["C-0002", "C-0001"]
    assert body["entries"][0]["urgent"] == ["promise of 20.00 USD due today"]
    assert body["entries"][1]["balance"] == "50000.00"
    assert [e["customer"] for e in body["later_today"]] == ["C-0005"]
    assert body["later_today"][0]["contacts"][0]["next_allowed_at"] == "2026-06-30T23:00:00Z"
    assert [e["customer"] for e in body["blocked"]] == ["C-0003"]
    assert body["calls"] == {"limit": 60, "made_today": 0}
    bad = client.get("/api/worklist", {"at": "2026-06-30 15:00"})
    assert bad.status_code == 422
    assert "give the offset" in bad.json()["detail"]
    assert client.get("/api/worklist", {"collector": "nobody"}).status_code == 404
    assert client.get("/api/worklist", {"collector": "sam"}).status_code == 403


def test_the_command_prints_the_list_in_order_and_as_json(book: Book) -> None:
    out = StringIO()
    call_command("worklist", "--collector", "nina", "--at", "2026-06-30T15:00:00Z", stdout=out)
    text = out.getvalue()
    assert text.startswith(
        "Nina Nordström's worklist for Tue 30 Jun 2026: 2 to contact now, 1 later"
    )
    assert text.index("1. Promise Co (C-0002)") < text.index("2. Bigstone Ltd (C-0001)")
    assert "call blocked (cease:" in text
    out = StringIO()
    call_command(
        "worklist",
        "--collector",
        "nina",
        "--at",
        "2026-06-30T15:00:00Z",
        "--format",
        "json",
        stdout=out,
    )
    assert [e["name"] for e in json.loads(out.getvalue())["entries"]] == [
        "Promise Co",
        "Bigstone Ltd",
    ]
    with pytest.raises(CommandError, match="collector 'nobody': no active user"):
        call_command("worklist", "--collector", "nobody")
    with pytest.raises(CommandError, match="give the offset"):
        call_command("worklist", "--collector", "nina", "--at", "2026-06-30")


def test_the_fit_command_reports_both_methods(book: Book) -> None:
    out = StringIO()
    call_command("worklist", "--fit", stdout=out)
    assert "the worklists use the scorecard" in out.getvalue()  # four accounts: thin history
