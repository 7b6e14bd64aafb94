"""Agency remittances import as payments on the placed invoice with the agency's commission
beside them, all or nothing, bad rows named at their row and column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m
from tests.ingest.conftest import ledger_fingerprint

pytestmark = pytest.mark.django_db

Write = Callable[..., Path]
Run = Callable[..., ImportOutcome]
HEADER = "external_id,placement,received_on,amount,commission,currency\n"


@pytest.fixture
def placed() -> m.Placement:
    customer = m.Customer.objects.create(external_id="C-1", name="Acme Ltd")
    invoice = m.Invoice.objects.create(
        external_id="INV-1",
        customer=customer,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        amount_minor=1_000_00,
        currency="USD",
    )
    agency = m.Agency.objects.create(external_id="AG-1", name="Northstar Receivables")
    return m.Placement.objects.create(
        external_id="PLC-1",
        invoice=invoice,
        agency=agency,
        placed_on=date(2026, 4, 1),
        amount_minor=1_000_00,
        currency="USD",
    )


def test_a_remittance_becomes_a_payment_on_the_placed_invoice_with_its_commission(
    placed: m.Placement, write_file: Write, run_import: Run
) -> None:
    text = HEADER + "NS-1,PLC-1,2026-05-02,300.00,75.00,USD\nNS-2,PLC-1,2026-06-03,100.00,,USD\n"
    outcome = run_import("remittances", write_file("r.csv", text))
    assert outcome.ok, outcome.problems
    assert outcome.run.inserted == 2
    rows = m.AgencyRemittance.objects.order_by("external_id")
    assert [(r.external_id, r.amount_minor, r.commission_minor) for r in rows] == [
        ("NS-1", 300_00, 75_00),
        ("NS-2", 100_00, 0),
    ]
    first = rows[0].payment
    assert first is not None
    assert (first.external_id, first.customer_id, first.received_on, first.reference) == (
        "REM-NS-1",
        placed.invoice.customer_id,
        date(2026, 5, 2),
        "NS-1",
    )
    allocations = m.Allocation.objects.filter(invoice=placed.invoice).order_by("payment_id")
    assert [a.amount_minor for a in allocations] == [300_00, 100_00]


def test_importing_the_same_remittances_again_adds_no_payment_but_may_correct_a_commission(
    placed: m.Placement, write_file: Write, run_import: Run
) -> None:
    run_import("remittances", write_file("r.csv", HEADER + "NS-1,PLC-1,2026-05-02,300,75,USD\n"))
    again = run_import(
        "remittances", write_file("r.csv", HEADER + "NS-1,PLC-1,2026-05-02,300,60,USD\n")
    )
    assert again.ok, again.problems
    assert (again.run.inserted, again.run.updated) == (0, 1)
    assert m.Payment.objects.count() == 1
    assert m.Allocation.objects.count() == 1
    assert m.AgencyRemittance.objects.get().commission_minor == 60_00


def test_bad_rows_are_named_at_their_row_and_column_and_nothing_loads(
    placed: m.Placement, write_file: Write, run_import: Run
) -> None:
    before = ledger_fingerprint()
    text = HEADER + (
        "NS-1,PLC-9,2026-05-02,10.00,1.00,USD\n"  # unknown placement
        "NS-2,PLC-1,2026-05-02,10.00,1.00,EUR\n"  # not the placement's currency
        "NS-3,PLC-1,2026-05-02,10.00,12.00,USD\n"  # commission above the amount
        "NS-4,PLC-1,2026-03-02,10.00,1.00,USD\n"  # before the placement
        "NS-5,PLC-1,2026-05-02,5.00,1.00,USD\n"  # clean
        "NS-6,PLC-1,2026-05-02,995.00,1.00,USD\n"  # more than the invoice has open
    )
    outcome = run_import("remittances", write_file("r.csv", text))
    assert not outcome.ok
    found: dict[tuple[int, str], str] = {}
    for p in outcome.problems:
        found[(p.row, p.column)] = found.get((p.row, p.column), "") + p.expected + " | "
    assert "placement" in found[(2, "placement")]
    assert "USD, the currency of placement PLC-1" in found[(3, "currency")]
    assert "up to the amount collected, 10.00 USD" in found[(4, "commission")]
    assert "on or after 2026-04-01" in found[(5, "received_on")]
    assert (6, "amount") not in found
    assert "at most the open amount of invoice INV-1" in found[(7, "amount")]
    assert ledger_fingerprint() == before


def test_a_loaded_remittance_keeps_its_amount(
    placed: m.Placement, write_file: Write, run_import: Run
) -> None:
    run_import("remittances", write_file("r.csv", HEADER + "NS-1,PLC-1,2026-05-02,300,75,USD\n"))
    changed = run_import(
        "remittances", write_file("r.csv", HEADER + "NS-1,PLC-1,2026-05-02,310,75,USD\n")
    )
    assert not changed.ok
    (problem,) = changed.problems
    assert (problem.row, problem.column) == (2, "amount")
    assert "300.00 USD, as loaded before" in problem.expected
    assert m.Payment.objects.get().amount_minor == 300_00
