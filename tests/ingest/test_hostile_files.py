"""Files that are wrong in shape, size or encoding are refused at their row and column, within the
memory limits, never with a traceback (issue 10). Hostile files are made here, in tmp_path."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from recoup.ingest.problems import SHOWN_VALUE_CHARS, Problem
from recoup.ingest.readers import FileReadError, open_source
from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m
from tests.ingest.conftest import ledger_fingerprint, only

pytestmark = pytest.mark.django_db

Run = Callable[..., ImportOutcome]
HEADER = "external_id,customer,issue_date,due_date,amount,currency\n"


def _row(n: int | str, customer: str = "C-1") -> str:
    return f"I-{n},{customer},2024-01-05,2024-02-04,10.00,USD\n"


def _rejected(run: Run, kind: str, path: Path) -> list[Problem]:
    before = ledger_fingerprint()
    outcome = run(kind, path)
    assert not outcome.ok
    assert outcome.run.status == "rejected"  # a run record, a report: never a traceback
    assert outcome.report_path is not None
    assert outcome.report_path.is_file()
    assert ledger_fingerprint() == before
    return outcome.problems


@pytest.fixture
def acme() -> m.Customer:
    return m.Customer.objects.create(external_id="C-1", name="Acme Ltd")


# -- CSV shape and size ----------------------------------------------------------------------------


def test_a_row_with_an_unquoted_extra_comma_is_named_by_its_line(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    rows = [_row(n) for n in range(2, 51)]
    rows[28] = "I-30,C-1,2024-01-05,2024-02-04,10,00,USD\n"  # line 30 of 50
    path = tmp_path / "inv.csv"
    path.write_text(HEADER + "".join(rows))
    problem = only(_rejected(run_import, "invoices", path))
    assert problem.row == 30
    assert "6 fields, as in the header; this line has 7" in problem.expected
    assert problem.value.startswith("I-30,")


def test_ragged_lines_keep_their_numbers_after_blank_lines_and_quoted_line_breaks(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(
        HEADER
        + _row(1)
        + "\n"
        + 'I-2,"C\n-1",2024-01-05,2024-02-04,10.00,USD\n'
        + "I-3,C-1,2024-01-05\n"
        + "".join(_row(n) for n in range(4, 40))
    )
    problem = only(_rejected(run_import, "invoices", path))
    assert (problem.row, problem.column) == (6, "")
    assert "this line has 3" in problem.expected


def test_a_huge_field_is_named_by_row_and_column_with_the_limit_setting(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(HEADER + _row(1, customer="C" * (5 << 20)) + _row(2))
    problem = only(_rejected(run_import, "invoices", path))
    assert (problem.row, problem.column) == (2, "customer")
    assert "RECOUP_IMPORT_MAX_FIELD_BYTES" in problem.expected
    assert "5,242,880" in problem.expected
    assert len(problem.value) <= SHOWN_VALUE_CHARS


def test_the_field_limit_comes_from_the_settings(
    acme: m.Customer, tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MAX_FIELD_BYTES = 2048
    path = tmp_path / "inv.csv"
    path.write_text(HEADER + _row(1) + _row(2) + _row(3, customer="x" * 3000))
    problem = only(_rejected(run_import, "invoices", path))
    assert (problem.row, problem.column) == (4, "customer")
    assert "at most 2,048 bytes" in problem.expected


def test_a_nul_byte_is_refused_with_its_line(tmp_path: Path, run_import: Run) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes((HEADER + _row(1) + _row(2)).encode() + b"I-3,C\x00,x,y,z,USD\n")
    problem = only(_rejected(run_import, "invoices", path))
    assert problem.row == 4
    assert "NUL" in problem.expected


# -- encodings -------------------------------------------------------------------------------------


def _ascii_megabyte() -> str:
    rows = []
    size = 0
    n = 0
    while size < (1 << 20) + 4096:
        # Long lines: the first undecodable byte falls inside what DuckDB's sniffer samples.
        line = f"C-{n:06d},Customer number {n:06d} of the long ascii stretch {'.' * 40}\n"
        rows.append(line)
        size += len(line)
        n += 1
    return "".join(rows)


def test_a_file_that_turns_latin_1_after_a_megabyte_is_read_as_latin_1(
    tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "customers.csv"
    head = "external_id,name\n" + _ascii_megabyte()
    path.write_bytes(head.encode() + "C-late,Café Zoë\n".encode("latin-1"))
    outcome = run_import("customers", path)
    assert outcome.ok, outcome.problems
    assert m.Customer.objects.get(external_id="C-late").name == "Café Zoë"


def test_a_utf_8_file_that_turns_latin_1_after_a_megabyte_is_refused_at_that_line(
    tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "customers.csv"
    head = "external_id,name\nC-0,Zoë\n" + _ascii_megabyte()
    lines = head.count("\n")
    path.write_bytes(head.encode() + "C-late,Café\n".encode("latin-1"))
    problem = only(_rejected(run_import, "customers", path))
    assert problem.row == lines + 1
    assert "mixes encodings" in problem.expected


def test_one_latin_1_byte_in_a_utf_8_file_is_refused_not_garbled(
    tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(
        b"external_id,name\nC-1,Acme\n"
        + "C-2,Café\n".encode("latin-1")
        + "".join(f"C-{n},Café {n}\n" for n in range(3, 40)).encode()
    )
    problem = only(_rejected(run_import, "customers", path))
    assert problem.row == 3
    assert "mixes encodings" in problem.expected
    assert not m.Customer.objects.exists()


# -- files that are not what they claim ------------------------------------------------------------


def _refused(tmp_path: Path, name: str, content: bytes) -> FileReadError:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileReadError) as caught, open_source(path):
        pass
    return caught.value


def test_text_named_xlsx_or_parquet_is_refused_with_what_it_is(tmp_path: Path) -> None:
    text = (HEADER + _row(1)).encode()
    assert "it is text (a CSV file?" in str(_refused(tmp_path, "a.xlsx", text))
    assert "not a readable Parquet file" in str(_refused(tmp_path, "a.parquet", text))


def test_truncated_workbooks_and_parquet_files_are_refused(tmp_path: Path) -> None:
    book = tmp_path / "whole.xlsx"
    _workbook(book, [["I-1", "C-1", "2024-01-05", "2024-02-04", "10.00", "USD"]] * 2000)
    cut = book.read_bytes()[: book.stat().st_size // 2]
    assert "damaged or truncated" in str(_refused(tmp_path, "cut.xlsx", cut))
    table = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"external_id": ["I-1"] * 1000}), table)
    half = table.read_bytes()[: table.stat().st_size // 2]
    assert "not a readable Parquet file" in str(_refused(tmp_path, "cut.parquet", half))


def test_a_workbook_or_parquet_file_named_csv_is_refused_with_what_it_is(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    _workbook(book, [["I-1", "C-1", "2024-01-05", "2024-02-04", "10.00", "USD"]])
    assert "is a zip archive" in str(_refused(tmp_path, "book.csv", book.read_bytes()))
    table = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": ["1"]}), table)
    assert "is a Parquet file" in str(_refused(tmp_path, "t.csv", table.read_bytes()))


# -- workbooks and Parquet files that unpack to much more than they weigh ---------------------------


def _workbook(
    path: Path, rows: list[list[str]], *, huge: tuple[int, int, int] | None = None
) -> None:
    """A minimal .xlsx written by hand; `huge` (row, column, bytes) is a shared string of that
    many bytes, written a mebibyte at a time (a zip bomb needs no memory to be made)."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main"'
            f' xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0"?><sst xmlns="{ns}/spreadsheetml/2006/main">'.encode())
            out.write(b"<si><t>small</t></si><si><t>")
            left = huge[2] if huge else 0
            while left > 0:
                out.write(b"A" * min(left, 1 << 20))
                left -= 1 << 20
            out.write(b"</t></si></sst>")
        with z.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(
                f'<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/main">'.encode()
            )
            out.write(b"<sheetData>")
            for r, values in enumerate([HEADER.strip().split(","), *rows], start=1):
                out.write(f'<row r="{r}">'.encode())
                for c, value in enumerate(values):
                    ref = f"{chr(ord('A') + c)}{r}"
                    if huge is not None and (r, c) == huge[:2]:
                        out.write(f'<c r="{ref}" t="s"><v>1</v></c>'.encode())
                    else:
                        cell = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
                        out.write(cell.encode())
                out.write(b"</row>")
            out.write(b"</sheetData></worksheet>")


