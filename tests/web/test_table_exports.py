"""Downloads of the dashboard's tables and of a drill-down's accounts: the page's rows, numbers as
numbers, the asker's scope, the page's filters, sorting by a column, CSV and XLSX alike."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from tests.metrics.builder import Ledger
from tests.web.conftest import World, client_for

AS_OF = "2026-09-30"


@pytest.fixture
def ledger(world: World) -> Ledger:
    """As in tests/web/test_dashboard.py: Acme (North) owes 800, Zeta (South) 500, on top of
    the three 123.45 invoices of `world`."""
    book = Ledger()
    book.customer("Acme", team="North", since="2025-01-01")
    book.customer("Zeta", team="South", since="2025-01-01")
    acme = book.invoice("Acme", "1000.00", issued="2026-06-01", due="2026-07-01")
    book.pay(acme, "400.00", on="2026-08-15")
    second = book.invoice("Acme", "300.00", issued="2026-08-01", due="2026-08-31")
    book.pay(second, "100.00", on="2026-09-10")
    book.invoice("Zeta", "500.00", issued="2026-03-01", due="2026-03-31")
    return book


def _csv(client: Client, url: str, **query: str) -> list[list[str]]:
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(client: Client, url: str, **query: str) -> list[tuple[object, ...]]:
    response = client.get(url, {**query, "format": "xlsx"})
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


ACCOUNTS = "/dashboard/explain/ar_total/export/"


def test_the_drill_down_download_holds_every_account_with_amounts_as_numbers(
    world: World, ledger: Ledger
) -> None:
    rows = _csv(client_for(world.manager), ACCOUNTS, as_of=AS_OF)
    assert rows[0] == ["Customer", "External id", "Total receivables (USD)"]
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("Acme", "800.00"),
        ("Zeta", "500.00"),
        ("Northwind Traders", "123.45"),
        ("Southern Cross Ltd", "123.45"),
        ("Unassigned Union", "123.45"),
    ]
    sheet = _xlsx(client_for(world.manager), ACCOUNTS, as_of=AS_OF)
    assert len(sheet) == 6
    assert sheet[1][0] == "Acme"
    assert sheet[1][2] == 800


def test_the_drill_down_download_sorts_by_a_column(world: World, ledger: Ledger) -> None:
    rows = _csv(client_for(world.manager), ACCOUNTS, as_of=AS_OF, sort="value")
    assert [r[2] for r in rows[1:]] == ["123.45", "123.45", "123.45", "500.00", "800.00"]
    bad = client_for(world.manager).get(ACCOUNTS, {"as_of": AS_OF, "sort": "name;drop"})
    assert bad.status_code == 400
    assert b"sort by one of" in bad.content


def test_a_collectors_drill_down_download_holds_only_their_book(
    world: World, ledger: Ledger
) -> None:
    rows = _csv(client_for(world.north_collector), ACCOUNTS, as_of=AS_OF)
    assert [r[0] for r in rows[1:]] == ["Acme", "Northwind Traders"]


def test_a_ratio_drill_down_download_has_its_input_columns(world: World, ledger: Ledger) -> None:
    rows = _csv(client_for(world.manager), "/dashboard/explain/pct_90_plus/export/", as_of=AS_OF)
    assert rows[0][:2] == ["Customer", "External id"]
    assert "Open over 90 days past due (USD)" in rows[0]
    acme = next(r for r in rows if r[0] == "Acme")
    assert Decimal(acme[-1]) == 75  # percentage points, as the page shows 75.0 %
    sheet = _xlsx(client_for(world.manager), "/dashboard/explain/pct_90_plus/export/", as_of=AS_OF)
    acme_cells = next(r for r in sheet if r[0] == "Acme")
    assert acme_cells[-1] == pytest.approx(0.75)  # a percentage cell: 75 %


def test_the_dashboard_aging_download_adds_up_to_the_open_receivables(
    world: World, ledger: Ledger
) -> None:
    rows = _csv(client_for(world.manager), "/dashboard/export/", as_of=AS_OF, table="aging")
    assert rows[0] == ["Bucket", "Open amount (USD)", "Share"]
    assert sum(Decimal(r[1]) for r in rows[1:]) == Decimal("1670.35")
    by_amount = _csv(
        client_for(world.manager), "/dashboard/export/", as_of=AS_OF, table="aging", sort="-amount"
    )
    amounts = [Decimal(r[1]) for r in by_amount[1:]]
    assert amounts == sorted(amounts, reverse=True)


def test_the_dashboard_breakdown_downloads_are_scoped(world: World, ledger: Ledger) -> None:
    teams = _csv(client_for(world.admin), "/dashboard/export/", as_of=AS_OF, table="team")
    assert teams[0][:2] == ["Team", "Total receivables (USD)"]
    by_team = {r[0]: Decimal(r[1]) for r in teams[1:]}
    assert by_team["North"] == Decimal("923.45")  # 800 + 123.45
    assert by_team["South"] == Decimal("623.45")
    # A collector's download of the same table covers their own book only.
    everyone = _csv(client_for(world.admin), "/dashboard/export/", as_of=AS_OF, table="collector")
    mine = _csv(
        client_for(world.north_collector), "/dashboard/export/", as_of=AS_OF, table="collector"
    )
    assert sum(Decimal(r[1]) for r in everyone[1:]) == Decimal("1670.35")
    assert sum(Decimal(r[1]) for r in mine[1:]) == Decimal("923.45")
    # One team to see: no table by team on the page, none to download.
    response = client_for(world.north_collector).get(
        "/dashboard/export/", {"as_of": AS_OF, "table": "team"}
    )
    assert response.status_code == 400


def test_an_unknown_dashboard_table_is_the_requests_fault(world: World, ledger: Ledger) -> None:
    response = client_for(world.manager).get("/dashboard/export/", {"table": "debtors"})
    assert response.status_code == 400
    assert b"choose aging" in response.content


def test_the_drill_down_page_sorts_by_a_column_and_offers_its_downloads(
    world: World, ledger: Ledger
) -> None:
    client = client_for(world.manager)
    body = client.get(
        "/dashboard/explain/ar_total/", {"as_of": AS_OF, "sort": "value"}
    ).content.decode()
    assert 'aria-sort="ascending"' in body
    first = body.index("Northwind Traders")
    assert first < body.index("Zeta") < body.index("Acme")  # smallest first
    assert "/dashboard/explain/ar_total/export/?as_of=2026-09-30&amp;sort=value&amp;format=csv" in (
        body
    )
    assert client.get("/dashboard/explain/ar_total/", {"sort": "name"}).status_code == 400


def test_presentation_mode_moves_on_after_the_interval_and_keeps_to_the_scope(
    world: World, ledger: Ledger
) -> None:
    client = client_for(world.north_collector)
    board = client.get("/okrs/present/", {"every": "30", "team": "North"})
    assert board.status_code == 200
    assert (
        '<meta http-equiv="refresh" content="30;url=/dashboard/present/?every=30&amp;team=North">'
        in board.content.decode()
    )
    dashboard = client.get("/dashboard/present/", {"every": "30", "team": "North"})
    assert dashboard.status_code == 200
    assert 'content="30;url=/okrs/present/?every=30&amp;team=North"' in dashboard.content.decode()
    assert 'class="mainnav"' not in dashboard.content.decode()
    assert client.get("/dashboard/present/", {"team": "South"}).status_code == 403
    too_fast = client.get("/okrs/present/", {"every": "2"})
    assert too_fast.status_code == 400
    assert b"from 10 to 3600" in too_fast.content
