"""Re-importing an invoice or a payment that allocations or credits already tie to others: a change
of currency or customer is refused with its reason (as a new payment's allocation is), so no
invoice in EUR is left paid in USD, or one customer's invoice paid by another's payments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m
from tests.ingest.conftest import ledger_fingerprint, only

pytestmark = pytest.mark.django_db

Write = Callable[..., Path]
Run = Callable[..., ImportOutcome]

INVOICES = "external_id,customer,issue_date,due_date,amount,currency\n"
PAYMENTS = "external_id,customer,received_on,amount,currency\n"


@pytest.fixture
def paid(db: None) -> m.Invoice:
    """INV-1 of C-1, 100.00 USD, 60.00 of it paid by P-1; C-2 exists too."""
    acme = m.Customer.objects.create(external_id="C-1", name="Acme Ltd")
    m.Customer.objects.create(external_id="C-2", name="Beta GmbH")
    invoice = m.Invoice.objects.create(
        external_id="INV-1",
        customer=acme,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=10_000,
        currency="USD",
    )
    payment = m.Payment.objects.create(
        external_id="P-1",
        customer=acme,
        received_on=date(2024, 1, 10),
        amount_minor=6_000,
        currency="USD",
    )
    m.Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=6_000)
    for currency, rate in (("EUR", 108), ("GBP", 127)):  # so no FX rate is missing
        m.FxRate.objects.create(
            currency=currency, rate_date=date(2023, 12, 1), rate_scaled=rate * 10**8
        )
    return invoice


def _refused(run: Run, kind: str, path: Path) -> ImportOutcome:
    before = ledger_fingerprint()
    outcome = run(kind, path)
    assert outcome.run.status == "rejected", outcome.problems
    assert ledger_fingerprint() == before
    return outcome


def test_an_invoice_with_payments_cannot_change_its_currency(
    paid: m.Invoice, write_file: Write, run_import: Run
) -> None:
    m.Invoice.objects.create(
        external_id="INV-2",
        customer=paid.customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=5_000,
        currency="USD",
    )
    # INV-2 has no payment and no credit: its change of currency and customer is no problem.
    path = write_file(
        "inv.csv",
        INVOICES
        + "INV-1,C-1,2024-01-01,2024-01-31,100.00,EUR\n"
        + "INV-2,C-2,2024-01-01,2024-01-31,50.00,EUR\n",
    )
    problem = only(_refused(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "currency", "EUR")
    assert problem.expected == (
        "USD, the currency of invoice INV-1: it has 1 allocation (payments P-1) in USD"
    )


def test_an_invoice_with_payments_cannot_move_to_another_customer(
    paid: m.Invoice, write_file: Write, run_import: Run
) -> None:
    path = write_file("inv.csv", INVOICES + "INV-1,C-2,2024-01-01,2024-01-31,100.00,USD\n")
    problem = only(_refused(run_import, "invoices", path).problems)
    assert (problem.row, problem.column, problem.value) == (2, "customer", "C-2")
    assert problem.expected == (
        "C-1, the customer of invoice INV-1: it has 1 allocation (payments P-1) of C-1"
    )


def test_a_credited_invoice_cannot_change_its_currency_and_every_reason_is_named(
    paid: m.Invoice, write_file: Write, run_import: Run
) -> None:
    m.Adjustment.objects.create(
        external_id="CN-1",
        invoice=paid,
        kind="credit_note",
        effective_on=date(2024, 1, 12),
        amount_minor=1_000,
        currency="USD",
    )
    # Lowered below the 70.00 paid and credited, in another currency, of another customer: three
    # problems on the one row, each with its reason.
    path = write_file("inv.csv", INVOICES + "INV-1,C-2,2024-01-01,2024-01-31,50.00,GBP\n")
    problems = _refused(run_import, "invoices", path).problems
    by_column = {p.column: p for p in problems}
    assert sorted(by_column) == ["amount", "currency", "customer"]
    assert all(p.row == 2 for p in problems)
    assert "already paid or credited" in by_column["amount"].expected
    assert by_column["currency"].expected == (
        "USD, the currency of invoice INV-1: it has 1 allocation (payments P-1)"
        " and 1 credit or adjustment in USD"
    )


def test_a_payment_allocated_to_invoices_cannot_change_its_currency_or_customer(
    paid: m.Invoice, write_file: Write, run_import: Run
) -> None:
    path = write_file("pay.csv", PAYMENTS + "P-1,C-2,2024-01-10,60.00,EUR\n")
    problems = _refused(run_import, "payments", path).problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "currency", "EUR"),
        (2, "customer", "C-2"),
    ]
    assert problems[0].expected == (
        "USD, the currency of payment P-1: it has 1 allocation (invoices INV-1) in USD"
    )
