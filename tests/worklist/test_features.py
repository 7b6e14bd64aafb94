"""The likelihood's inputs from a ledger small enough to count by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pytest_django.fixtures import Settings

from recoup.ledger.models import (
    Activity,
    Allocation,
    Channel,
    Customer,
    Dispute,
    FxRate,
    Invoice,
    Outcome,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from recoup.worklist.features import features_on, ledger_facts_load, paid_share_within

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 30)


def _invoice(
    customer: Customer, ref: str, amount: int, due: date, currency: str = "USD"
) -> Invoice:
    return Invoice.objects.create(
        external_id=ref,
        customer=customer,
        issue_date=date(2026, 1, 1),
        due_date=due,
        amount_minor=amount,
        currency=currency,
    )


def _pay(invoice: Invoice, ref: str, amount: int, on: date) -> None:
    payment = Payment.objects.create(
        external_id=ref,
        customer=invoice.customer,
        received_on=on,
        amount_minor=amount,
        currency=invoice.currency,
    )
    Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=amount)


@pytest.fixture
def ledger(settings: Settings) -> dict[str, Customer]:
    settings.BASE_CURRENCY = "USD"
    acme = Customer.objects.create(external_id="C-1", name="Acme")
    late = _invoice(acme, "I-1", 100_00, date(2026, 3, 1))  # paid 20 days late
    _pay(late, "P-1", 100_00, date(2026, 3, 21))
    _invoice(acme, "I-2", 300_00, date(2026, 4, 30))  # 61 days past due on DAY
    partly = _invoice(acme, "I-3", 200_00, date(2026, 6, 20))  # 10 days past due, half paid
    _pay(partly, "P-2", 100_00, date(2026, 6, 25))
    _pay(partly, "P-3", 50_00, date(2026, 7, 10))  # after DAY: recovery, not history
    PromiseToPay.objects.create(
        external_id="PR-1",
        customer=acme,
        promised_on=date(2026, 5, 1),
        due_date=date(2026, 5, 10),
        amount_minor=50_00,
        currency="USD",
        status=PromiseStatus.BROKEN,
    )
    PromiseToPay.objects.create(
        external_id="PR-2",
        customer=acme,
        promised_on=date(2026, 6, 1),
        due_date=date(2026, 6, 5),
        amount_minor=50_00,
        currency="USD",
        status=PromiseStatus.KEPT,
    )
    Dispute.objects.create(external_id="D-1", invoice=partly, opened_on=date(2026, 6, 26))
    for n, (day, outcome) in enumerate(
        [
            (date(2026, 6, 10), Outcome.NO_ANSWER),
            (date(2026, 6, 20), Outcome.RIGHT_PARTY_CONTACT),
            (date(2026, 5, 1), Outcome.RIGHT_PARTY_CONTACT),
        ]
    ):
        Activity.objects.create(
            external_id=f"A-{n}",
            customer=acme,
            channel=Channel.CALL,
            outcome=outcome,
            occurred_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=15),
        )
    # Paid in full before DAY: owes nothing, so it is not an open account.
    settled = Customer.objects.create(external_id="C-2", name="Settled")
    _pay(_invoice(settled, "I-9", 10_00, date(2026, 5, 1)), "P-9", 10_00, date(2026, 4, 25))
    # In euros: its balance is counted in the base currency.
    euro = Customer.objects.create(external_id="C-3", name="Euro")
    _invoice(euro, "I-10", 100_00, date(2026, 6, 29), currency="EUR")
    FxRate.objects.create(
        currency="EUR", rate_date=date(2026, 6, 1), rate_scaled=11 * FxRate.SCALE // 10
    )
    return {"acme": acme, "settled": settled, "euro": euro}


def test_features_of_an_account_counted_by_hand(ledger: dict[str, Customer]) -> None:
    facts = ledger_facts_load(until=DAY)
    accounts = features_on(facts, DAY)
    assert sorted(accounts.customer_ids.tolist()) == sorted([ledger["acme"].pk, ledger["euro"].pk])
    i = accounts.customer_ids.tolist().index(ledger["acme"].pk)

    def value(name: str) -> float:
        return float(accounts.column(name)[i])

    assert accounts.open_minor[i] == 400_00  # 300 + (200 - 100)
    assert value("days_past_due") == 61
    assert value("old_share") == pytest.approx(300 / 400)
    assert value("open_invoices") == 2
    assert value("avg_days_late") == 20  # only I-1 was settled
    assert value("late_share") == 1.0
    assert value("no_payment_history") == 0
    assert value("days_since_payment") == 5  # P-2 on 25 June
    assert value("promises_kept") == 1
    assert value("promises_broken") == 1
    assert value("open_disputes") == 1
    assert value("contacts") == 2  # within 30 days
    assert value("right_party_contacts") == 1


def test_an_account_in_another_currency_owes_its_base_currency_worth(
    ledger: dict[str, Customer],
) -> None:
    accounts = features_on(ledger_facts_load(until=DAY), DAY)
    i = accounts.customer_ids.tolist().index(ledger["euro"].pk)
    assert accounts.open_minor[i] == pytest.approx(110_00)
    assert accounts.column("no_payment_history")[i] == 1


def test_what_was_paid_after_the_day_is_the_outcome_and_never_a_feature(
    ledger: dict[str, Customer],
) -> None:
    later = date(2026, 7, 31)
    facts = ledger_facts_load(until=later)
    on_day = features_on(facts, DAY)
    i = on_day.customer_ids.tolist().index(ledger["acme"].pk)
    assert on_day.open_minor[i] == 400_00  # P-3 (10 July) is not counted on 30 June
    share = paid_share_within(facts, on_day, 30)
    assert share[i] == pytest.approx(50_00 / 400_00)
    assert (
        features_on(facts, later).open_minor[
            features_on(facts, later).customer_ids.tolist().index(ledger["acme"].pk)
        ]
        == 350_00
    )


def test_an_empty_book_has_no_accounts() -> None:
    facts = ledger_facts_load(until=DAY, customer_ids=[])
    assert facts.size == 0
    assert len(features_on(facts, DAY).customer_ids) == 0
