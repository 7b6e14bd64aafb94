"""The database itself refuses impossible ledger facts, whatever writes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from recoup.accounts.models import Team
from recoup.ledger import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> m.Customer:
    return m.Customer.objects.create(external_id="C-1", name="Acme Ltd")


@pytest.fixture
def invoice(customer: m.Customer) -> m.Invoice:
    return m.Invoice.objects.create(
        external_id="INV-1",
        customer=customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=10_000,
        currency="USD",
    )


def _refused(write: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_an_invoice_due_before_it_was_issued_is_refused(customer: m.Customer) -> None:
    _refused(
        lambda: m.Invoice.objects.create(
            external_id="X",
            customer=customer,
            issue_date=date(2024, 2, 1),
            due_date=date(2024, 1, 1),
            amount_minor=1,
            currency="USD",
        )
    )


@pytest.mark.parametrize("amount", [0, -1])
def test_invoices_payments_and_adjustments_need_positive_amounts(
    customer: m.Customer, invoice: m.Invoice, amount: int
) -> None:
    _refused(
        lambda: m.Invoice.objects.create(
            external_id="X",
            customer=customer,
            issue_date=date(2024, 1, 1),
            due_date=date(2024, 1, 1),
            amount_minor=amount,
            currency="USD",
        )
    )
    _refused(
        lambda: m.Payment.objects.create(
            external_id="P",
            customer=customer,
            received_on=date(2024, 1, 1),
            amount_minor=amount,
            currency="USD",
        )
    )
    _refused(
        lambda: m.Adjustment.objects.create(
            external_id="A",
            invoice=invoice,
            kind=m.AdjustmentKind.WRITE_OFF,
            effective_on=date(2024, 1, 1),
            amount_minor=amount,
            currency="USD",
        )
    )


def test_external_ids_are_unique_per_kind(customer: m.Customer, invoice: m.Invoice) -> None:
    _refused(
        lambda: m.Invoice.objects.create(
            external_id="INV-1",
            customer=customer,
            issue_date=date(2024, 1, 1),
            due_date=date(2024, 1, 1),
            amount_minor=5,
            currency="USD",
        )
    )


def test_a_payment_allocates_to_an_invoice_once(customer: m.Customer, invoice: m.Invoice) -> None:
    payment = m.Payment.objects.create(
        external_id="P-1",
        customer=customer,
        received_on=date(2024, 2, 1),
        amount_minor=10_000,
        currency="USD",
    )
    m.Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=4_000)
    _refused(lambda: m.Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=1))


def test_statuses_outside_their_choices_are_refused(customer: m.Customer) -> None:
    _refused(
        lambda: m.Activity.objects.create(
            external_id="ACT",
            customer=customer,
            channel="pigeon",
            outcome="no_answer",
            occurred_at="2024-01-01T10:00:00Z",
        )
    )
    _refused(
        lambda: m.PromiseToPay.objects.create(
            external_id="PTP",
            customer=customer,
            promised_on=date(2024, 1, 1),
            due_date=date(2024, 1, 5),
            amount_minor=100,
            currency="USD",
            status="maybe",
        )
    )


def test_dates_that_run_backwards_are_refused(customer: m.Customer, invoice: m.Invoice) -> None:
    _refused(
        lambda: m.PromiseToPay.objects.create(
            external_id="PTP",
            customer=customer,
            promised_on=date(2024, 1, 5),
            due_date=date(2024, 1, 1),
            amount_minor=100,
            currency="USD",
        )
    )
    _refused(
        lambda: m.Dispute.objects.create(
            external_id="D",
            invoice=invoice,
            opened_on=date(2024, 3, 1),
            resolved_on=date(2024, 2, 1),
        )
    )
    agency = m.Agency.objects.create(external_id="AG", name="Agency")
    _refused(
        lambda: m.Placement.objects.create(
            external_id="PL",
            invoice=invoice,
            agency=agency,
            placed_on=date(2024, 5, 1),
            recalled_on=date(2024, 4, 1),
            amount_minor=100,
            currency="USD",
        )
    )


def test_an_assignment_needs_a_collector_or_team_and_a_forward_period(customer: m.Customer) -> None:
    _refused(lambda: m.Assignment.objects.create(customer=customer, valid_from=date(2024, 1, 1)))
    team = Team.objects.create(name="North")
    _refused(
        lambda: m.Assignment.objects.create(
            customer=customer, team=team, valid_from=date(2024, 1, 1), valid_to=date(2024, 1, 1)
        )
    )
    m.Assignment.objects.create(
        customer=customer, team=team, valid_from=date(2024, 1, 1), valid_to=date(2024, 2, 1)
    )


def test_fx_rates_are_positive_and_one_per_currency_and_day() -> None:
    m.FxRate.objects.create(currency="EUR", rate_date=date(2024, 1, 1), rate_scaled=10_850_000_000)
    _refused(
        lambda: m.FxRate.objects.create(
            currency="EUR", rate_date=date(2024, 1, 1), rate_scaled=10_900_000_000
        )
    )
    _refused(
        lambda: m.FxRate.objects.create(currency="GBP", rate_date=date(2024, 1, 1), rate_scaled=0)
    )


def test_amounts_beyond_float_precision_are_stored_exactly(customer: m.Customer) -> None:
    # 2**53 + 1 cents is where a float column would silently round.
    exact = 2**53 + 1
    m.Invoice.objects.create(
        external_id="BIG",
        customer=customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 1),
        amount_minor=exact,
        currency="USD",
    )
    assert m.Invoice.objects.get(external_id="BIG").amount_minor == exact
