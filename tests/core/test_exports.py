"""The one way tables become files and sort by their columns (`recoup.core.exports`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.http import QueryDict

from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    csv_chunks,
    export_file_name,
    export_format,
    export_links,
    neutralised,
    sort_headers,
    sort_parse,
    xlsx_write,
)
from recoup.core.money import Money


@dataclass
class Row:
    name: str
    owed: Money
    day: date
    share: Decimal


COLUMNS = (
    Column[Row]("Customer", lambda r: r.name),
    Column[Row]("Owed (USD)", lambda r: r.owed, Kind.MONEY),
    Column[Row]("Due", lambda r: r.day, Kind.DATE),
    Column[Row]("Share", lambda r: r.share, Kind.PERCENT),
)
ROWS = [
    Row('Harbor, "Bakery"', Money(1_234_50, "USD"), date(2026, 3, 1), Decimal("12.5")),
    Row('=HYPERLINK("x")', Money(-5_00, "USD"), date(2026, 3, 2), Decimal(0)),
]


def _csv(rows: list[Row]) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(csv_chunks(COLUMNS, rows))
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_csv_starts_with_a_bom_and_quotes_as_rfc_4180_says() -> None:
    raw, parsed = _csv(ROWS)
    assert raw.startswith("\ufeff".encode())
    assert b'"Harbor, ""Bakery""",1234.50,2026-03-01,12.5\r\n' in raw
    assert parsed[0] == ["Customer", "Owed (USD)", "Due", "Share"]


def test_money_is_a_plain_number_in_major_units_and_negative_money_is_not_neutralised() -> None:
    _, parsed = _csv(ROWS)
    assert parsed[1][1] == "1234.50"
    assert parsed[2][1] == "-5.00"


def test_a_formula_like_text_cell_is_neutralised_with_a_leading_quote() -> None:
    _, parsed = _csv(ROWS)
    assert parsed[2][0] == '\'=HYPERLINK("x")'
    for start in "=+-@":
        assert neutralised(f"{start}1") == f"'{start}1"
    assert neutralised("Plain") == "Plain"


def test_a_large_csv_comes_in_many_chunks_rather_than_one() -> None:
    chunks = list(csv_chunks(COLUMNS, ROWS * 1000))
    assert len(chunks) > 3
    assert sum(c.count(b"\r\n") for c in chunks) == 2001


def test_an_xlsx_opens_with_numbers_dates_and_neutralised_text(tmp_path: object) -> None:
    buffer = io.BytesIO()
    xlsx_write(COLUMNS, ROWS, buffer)
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Customer", "Owed (USD)", "Due", "Share")
    assert rows[1][0] == 'Harbor, "Bakery"'
    assert rows[1][1] == pytest.approx(1234.5)
    assert rows[1][2] == datetime(2026, 3, 1)
    assert rows[1][3] == pytest.approx(0.125)
    assert rows[2][0] == '\'=HYPERLINK("x")'
    assert sheet.cell(row=3, column=1).data_type == "s"


def test_an_aware_time_is_written_in_the_local_time_zone() -> None:
    column = Column[datetime]("At", lambda d: d, Kind.DATE)
    raw = b"".join(csv_chunks([column], [datetime(2026, 1, 1, 12, 0, tzinfo=UTC)]))
    assert raw.decode("utf-8-sig").splitlines()[1].startswith("2026-01-01 ")


def test_a_file_is_named_after_its_page_and_day() -> None:
    assert export_file_name("customers", "csv", day=date(2026, 12, 3)) == "customers-2026-12-03.csv"


def test_an_unknown_format_is_the_requests_fault() -> None:
    assert export_format(None) == "csv"
    assert export_format("XLSX") == "xlsx"
    with pytest.raises(ExportError, match="csv or xlsx"):
        export_format("pdf")


SORTS = {"name": ("name",), "when": ("-at", "id")}


def test_a_sort_key_maps_to_its_allow_listed_fields_either_way() -> None:
    assert sort_parse("", SORTS, "name").order_by == ("name",)
    assert sort_parse("-name", SORTS, "name").order_by == ("-name",)
    assert sort_parse("when", SORTS, "name").order_by == ("-at", "id")
    assert sort_parse("-when", SORTS, "name").order_by == ("at", "-id")


def test_an_unknown_sort_key_is_refused_naming_the_keys_there_are() -> None:
    for bad in ("password", "name; drop table", "--name", "customer__user__password"):
        with pytest.raises(ExportError, match="cannot sort by"):
            sort_parse(bad, SORTS, "name")


def test_headers_link_to_the_other_direction_and_say_how_they_are_sorted() -> None:
    query = QueryDict("q=north&sort=name&page=3")
    sort = sort_parse("name", SORTS, "name")
    name, when, plain = sort_headers(
        sort, query, [("Name", "name", False), ("When", "when", False), ("Notes", "", False)]
    )
    assert name.aria_sort == "ascending"
    assert name.href == "?q=north&sort=-name"
    assert when.aria_sort == ""
    assert when.href == "?q=north&sort=when"
    assert plain.href == ""
    links = export_links("/ledger/customers/export/", query)
    assert links.csv == "/ledger/customers/export/?q=north&sort=name&format=csv"
    assert links.xlsx.endswith("format=xlsx")
