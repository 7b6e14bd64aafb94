"""The OKR board as a download: one row per key result beside its objective, with the board's
filters, sorting by a column, statuses and progress as the board shows them."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_member_add, user_create
from recoup.okrs.models import Cycle, KeyResult, KeyResultKind, Objective

pytestmark = pytest.mark.django_db
URL = "/okrs/export/"


@pytest.fixture
def board(quarter: Cycle) -> Cycle:
    south = Team.objects.create(name="South")
    carl = user_create(username="carl", password=None, role=Role.COLLECTOR, first_name="Carl")
    team_member_add(team=south, user=carl)
    objective = Objective.objects.create(cycle=quarter, key="south", title="South", team=south)
    KeyResult.objects.create(
        objective=objective, key="calls", title="=SUM(A1)", kind=KeyResultKind.MILESTONE, owner=carl
    )
    return quarter


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _csv(client: Client, **query: str) -> list[list[str]]:
    response = client.get(URL, {"cycle": "2026-Q3", **query})
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_one_row_per_key_result_in_the_boards_order(board: Cycle) -> None:
    rows = _csv(_as("ana"))
    header = rows[0]
    assert header[:3] == ["Cycle", "Objective", "Team"]
    assert "Status" in header
    assert "Progress" in header
    assert len(rows) == 1 + KeyResult.objects.count()
    titles = [r[header.index("Key result")] for r in rows[1:]]
    assert titles[:3] == [
        "Less money more than 90 days past due",
        "Payment promises kept",
        "Disputed share of invoices",
    ]
    # A title a spreadsheet would run as a formula is defused.
    assert "'=SUM(A1)" in titles
    promises = rows[2]
    assert promises[header.index("Key result owner")] == "ben"
    assert promises[header.index("Status")] in {
        "On track",
        "At risk",
        "Off track",
        "Outdated",
        "Not started",
    }


def test_the_boards_team_and_mine_filters_hold(board: Cycle) -> None:
    south = _csv(_as("carl"), team="South")
    assert {r[2] for r in south[1:]} == {"South"}
    assert len(south) == 2
    mine = _csv(_as("ben"), mine="1")
    header = mine[0]
    assert {r[header.index("Key result owner")] for r in mine[1:]} == {"ben"}
    # A collector may not filter by another team: refused as on the board.
    refused = _as("carl").get(URL, {"cycle": "2026-Q3", "team": "North"})
    assert refused.status_code == 403


def test_sorting_by_a_column_and_a_bad_sort(board: Cycle) -> None:
    rows = _csv(_as("ana"), sort="-key_result")
    header = rows[0]
    titles = [r[header.index("Key result")] for r in rows[1:]]
    assert titles == sorted(titles, key=lambda t: t.lstrip("'").casefold(), reverse=True)
    bad = _as("ana").get(URL, {"sort": "title"})
    assert bad.status_code == 400
    assert b"sort by one of" in bad.content


def test_the_xlsx_opens_with_progress_as_a_percentage(board: Cycle) -> None:
    response = _as("ana").get(URL, {"cycle": "2026-Q3", "format": "xlsx"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    expected = [r[header.index("Expected")] for r in rows[1:]]
    assert all(isinstance(e, float | int) and 0 <= e <= 1 for e in expected)
    assert len(rows) == 1 + KeyResult.objects.count()
