"""Imports that succeed: the IBM sample end to end, re-imports, updates, dry runs, formats."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection
from openpyxl import Workbook

from recoup.accounts.models import AuditEntry, Role
from recoup.accounts.services import user_create
from recoup.ingest import stage_merge
from recoup.ingest.selectors import import_runs_recent
from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m
from tests.ingest.conftest import ledger_fingerprint, only

pytestmark = pytest.mark.django_db

Write = Callable[..., Path]
Run = Callable[..., ImportOutcome]
IBM = Path(__file__).parents[1] / "fixtures" / "ingest" / "ibm-accounts-receivable.csv"


def _ibm_rows() -> list[dict[str, str]]:
    with IBM.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_ibm_sample_imports_every_invoice_and_its_settlement(run_import: Run) -> None:
    outcome = run_import("invoices", IBM, mapping="ibm-accounts-receivable")
    assert outcome.ok, outcome.problems
    rows = _ibm_rows()
    expected_cents = sum(int(Decimal(r["InvoiceAmount"]) * 100) for r in rows)
    assert all(Decimal(r["InvoiceAmount"]) * 100 % 1 == 0 for r in rows)
    assert m.Invoice.objects.count() == len(rows) == 2466
    assert m.Payment.objects.count() == 2466
    assert m.Customer.objects.count() == len({r["customerID"] for r in rows})
    assert 90 <= m.Customer.objects.count() <= 110
    invoiced = sum(m.Invoice.objects.values_list("amount_minor", flat=True))
    paid = sum(m.Payment.objects.values_list("amount_minor", flat=True))
    allocated = sum(m.Allocation.objects.values_list("amount_minor", flat=True))
    assert invoiced == paid == allocated == expected_cents
    assert m.Allocation.objects.count() == 2466
    assert m.Dispute.objects.count() == sum(r["Disputed"] == "Yes" for r in rows)
    first = rows[0]
    invoice = m.Invoice.objects.get(external_id=first["invoiceNumber"])
    assert invoice.external_id.startswith("000")
    month, day, year = (int(x) for x in first["DueDate"].split("/"))
    assert invoice.due_date == date(year, month, day)
    assert invoice.currency == "USD"
    assert invoice.delivery == first["PaperlessBill"].lower()
    payment = m.Payment.objects.get(external_id="PAY-" + first["invoiceNumber"])
    month, day, year = (int(x) for x in first["SettledDate"].split("/"))
    assert payment.received_on == date(year, month, day)
    assert payment.allocations.get().invoice == invoice
    assert outcome.run.status == "succeeded"
    assert outcome.run.rows == 2466


def test_reimporting_the_same_file_changes_nothing(run_import: Run) -> None:
    first = run_import("invoices", IBM, mapping="ibm-accounts-receivable")
    assert first.ok
    before = ledger_fingerprint()
    again = run_import("invoices", IBM, mapping="ibm-accounts-receivable")
    assert again.ok
    assert ledger_fingerprint() == before
    assert (again.run.inserted, again.run.updated) == (0, 0)
    assert again.counts["invoices"].unchanged == 2466
    manager = user_create(username="max", password=None, role=Role.MANAGER)
    recent = import_runs_recent(user=manager)
    assert [run.pk for run in recent] == [again.run.pk, first.run.pk]


@pytest.fixture
def acme() -> m.Customer:
    return m.Customer.objects.create(external_id="C-1", name="Acme Ltd")


INVOICES = """
external_id,customer,issue_date,due_date,amount,currency,description
I-1,C-1,2024-01-05,2024-02-04,100.00,USD,first
I-2,C-1,2024-01-06,2024-02-05,"1,250.50",USD,second
"""


def test_a_changed_row_updates_its_record_and_is_audited(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    assert run_import("invoices", write_file("a.csv", INVOICES)).ok
    audits = AuditEntry.objects.count()
    changed = INVOICES.replace(
        'I-2,C-1,2024-01-06,2024-02-05,"1,250.50"', 'I-2,C-1,2024-01-06,2024-02-20,"1,300.00"'
    )
    outcome = run_import("invoices", write_file("b.csv", changed))
    assert outcome.ok
    assert (outcome.run.inserted, outcome.run.updated, outcome.run.unchanged) == (0, 1, 1)
    invoice = m.Invoice.objects.get(external_id="I-2")
    assert (invoice.amount_minor, invoice.due_date) == (130_000, date(2024, 2, 20))
    entry = AuditEntry.objects.get(action="import_update")
    assert entry.via == "import"
    assert entry.object_id == str(invoice.pk)
    assert entry.before == {"due_date": "2024-02-05", "amount_minor": 125_050}
    assert entry.after == {"due_date": "2024-02-20", "amount_minor": 130_000}
    # One entry per changed record plus one for the run.
    assert AuditEntry.objects.count() == audits + 2


def test_a_dry_run_reports_what_would_change_and_changes_nothing(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    before = ledger_fingerprint()
    outcome = run_import("invoices", write_file("a.csv", INVOICES), dry_run=True)
    assert outcome.ok
    assert outcome.counts["invoices"].inserted == 2
    assert ledger_fingerprint() == before
    assert outcome.run.dry_run
    assert outcome.run.status == "dry_run"


def test_a_semicolon_separated_latin_1_file_is_detected(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    text = "external_id;name;country\nC-2;Société Générale Crédit;FR\nC-3;Müller & Söhne GmbH;DE\n"
    path = write_file("latin.csv", text, encoding="latin-1")
    outcome = run_import("customers", path)
    assert outcome.ok, outcome.problems
    assert m.Customer.objects.get(external_id="C-2").name == "Société Générale Crédit"
    assert m.Customer.objects.get(external_id="C-3").name == "Müller & Söhne GmbH"


def test_the_delimiter_and_encoding_can_be_given(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    path = write_file("given.csv", "external_id|name\nC-2|Ærø Fisk\n", encoding="cp1252")
    outcome = run_import("customers", path, delimiter="|", encoding="cp1252")
    assert outcome.ok, outcome.problems
    assert m.Customer.objects.get(external_id="C-2").name == "Ærø Fisk"


def test_an_excel_workbook_is_read_with_its_own_row_numbers(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "customer", "issue_date", "due_date", "amount"])
    sheet.append([1001, "C-1", date(2024, 1, 5), date(2024, 2, 4), 99.95])
    sheet.append([None, None, None, None, None])
    sheet.append(["1002", "C-1", date(2024, 1, 6), date(2024, 2, 5), 10])
    path = tmp_path / "invoices.xlsx"
    book.save(path)
    outcome = run_import("invoices", path)
    assert outcome.ok, outcome.problems
    assert m.Invoice.objects.get(external_id="1001").amount_minor == 9_995
    assert m.Invoice.objects.get(external_id="1002").issue_date == date(2024, 1, 6)
    sheet.append(["1003", "C-1", "someday", date(2024, 2, 5), 10])
    book.save(path)
    problem = only(run_import("invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (5, "issue_date", "someday")


def test_a_parquet_file_with_typed_columns_is_read(
    acme: m.Customer, tmp_path: Path, run_import: Run
) -> None:
    table = pa.table(
        {
            "external_id": ["P-1", "P-2"],
            "customer": ["C-1", "C-1"],
            "issue_date": pa.array([date(2024, 3, 1), date(2024, 3, 2)], pa.date32()),
            "due_date": pa.array([date(2024, 3, 31), date(2024, 4, 1)], pa.date32()),
            "amount": pa.array([Decimal("10.10"), Decimal("2000.00")], pa.decimal128(12, 2)),
            "currency": ["USD", "USD"],
        }
    )
    path = tmp_path / "invoices.parquet"
    pq.write_table(table, path)
    outcome = run_import("invoices", path)
    assert outcome.ok, outcome.problems
    assert sorted(m.Invoice.objects.values_list("amount_minor", flat=True)) == [1_010, 200_000]


def test_payments_without_an_invoice_are_applied_oldest_due_first(
    acme: m.Customer, write_file: Write, run_import: Run
) -> None:
    assert run_import("invoices", write_file("a.csv", INVOICES)).ok
    path = write_file(
        "pay.csv",
        """
        external_id,customer,received_on,amount
        P-1,C-1,2024-02-10,60.00
        P-2,C-1,2024-02-11,100.00
        P-3,C-1,2024-02-12,2000.00
        """,
    )
    outcome = run_import("payments", path)
    assert outcome.ok, outcome.problems
    got = sorted(
        m.Allocation.objects.values_list(
            "payment__external_id", "invoice__external_id", "amount_minor"
        )
    )
    # I-1 (due first) takes 100.00: all of P-1, 40.00 of P-2; I-2 the rest of P-2 and 1,190.50
    # of P-3; the remaining 809.50 of P-3 stays unallocated.
    assert got == [
        ("P-1", "I-1", 6_000),
        ("P-2", "I-1", 4_000),
        ("P-2", "I-2", 6_000),
        ("P-3", "I-2", 119_050),
    ]
    assert outcome.counts["payments"].allocations == 4
    assert run_import("payments", path).counts["payments"].unchanged == 3
    assert m.Allocation.objects.count() == 4


def test_a_large_first_load_leaves_every_index_as_it_was(
    acme: m.Customer, write_file: Write, run_import: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loads that at least double a table rebuild its indexes once instead of row by row.
    monkeypatch.setattr(stage_merge, "REBUILD_INDEXES_FROM", 1)

    def indexes() -> dict[str, tuple[tuple[str, ...], bool]]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, m.Invoice._meta.db_table)
        return {name: (tuple(c["columns"]), c["unique"]) for name, c in found.items() if c["index"]}

    before = indexes()
    assert (("customer_id", "due_date"), False) in before.values()
    assert run_import("invoices", write_file("a.csv", INVOICES), dry_run=True).ok
    assert indexes() == before
    assert run_import("invoices", write_file("a.csv", INVOICES)).ok
    assert indexes() == before
    assert m.Invoice.objects.filter(issue_date=date(2024, 1, 5)).count() == 1
