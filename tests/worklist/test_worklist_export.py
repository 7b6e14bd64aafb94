"""A collector's worklist as a download: every group of the page in one table, in the page's
order or by a column, the collector's book only, CSV and XLSX alike."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client

from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.core.exports import ExportError
from recoup.worklist.export_views import worklist_lines
from recoup.worklist.selectors import Worklist, worklist_for
from recoup.worklist.services import likelihood_current
from tests.worklist.conftest import AT, DAY, Book

pytestmark = pytest.mark.django_db


def _list(book: Book) -> Worklist:
    return worklist_for(
        scope_for(book.nina), collector=book.nina, likelihood=likelihood_current(today=DAY), at=AT
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_group_comes_in_the_pages_order(book: Book) -> None:
    worklist = _list(book)
    lines = worklist_lines(worklist, None)
    assert [(line.group, line.entry.name) for line in lines[:2]] == [
        ("Contact now", "Promise Co"),
        ("Contact now", "Bigstone Ltd"),
    ]
    groups = [worklist.entries, worklist.later, worklist.waiting, worklist.blocked]
    groups += [worklist.referred, worklist.unreachable]
    assert len(lines) == sum(len(g) for g in groups)
    assert {line.entry.name for line in lines} == {
        "Bigstone Ltd",
        "Promise Co",
        "Ceased Inc",
        "Nophone GmbH",
        "Tokyo Trading",
    }


def test_a_column_sort_orders_the_whole_list(book: Book) -> None:
    lines = worklist_lines(_list(book), "-owes")
    assert [line.entry.name for line in lines][:3] == [
        "Bigstone Ltd",
        "Ceased Inc",
        "Tokyo Trading",
    ]
    by_name = [line.entry.name for line in worklist_lines(_list(book), "customer")]
    assert by_name == sorted(by_name, key=str.casefold)
    with pytest.raises(ExportError, match="cannot sort by 'balance'"):
        worklist_lines(_list(book), "balance")


def test_the_download_is_the_collectors_own_book(book: Book) -> None:
    response = _client(book.nina).get("/worklist/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="worklist-nina-')
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Group", "Rank", "Customer", "External id", "Owes"]
    names = {r[2] for r in rows[1:]}
    assert len(rows) == 6
    assert "Southern Cross Ltd" not in names
    big = next(r for r in rows if r[2] == "Bigstone Ltd")
    assert big[4] == "50000.00"
    assert big[5] == "USD"


def test_the_xlsx_download_opens_with_numbers_as_numbers(book: Book) -> None:
    response = _client(book.max).get("/worklist/export/", {"collector": "nina", "format": "xlsx"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    big = next(r for r in rows if r[2] == "Bigstone Ltd")
    assert big[4] == 50000


def test_another_teams_list_and_no_list_are_refused(book: Book) -> None:
    assert _client(book.sam).get("/worklist/export/", {"collector": "nina"}).status_code == 403
    assert _client(book.vera).get("/worklist/export/").status_code == 403
    chosen_nobody = _client(book.max).get("/worklist/export/")
    assert chosen_nobody.status_code == 400
    assert b"choose a collector" in chosen_nobody.content
