"""Downloads and sorting of the product's tables: the same rows as the page, as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
from django.test import Client
from django.utils import timezone

from recoup.accounts.models import AuditEntry
from recoup.accounts.services import audit_record, team_member_add
from recoup.ingest.models import ImportRun
from recoup.ledger.models import Assignment
from tests.web.conftest import World, client_for, make_customer


def _csv(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(client: Client, url: str) -> list[tuple[object, ...]]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert "spreadsheetml" in response["Content-Type"]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


# --- Customers ----------------------------------------------------------------------------------


def test_the_customers_csv_holds_the_pages_columns_and_rows(world: World) -> None:
    response = client_for(world.admin).get("/ledger/customers/export/?format=csv")
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = _csv(client_for(world.admin), "/ledger/customers/export/?format=csv")
    assert rows[0] == ["Customer", "External id", "Segment", "Country", "Invoices"]
    assert ["Northwind Traders", "C-N1", "SMB", "", "1"] in rows
    assert len(rows) == 4


def test_a_collectors_customers_download_holds_only_their_book(world: World) -> None:
    rows = _csv(client_for(world.north_collector), "/ledger/customers/export/")
    names = [r[0] for r in rows[1:]]
    assert names == ["Northwind Traders"]
    sheet = _xlsx(client_for(world.north_collector), "/ledger/customers/export/?format=xlsx")
    assert [r[0] for r in sheet[1:]] == ["Northwind Traders"]


def test_the_customers_download_keeps_the_pages_search_and_sort(world: World) -> None:
    make_customer("C-N2", "Northern Lights")
    rows = _csv(client_for(world.admin), "/ledger/customers/export/?q=North&sort=-name")
    assert [r[0] for r in rows[1:]] == ["Northwind Traders", "Northern Lights"]


def test_a_formula_like_customer_name_is_neutralised_in_both_formats(world: World) -> None:
    evil = make_customer("C-N3", '=HYPERLINK("http://x","pay")')
    Assignment.objects.create(customer=evil, team=world.north, valid_from=date(2025, 1, 1))
    rows = _csv(client_for(world.admin), "/ledger/customers/export/?q=HYPERLINK")
    assert rows[1][0] == '\'=HYPERLINK("http://x","pay")'
    sheet = _xlsx(client_for(world.admin), "/ledger/customers/export/?q=HYPERLINK&format=xlsx")
    assert sheet[0][4] == "Invoices"
    assert sheet[1][0] == '\'=HYPERLINK("http://x","pay")'
    assert sheet[1][4] == 1


def test_the_customers_page_sorts_by_a_column_and_marks_it(world: World) -> None:
    client = client_for(world.admin)
    page = client.get("/ledger/customers/?sort=-name").content.decode()
    assert page.index("Unassigned Union") < page.index("Southern Cross") < page.index("Northwind")
    assert 'aria-sort="descending"' in page
    assert 'href="?sort=name"' in page  # the sorted column's link turns it round
    assert "/ledger/customers/export/?sort=-name&amp;format=csv" in page
    page = client.get("/ledger/customers/").content.decode()
    assert page.index("Northwind") < page.index("Southern Cross")
    assert 'aria-sort="ascending"' in page


def test_an_unknown_sort_key_or_format_is_a_400_with_a_message(world: World) -> None:
    client = client_for(world.admin)
    for url in (
        "/ledger/customers/?sort=password",
        "/ledger/customers/export/?sort=id;drop",
        "/ledger/customers/export/?format=pdf",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.content.decode().startswith(("cannot sort by", "unknown download format"))


# --- Audit --------------------------------------------------------------------------------------


def _audit_world(world: World) -> None:
    AuditEntry.objects.all().delete()
    audit_record(
        action="customer.update",
        object_type="customer",
        object_id=world.north_customer.pk,
        before={"name": "Northwind"},
        after={"name": "=cmd|' /C calc'!A0"},
        actor=world.north_collector,
        via="web",
    )
    audit_record(
        action="customer.update",
        object_type="customer",
        object_id=world.south_customer.pk,
        after={"segment": "SMB"},
        actor=world.south_collector,
        via="web",
    )


def test_the_audit_csv_holds_the_pages_entries_in_words(world: World) -> None:
    _audit_world(world)
    rows = _csv(client_for(world.admin), "/audit/export/?sort=who")
    assert rows[0] == ["When", "Who", "Through", "Did what", "Item kind", "Item", "Changes"]
    assert len(rows) == 3
    nina = rows[1]
    assert nina[1] == "Nina"
    assert nina[5] == "Customer Northwind Traders"
    # A formula-like value is text, not a formula.
    assert nina[6].startswith("Name: Northwind → =cmd")
    assert rows[2][1] == "Sam"


def test_a_managers_audit_download_holds_only_their_teams_people(world: World) -> None:
    _audit_world(world)
    team_member_add(team=world.north, user=world.manager, is_lead=True)
    AuditEntry.objects.exclude(actor__in=[world.north_collector, world.south_collector]).delete()
    rows = _csv(client_for(world.manager), "/audit/export/")
    assert [r[1] for r in rows[1:]] == ["Nina"]
    sheet = _xlsx(client_for(world.manager), "/audit/export/?format=xlsx")
    assert [r[1] for r in sheet[1:]] == ["Nina"]
    assert sheet[0][0] == "When"


def test_the_audit_page_sorts_by_who_and_refuses_an_unknown_key(world: World) -> None:
    _audit_world(world)
    client = client_for(world.admin)
    page = client.get("/audit/?sort=-who").content.decode()
    table = page[page.index("<tbody") :]
    assert table.index("Sam") < table.index("Nina")
    assert 'aria-sort="descending"' in page
    assert "/audit/export/?sort=-who&amp;format=xlsx" in page
    assert client.get("/audit/?sort=actor__password").status_code == 400
    response = client.get("/audit/export/?date_from=yesterday")
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert client.get("/audit/export/", {"sort": "x"}).status_code == 400


# --- Import problems ----------------------------------------------------------------------------


def test_a_rejected_runs_problems_download_holds_every_problem_of_its_report(
    world: World, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    lines = ["kind,row,record,column,value,expected"]
    lines += [f"customers,{n},C-{n},name,=bad{n},text" for n in range(2, 82)]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = ImportRun.objects.create(
        kind="customers",
        file_name="north.csv",
        sha256="0" * 64,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="rejected",
        started_by=world.north_collector,
        errors=80,
        report_path=str(report),
    )
    url = f"/import/runs/{run.pk}/problems/export/"
    page = client_for(world.north_collector).get(f"/import/runs/{run.pk}/").content.decode()
    assert f"{url}?format=csv" in page
    rows = _csv(client_for(world.north_collector), url)
    assert rows[0] == ["Row", "Record", "Column", "Value", "Expected"]
    assert len(rows) == 81  # the page shows 50; the download holds all 80
    assert rows[1] == ["2", "C-2", "name", "'=bad2", "text"]
    sheet = _xlsx(client_for(world.north_collector), f"{url}?format=xlsx")
    assert len(sheet) == 81
    assert sheet[80][3] == "'=bad81"
    # Someone else's run is not found, as its page is not.
    assert client_for(world.south_collector).get(url).status_code == 404


def _rejected_run(world: World, report: Path | None, problems: list[dict[str, str]]) -> ImportRun:
    return ImportRun.objects.create(
        kind="customers",
        file_name="north.csv",
        sha256="0" * 64,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="rejected",
        started_by=world.north_collector,
        errors=len(problems),
        report_path=str(report) if report else "",
        problems=problems,
    )


def test_a_rejected_runs_problems_sort_by_a_column_on_the_page_and_in_the_download(
    world: World, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    found = [  # as the checks found them: not in row order
        ("12", "customer", "country", "Narnia", "a country code"),
        ("3", "customer", "name", "", "text"),
        ("101", "customer", "country", "Atlantis", "a country code"),
        ("3", "customer", "country", "atlantis", "a country code"),
    ]
    lines = ["file,row,record,column,value,expected"]
    lines += [",".join(("north.csv", *p)) for p in found]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _rejected_run(world, report, [])
    client = client_for(world.north_collector)
    page = client.get(f"/import/runs/{run.pk}/", {"sort": "-row"}).content.decode()
    assert 'aria-sort="descending"' in page
    assert f"/import/runs/{run.pk}/problems/export/?sort=-row&amp;format=csv" in page
    url = f"/import/runs/{run.pk}/problems/export/"
    by_row = _csv(client, f"{url}?sort=-row")
    # Numbers as numbers; the two problems of row 3 in the order they were found.
    assert [r[0] for r in by_row[1:]] == ["101", "12", "3", "3"]
    assert [r[2] for r in by_row[1:]][2:] == ["name", "country"]
    by_value = _csv(client, f"{url}?sort=value")
    # Letters whatever their case, ties in the file's order, the blank value last.
    assert [r[3] for r in by_value[1:]] == ["Atlantis", "atlantis", "Narnia", ""]
    assert client.get(url, {"sort": "size"}).status_code == 400
    assert client.get(f"/import/runs/{run.pk}/", {"sort": "size"}).status_code == 400


def test_problems_kept_on_a_run_without_its_report_sort_the_same_way(world: World) -> None:
    kept = [
        {"row": "12", "record": "customer", "column": "country", "value": "X", "expected": "a"},
        {"row": "3", "record": "customer", "column": "name", "value": "", "expected": "text"},
    ]
    run = _rejected_run(world, None, kept)
    rows = _csv(
        client_for(world.north_collector), f"/import/runs/{run.pk}/problems/export/?sort=row"
    )
    assert [r[0] for r in rows[1:]] == ["3", "12"]