ROWS = [["I-1", "C-1", "2024-01-05", "2024-02-04", "10.00", "USD"]] * 3


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 4 << 20
    path = tmp_path / "bomb.xlsx"
    _workbook(path, ROWS, huge=(3, 1, 6 << 20))
    assert path.stat().st_size < 64 << 10
    problem = only(_rejected(run_import, "invoices", path))
    assert "more than RECOUP_IMPORT_MAX_UNPACKED_BYTES" in problem.expected


def test_a_cell_over_the_field_limit_is_named_by_its_cell(
    tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MAX_FIELD_BYTES = 64 << 10
    path = tmp_path / "big-cell.xlsx"
    _workbook(path, ROWS, huge=(3, 1, 1 << 20))
    problem = only(_rejected(run_import, "invoices", path))
    assert (problem.row, problem.column) == (3, "B")
    assert "RECOUP_IMPORT_MAX_FIELD_BYTES" in problem.expected


def test_an_ordinary_workbook_still_imports(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "ok.xlsx"
    _workbook(path, [["I-1", "C-1", "2024-01-05", "2024-02-04", "10.00", "USD"]])
    outcome = run_import("invoices", path)
    assert outcome.ok, outcome.problems
    assert m.Invoice.objects.get(external_id="I-1").amount_minor == 1_000


def test_a_parquet_value_over_the_limit_is_named_by_row_and_column(
    tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MAX_FIELD_BYTES = 4096
    path = tmp_path / "c.parquet"
    pq.write_table(
        pa.table({"external_id": ["C-1", "C-2", "C-3"], "name": ["a", "b", "x" * 5000]}), path
    )
    problem = only(_rejected(run_import, "customers", path))
    assert (problem.row, problem.column) == (4, "name")
    assert "at most 4,096 bytes (RECOUP_IMPORT_MAX_FIELD_BYTES)" in problem.expected


def test_a_parquet_file_of_one_value_repeated_is_measured_unpacked(
    tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 8 << 20
    path = tmp_path / "c.parquet"
    names = pa.array(["y" * 1000] * 10_000).dictionary_encode()
    ids = pa.array([f"C-{n}" for n in range(10_000)])
    pq.write_table(pa.table({"external_id": ids, "name": names}), path)
    assert path.stat().st_size < 1 << 20
    problem = only(_rejected(run_import, "customers", path))
    assert "RECOUP_IMPORT_MAX_UNPACKED_BYTES" in problem.expected


def test_a_workbook_of_many_large_cells_is_refused_within_the_memory_setting(
    tmp_path: Path, run_import: Run, settings: SettingsWrapper
) -> None:
    settings.IMPORT_MEMORY_BYTES = 64 << 20  # values: a sixteenth, 4 MiB
    path = tmp_path / "wide.xlsx"
    _workbook(path, [["I-1", "A" * 900_000, "2024-01-05", "2024-02-04", "1", "USD"]] * 5)
    problem = only(_rejected(run_import, "invoices", path))
    assert "RECOUP_IMPORT_MEMORY_BYTES" in problem.expected
