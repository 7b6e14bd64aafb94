"""The worklist sorted by a column: a view apart from the priority order with the way back,
the team's day sorted too, and both downloads in the page's order."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.worklist.lines import worklist_lines
from recoup.worklist.selectors import Worklist, worklist_for
from recoup.worklist.services import likelihood_current
from tests.worklist.conftest import AT, DAY, Book

pytestmark = pytest.mark.django_db
PAGE = "/worklist/"
EXPORT = "/worklist/export/"
BY_OWES = ["Bigstone Ltd", "Ceased Inc", "Tokyo Trading", "Nophone GmbH", "Promise Co"]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _list(book: Book) -> Worklist:
    return worklist_for(
        scope_for(book.nina), collector=book.nina, likelihood=likelihood_current(today=DAY), at=AT
    )


def _sorted_names(html: str) -> list[str]:
    section = html.split('id="sorted"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="wl-account" href="[^"]+">([^<]+)</a>', section)


def _download(client: Client, **query: str) -> list[list[str]]:
    response = client.get(EXPORT, query)
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_priority_order_is_the_default_and_headers_lead_to_a_sorted_view(book: Book) -> None:
    html = _client(book.max).get(PAGE, {"collector": "nina"}).content.decode()
    assert 'id="sorted"' not in html
    assert 'id="now-title"' in html
    assert "in priority order" in html
    # Each group's headings sort the whole list; none is marked while the list is by priority.
    assert 'href="?collector=nina&amp;sort=owes#sorted">Owes' in html
    assert "aria-sort" not in html


def test_by_what_they_owe_either_way_with_the_way_back(book: Book) -> None:
    client = _client(book.max)
    down = client.get(PAGE, {"collector": "nina", "sort": "-owes"}).content.decode()
    assert _sorted_names(down) == BY_OWES
    assert 'id="now-title"' not in down  # one table of every group, not the groups
    assert 'id="priority-order" href="?collector=nina">Priority order</a>' in down
    assert (
        'aria-sort="descending"><a class="sort-link" href="?collector=nina&amp;sort=owes#sorted">Owes'
        in down
    )
    assert down.count("aria-sort=") == 1
    up = client.get(PAGE, {"collector": "nina", "sort": "owes"}).content.decode()
    assert _sorted_names(up) == list(reversed(BY_OWES))
    by_name = client.get(PAGE, {"collector": "nina", "sort": "customer"}).content.decode()
    assert _sorted_names(by_name) == sorted(BY_OWES)


def test_ties_keep_the_priority_order_either_way(book: Book) -> None:
    worklist = _list(book)
    priority = [line.entry.name for line in worklist_lines(worklist, None)]
    # Every account of the book is in the same segment: a tie throughout.
    assert len({line.entry.segment for line in worklist_lines(worklist, None)}) == 1
    assert [line.entry.name for line in worklist_lines(worklist, "segment")] == priority
    assert [line.entry.name for line in worklist_lines(worklist, "-segment")] == priority


def test_the_download_carries_the_collector_and_the_sort(book: Book) -> None:
    client = _client(book.max)
    html = client.get(PAGE, {"collector": "nina", "sort": "-owes"}).content.decode()
    link = re.search(r'href="(/worklist/export/\?[^"]+format=csv)"', html)
    assert link is not None
    assert link.group(1).replace("&amp;", "&") == (
        "/worklist/export/?collector=nina&sort=-owes&format=csv"
    )
    rows = _download(client, collector="nina", sort="-owes")
    assert [r[2] for r in rows[1:]] == BY_OWES


def test_a_bad_sort_key_is_the_requests_fault(book: Book) -> None:
    client = _client(book.max)
    for url in (PAGE, EXPORT):
        response = client.get(url, {"collector": "nina", "sort": "balance"})
        assert response.status_code == 400
        assert b"cannot sort by 'balance'" in response.content
    team = client.get(PAGE, {"sort": "owes"})
    assert team.status_code == 400
    assert b"sort by one of" in team.content


def test_the_teams_day_sorts_by_a_column_and_downloads_in_that_order(book: Book) -> None:
    client = _client(book.ada)
    html = client.get(PAGE, {"sort": "-collector"}).content.decode()
    team = html.split('id="team"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'href="\?collector=(\w+)"', team) == ["sam", "nina"]
    assert (
        'aria-sort="descending"><a class="sort-link" href="?sort=collector#team">Collector' in team
    )
    link = re.search(r'href="(/worklist/export/\?[^"]+format=csv)"', team)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert query == "/worklist/export/?sort=-collector&table=team&format=csv"
    rows = _download(client, sort="-collector", table="team")
    assert rows[0][:2] == ["Collector", "Contact now"]
    assert [r[0] for r in rows[1:]] == ["Sam Southey", "Nina Nordström"]
    # No call made by either: a tie, in the page's order (by name) whichever way round.
    for sort in ("calls", "-calls"):
        tied = _download(client, sort=sort, table="team")
        assert [r[0] for r in tied[1:]] == ["Nina Nordström", "Sam Southey"]


def test_the_teams_day_download_holds_the_askers_teams_only(book: Book) -> None:
    # North's collector reads her own team's day: South's collector is not in it.
    rows = _download(_client(book.nina), table="team")
    assert [r[0] for r in rows[1:]] == ["Nina Nordström"]
    bad = _client(book.max).get(EXPORT, {"table": "nobody"})
    assert bad.status_code == 400
