"""The OKR board's table of every key result (`?view=table`): sorted by a column header either
way round, blanks last, ties in the board's order, and its download in the same order."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from recoup.accounts.models import User
from recoup.okrs.models import Cycle, KeyResult, KeyResultKind, Objective

pytestmark = pytest.mark.django_db
BOARD = "/okrs/"
EXPORT = "/okrs/export/"
# The board's order: objectives as planned, their key results beneath.
NINETY = "Less money more than 90 days past due"
PROMISES = "Payment promises kept"
DISPUTES = "Disputed share of invoices"
TRAINING = "Compliance training done by everyone"
AUDIT = "Call audit passed"
UNOWNED = "Script reviewed"


@pytest.fixture
def board(quarter: Cycle) -> Cycle:
    User.objects.filter(username="ana").update(first_name="Ana", last_name="Alder")
    User.objects.filter(username="ben").update(first_name="Ben", last_name="Birch")
    fair = Objective.objects.get(cycle=quarter, key="fair")
    KeyResult.objects.create(
        objective=fair, key="script", title=UNOWNED, kind=KeyResultKind.MILESTONE, owner=None
    )
    return quarter


def _client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="ana"))
    return client


def _titles(html: str) -> list[str]:
    table = html.split('id="all-key-results"', 1)[1]
    return re.findall(r'<th scope="row" role="rowheader"><a href="[^"]+">([^<]+)</a></th>', table)


def _page(**query: str) -> tuple[list[str], str]:
    response = _client().get(BOARD, {"cycle": "2026-Q3", "view": "table", **query})
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    return _titles(html), html


def _download(**query: str) -> list[list[str]]:
    response = _client().get(EXPORT, {"cycle": "2026-Q3", **query})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_table_lists_every_key_result_in_the_boards_order_until_a_column_is_chosen(
    board: Cycle,
) -> None:
    titles, html = _page()
    assert titles[:3] == [NINETY, PROMISES, DISPUTES]
    assert set(titles) == set(KeyResult.objects.values_list("title", flat=True))
    # No column is marked sorted, and each heading links to its sort, keeping the view.
    assert "aria-sort" not in html.split('id="all-key-results"', 1)[1]
    assert 'href="?cycle=2026-Q3&amp;view=table&amp;sort=owner#all-key-results"' in html
    # The cards stay the default; the table is one choice away.
    cards = _client().get(BOARD, {"cycle": "2026-Q3"}).content.decode()
    assert 'id="all-key-results"' not in cards
    assert "All key results</a>" in cards


def test_by_owner_names_either_way_with_ties_in_board_order_and_nobody_last(
    board: Cycle,
) -> None:
    up, html = _page(sort="owner")
    assert up == [NINETY, TRAINING, AUDIT, PROMISES, DISPUTES, UNOWNED]
    assert (
        'aria-sort="ascending"><a class="sort-link" href="?cycle=2026-Q3&amp;view=table&amp;sort=-owner#all-key-results">Owner'
        in html
    )
    assert html.count("aria-sort=") == 1
    down, html = _page(sort="-owner")
    assert down == [PROMISES, DISPUTES, NINETY, TRAINING, AUDIT, UNOWNED]
    assert 'aria-sort="descending"' in html
    assert "Back to the board's order" in html


def test_by_due_day_as_dates_either_way(board: Cycle) -> None:
    up, _ = _page(sort="due")
    # The audit is due 15 Sep; the others at the cycle's end, in the board's order.
    assert up[0] == AUDIT
    assert up[1:] == [NINETY, PROMISES, DISPUTES, TRAINING, UNOWNED]
    down, _ = _page(sort="-due")
    assert down == [NINETY, PROMISES, DISPUTES, TRAINING, UNOWNED, AUDIT]


def test_the_download_carries_the_tables_sort_and_filters(board: Cycle) -> None:
    titles, html = _page(sort="-owner", team="North")
    csv_link = re.search(r'href="(/okrs/export/\?[^"]+format=csv)"', html)
    assert csv_link is not None
    query = csv_link.group(1).replace("&amp;", "&")
    assert "sort=-owner" in query
    assert "team=North" in query
    rows = _download(sort="-owner", team="North")
    header = rows[0]
    assert [r[header.index("Key result")] for r in rows[1:]] == titles
    assert [r[header.index("Key result owner")] for r in rows[1:]][:2] == ["Ben Birch", "Ben Birch"]


def test_a_bad_sort_key_is_the_requests_fault_on_the_page_and_the_download(board: Cycle) -> None:
    for url in (BOARD, EXPORT):
        response = _client().get(url, {"cycle": "2026-Q3", "view": "table", "sort": "title;--"})
        assert response.status_code == 400
        assert b"sort by one of" in response.content
