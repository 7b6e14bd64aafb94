"""Every kind of bad input is reported with its row, column and value, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m
from tests.ingest.conftest import ledger_fingerprint, only

pytestmark = pytest.mark.django_db

Write = Callable[..., Path]
Run = Callable[..., ImportOutcome]

HEADER = "external_id,customer,issue_date,due_date,amount,currency\n"


@pytest.fixture
def acme() -> m.Customer:
    return m.Customer.objects.create(external_id="C-1", name="Acme Ltd")


@pytest.fixture
def invoice(acme: m.Customer) -> m.Invoice:
    return m.Invoice.objects.create(
        external_id="INV-1",
        customer=acme,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=10_000,
        currency="USD",
    )


def _rejected(run: Run, kind: str, path: Path, **options: object) -> ImportOutcome:
    before = ledger_fingerprint()
    outcome = run(kind, path, **options)
    assert not outcome.ok
    assert outcome.run.status == "rejected"
    assert ledger_fingerprint() == before
    return outcome


def test_a_date_in_the_wrong_format_names_its_row_column_and_value(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "inv.csv",
        HEADER
        + "I-1,C-1,2024-01-05,2024-02-04,10.00,USD\nI-2,C-1,05/01/2024,2024-02-04,10.00,USD\n",
    )
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (3, "issue_date", "05/01/2024")
    assert "a date like 2024-01-31" in problem.expected
    assert m.Invoice.objects.count() == 0


def test_a_missing_required_column_is_reported_on_the_header_row(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", "external_id,customer,issue_date,amount\nI-1,C-1,2024-01-05,1\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column) == (1, "due_date")
    assert "required" in problem.expected


def test_a_blank_required_value_is_reported(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", HEADER + "I-1,,2024-01-05,2024-02-04,10.00,USD\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "customer", "")
    assert "required" in problem.expected


def test_a_key_repeated_inside_the_file_points_at_its_first_row(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "inv.csv",
        HEADER
        + "I-1,C-1,2024-01-05,2024-02-04,10.00,USD\n"
        + "I-2,C-1,2024-01-05,2024-02-04,10.00,USD\n"
        + "I-1,C-1,2024-01-06,2024-02-05,11.00,USD\n",
    )
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (4, "external_id", "I-1")
    assert "row 2" in problem.expected


def test_an_unknown_customer_is_reported(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", HEADER + "I-1,C-404,2024-01-05,2024-02-04,10.00,USD\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "customer", "C-404")
    assert "existing customer" in problem.expected


def test_a_payment_for_an_unknown_invoice_is_reported(
    invoice: m.Invoice, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "pay.csv",
        "external_id,customer,received_on,amount,invoice\nP-1,C-1,2024-01-10,5.00,INV-404\n",
    )
    problem = only(_rejected(run_import, "payments", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "invoice", "INV-404")
    assert "existing invoice" in problem.expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("-5.00", "greater than zero"), ("0", "greater than zero"), ("12,5", "an amount like")],
)
def test_amounts_that_are_not_positive_or_not_numbers_are_refused(
    acme: m.Customer, write_file: Write, run_import: Run, amount: str, expected: str
) -> None:
    path = write_file("inv.csv", HEADER + f'I-1,C-1,2024-01-05,2024-02-04,"{amount}",USD\n')
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "amount", amount)
    assert expected in problem.expected


def test_more_decimals_than_the_currency_has_are_refused_not_rounded(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    m.FxRate.objects.create(currency="JPY", rate_date=date(2024, 1, 1), rate_scaled=67 * 10**7)
    path = write_file("inv.csv", HEADER + "I-1,C-1,2024-01-05,2024-02-04,100.5,JPY\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "amount", "100.5")
    assert problem.expected == "at most 0 decimals for JPY"


def test_a_due_date_before_the_issue_date_is_refused(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", HEADER + "I-1,C-1,2024-03-05,2024-02-04,10.00,USD\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "due_date", "2024-02-04")
    assert problem.expected == "a date on or after issue_date 2024-03-05"


def test_an_unknown_currency_is_refused(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", HEADER + "I-1,C-1,2024-01-05,2024-02-04,10.00,XYZ\n")
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "currency", "XYZ")
    assert "ISO 4217" in problem.expected


def test_a_foreign_currency_needs_an_fx_rate_on_or_before_its_date(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    m.FxRate.objects.create(currency="EUR", rate_date=date(2024, 2, 1), rate_scaled=108 * 10**8)
    path = write_file(
        "inv.csv",
        HEADER
        + "I-1,C-1,2024-01-05,2024-02-04,10.00,EUR\n"
        + "I-2,C-1,2024-02-05,2024-03-04,10.00,EUR\n",
    )
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "currency", "EUR")
    assert "FX rate to USD on or before 2024-01-05" in problem.expected


@pytest.mark.parametrize("when", ["future", "past"])
def test_absurd_dates_are_refused(
    acme: m.Customer, write_file: Write, run_import: Run, when: str
) -> None:
    far = (
        (timezone.now().date() + timedelta(days=800)).isoformat()
        if when == "future"
        else "1899-12-31"
    )
    path = write_file("inv.csv", HEADER + f"I-1,C-1,{far},{far},10.00,USD\n")
    problems = _rejected(run_import, "invoices", path).problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "issue_date", far),
        (2, "due_date", far),
    ]
    assert ("one year from today" if when == "future" else "on or after 1900-01-01") in problems[
        0
    ].expected


def test_a_payment_beyond_the_open_amount_counts_existing_allocations_and_credits(
    invoice: m.Invoice, write_file: Write, run_import: Run
) -> None:
    earlier = m.Payment.objects.create(
        external_id="P-0",
        customer=invoice.customer,
        received_on=date(2024, 1, 10),
        amount_minor=6_000,
        currency="USD",
    )
    m.Allocation.objects.create(payment=earlier, invoice=invoice, amount_minor=6_000)
    m.Adjustment.objects.create(
        external_id="CN-1",
        invoice=invoice,
        kind="credit_note",
        effective_on=date(2024, 1, 12),
        amount_minor=1_000,
        currency="USD",
    )
    # 30.00 is open: the first 20.00 fits, the next 15.00 does not.
    path = write_file(
        "pay.csv",
        "external_id,customer,received_on,amount,invoice\n"
        "P-1,C-1,2024-01-20,20.00,INV-1\n"
        "P-2,C-1,2024-01-21,15.00,INV-1\n",
    )
    problem = only(_rejected(run_import, "payments", path).problems)
    assert (problem.row, problem.column, problem.value) == (3, "amount", "15.00 USD")
    assert "open amount of invoice INV-1, 30.00 USD" in problem.expected
    assert "35.00 USD" in problem.expected


def test_an_allocation_beyond_the_payment_is_refused(
    invoice: m.Invoice, write_file: Write, run_import: Run
) -> None:
    m.Payment.objects.create(
        external_id="P-1",
        customer=invoice.customer,
        received_on=date(2024, 1, 10),
        amount_minor=5_000,
        currency="USD",
    )
    path = write_file("alloc.csv", "payment,invoice,amount\nP-1,INV-1,60.00\n")
    problems = _rejected(run_import, "allocations", path).problems
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "amount", "60.00 USD")]
    assert "what is left of payment P-1, 50.00 USD" in problems[0].expected


def test_a_credit_note_beyond_the_open_amount_is_refused(
    invoice: m.Invoice, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "cn.csv", "external_id,invoice,effective_on,amount\nCN-1,INV-1,2024-02-01,100.01\n"
    )
    problem = only(_rejected(run_import, "credit-notes", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "amount", "100.01 USD")


def test_an_unknown_collector_and_an_invalid_outcome_are_both_reported(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "act.csv",
        "external_id,customer,channel,outcome,collector,occurred_at\n"
        "A-1,C-1,call,promise,nobody,2024-01-05T10:00:00+01:00\n"
        "A-2,C-1,call,maybe,,2024-01-05 11:00\n",
    )
    problems = _rejected(run_import, "activities", path).problems
    assert {(p.row, p.column, p.value) for p in problems} == {
        (2, "collector", "nobody"),
        (3, "outcome", "maybe"),
    }


def test_every_problem_is_reported_not_only_the_first(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    lines = [HEADER.strip()]
    lines += [f"I-{i},C-1,2024-13-01,2024-02-04,10.00,USD" for i in range(300)]
    path = write_file("inv.csv", "\n".join(lines) + "\n")
    outcome = _rejected(run_import, "invoices", path)
    assert outcome.problem_count == 300
    assert [p.row for p in outcome.problems][:3] == [2, 3, 4]
    report = Path(str(outcome.report_path)).read_text().splitlines()
    assert report[0] == "file,row,record,column,value,expected"
    assert len(report) == 301
    assert report[-1].startswith("inv.csv,301,invoices,issue_date,2024-13-01,")


def test_a_placement_with_an_unknown_agency_is_refused(
    invoice: m.Invoice, write_file: Write, run_import: Run
) -> None:
    path = write_file(
        "plc.csv",
        "external_id,invoice,agency,placed_on,amount\nPL-1,INV-1,AG-404,2024-04-01,100.00\n",
    )
    problem = only(_rejected(run_import, "placements", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "agency", "AG-404")
    assert "existing agency" in problem.expected


def test_a_preset_column_missing_from_the_file_is_reported_on_the_header_row(
    write_file: Write, run_import: Run
) -> None:
    path = write_file("ibm.csv", "customerID,invoiceNumber\nC-1,0001\n")
    outcome = _rejected(run_import, "invoices", path, mapping="ibm-accounts-receivable")
    missing = {(p.row, p.column) for p in outcome.problems}
    assert (1, "InvoiceDate") in missing
    assert (1, "InvoiceAmount") in missing


def test_a_bad_row_in_the_ibm_layout_is_reported_on_that_row_only(
    write_file: Write, run_import: Run
) -> None:
    header = (
        "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,"
        "Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n"
    )
    path = write_file(
        "ibm.csv",
        header
        + "391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
        + "406,8976-AMJEO,3/3/2012,0007900770,1/26/2013,2/25/2013,61.7x,Yes,3/3/2013,Paper,36,6\n",
    )
    outcome = _rejected(run_import, "invoices", path, mapping="ibm-accounts-receivable")
    # Row 2 is clean: its invoice is found by its payment although row 3's invoice failed.
    assert {(p.row, p.record, p.column, p.value) for p in outcome.problems} == {
        (3, "invoices", "InvoiceAmount", "61.7x"),
        (3, "payments", "InvoiceAmount", "61.7x"),
        (3, "payments", "invoiceNumber", "0007900770"),
        (3, "disputes", "invoiceNumber", "0007900770"),
    }
    assert outcome.run.inserted == 0


def test_rows_are_numbered_by_the_lines_of_the_file_whatever_lines_it_skips(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    # Blank lines (before the header too) and a quoted value over two lines start no record.
    path = tmp_path / "inv.csv"
    path.write_text(
        "\n"
        + HEADER
        + "I-1,C-1,2024-01-05,2024-02-04,10.00,USD\n"
        + "\n\n"
        + "I-2,C-1,05/01/2024,2024-02-04,10.00,USD\n"
        + 'I-3,C-1,2024-01-05,2024-02-04,10.00,"US\nD"\n'
        + "\n"
        + "I-4,C-404,2024-01-05,2024-02-04,10.00,USD\n"
        + "\n"
    )
    problems = _rejected(run_import, "invoices", path).problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (6, "issue_date", "05/01/2024"),
        (7, "currency", "US\nD"),
        (10, "customer", "C-404"),
    ]


def test_blank_lines_of_a_windows_file_are_counted_too(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    path = tmp_path / "inv.csv"
    lines = [HEADER.strip(), "", "I-1,C-1,2024-01-05,2024-02-04,10.00,USD", "", ""]
    path.write_bytes("\r\n".join([*lines, "I-2,C-404,2024-01-05,2024-02-04,10.00,USD"]).encode())
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (6, "customer", "C-404")


def test_lines_skipped_where_the_reader_splits_a_large_file_are_counted(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    # The file is scanned a mebibyte at a time: a blank line falls right on the first boundary,
    # a quoted line break just after it. (A quoted first row shows the reader that quotes are
    # in use.)
    rows = [HEADER.encode(), b'I-first,"C-1",2024-01-05,2024-02-04,10.00,USD\n']
    size = sum(map(len, rows))
    n = 0
    while size < (1 << 20) - 100:
        line = f"I-{n:06d},C-1,2024-01-05,2024-02-04,10.00,USD\n".encode()
        rows.append(line)
        size += len(line)
        n += 1
    filler = f"I-{n:06d},C-1,2024-01-05,2024-02-04,10.00,"
    rows.append((filler + "U" * ((1 << 20) - size - len(filler) - 1) + "\n").encode())
    assert sum(map(len, rows)) == 1 << 20
    rows.append(b"\n")
    rows.append(b'I-X,C-1,2024-01-05,2024-02-04,10.00,"US\nD"\n')
    rows.append(b"I-Y,C-404,2024-01-05,2024-02-04,10.00,USD\n")
    path = tmp_path / "inv.csv"
    path.write_bytes(b"".join(rows))
    problems = _rejected(run_import, "invoices", path).problems
    data_lines = n + 2
    assert [(p.row, p.column, p.value) for p in problems][-2:] == [
        (data_lines + 3, "currency", "US\nD"),
        (data_lines + 5, "customer", "C-404"),
    ]


def test_a_line_the_reader_cannot_split_deep_in_the_file_is_reported(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    # Past the rows the CSV sniffer samples, so the failure surfaces only while streaming.
    good = "".join(f"I-{n:06d},C-1,2024-01-05,2024-02-04,10.00,USD\n" for n in range(30_000))
    path = tmp_path / "inv.csv"
    path.write_text(HEADER + good + 'I-X,C-1,2024-01-05,2024-02-04,10.00,"US\nD"\n')
    problem = only(_rejected(run_import, "invoices", path).problems)
    assert (problem.row, problem.column) == (1, "")
    assert "inv.csv: cannot be read" in problem.expected
