"""The cash forecast's numbers by hand on tiny ledgers: an invoice from a customer who pays a week
late lands in the week after its due date, a promise and a plan's instalment on their dates, new
invoices from the pattern of the weeks before, and a scope's forecast of its own book only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings

from recoup.accounts.scope import Scope
from recoup.accounts.services import team_create
from recoup.core.money import Money
from recoup.ledger.models import (
    Allocation,
    Assignment,
    Customer,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    PromiseToPay,
)
from recoup.worklist.cashflow import WEEKS, cash_forecast_read
from recoup.worklist.cashflow_history import HISTORY_WEEKS, NO_HISTORY_CHANCE
from recoup.worklist.forecast import cash_forecast_kept, cash_forecast_total
from recoup.worklist.forecast_display import forecast_sentence

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 9, 30)


def _hazard(chance: float) -> float:
    """The behaviour rule's weekly chance for a chance of paying within 30 days."""
    return 1 - (1 - chance) ** (7 / 30)


def _customer(ref: str) -> Customer:
    return Customer.objects.create(external_id=ref, name=f"Customer {ref}")


def _invoice(customer: Customer, ref: str, *, issued: date, due: date, minor: int) -> Invoice:
    return Invoice.objects.create(
        external_id=ref,
        customer=customer,
        issue_date=issued,
        due_date=due,
        amount_minor=minor,
        currency="USD",
    )


def _paid(invoice: Invoice, on: date) -> None:
    payment = Payment.objects.create(
        external_id=f"PAY-{invoice.external_id}",
        customer=invoice.customer,
        received_on=on,
        amount_minor=invoice.amount_minor,
        currency="USD",
    )
    Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=invoice.amount_minor)


@override_settings(BASE_CURRENCY="USD")
def test_an_invoice_of_a_customer_who_pays_a_week_late_lands_the_week_after_it_is_due() -> None:
    customer = _customer("C-LATE")
    # Two invoices paid 7 days after due, long enough ago that no past day of the curves saw
    # them open (the curves read the last 26 weeks): the customer's habit, not the curves.
    for ref, due in (
        ("OLD-1", AS_OF - timedelta(days=250)),
        ("OLD-2", AS_OF - timedelta(days=220)),
    ):
        old = _invoice(customer, ref, issued=due - timedelta(days=30), due=due, minor=50_000)
        _paid(old, due + timedelta(days=7))
    # Due in 3 days (the first week), so expected from 10 days on: the second week (days 8-14).
    _invoice(
        customer,
        "NOW-1",
        issued=AS_OF - timedelta(days=2),
        due=AS_OF + timedelta(days=3),
        minor=1_000_000,
    )
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    assert forecast.method == "behaviour"
    # Every invoice paid late (beyond the 5 days' grace): the least chance, 5 % within 30 days.
    weekly = _hazard(0.05)
    invoices = [w.invoices_minor for w in forecast.weeks]
    assert invoices[0] == 0
    assert invoices[1] == round(1_000_000 * weekly)
    assert invoices[2] == round(1_000_000 * weekly * (1 - weekly))
    assert forecast.weeks[1].starts_on == date(2026, 10, 8)
    assert sum(w.new_invoices_minor for w in forecast.weeks) == 0


@override_settings(BASE_CURRENCY="USD")
def test_a_promise_and_an_instalment_land_on_their_dates() -> None:
    customer = _customer("C-PLAN")
    _invoice(
        customer,
        "INV-P",
        issued=AS_OF - timedelta(days=3),
        due=AS_OF - timedelta(days=1),
        minor=1_000_000,
    )
    PromiseToPay.objects.create(
        external_id="P-1",
        customer=customer,
        promised_on=AS_OF,
        due_date=AS_OF + timedelta(days=9),  # the second week
        amount_minor=100_000,
        currency="USD",
    )
    plan = PaymentPlan.objects.create(
        external_id="PLAN-1",
        customer=customer,
        agreed_on=AS_OF - timedelta(days=1),
        total_minor=600_000,
        currency="USD",
    )
    for sequence, days in ((1, 20), (2, 50), (3, 200)):  # weeks 3 and 8; the last is beyond
        Instalment.objects.create(
            plan=plan,
            sequence=sequence,
            due_date=AS_OF + timedelta(days=days),
            amount_minor=200_000,
        )
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    # No promise kept or broken yet: each lands with an even chance.
    landed = round(200_000 * NO_HISTORY_CHANCE)
    assert [w.promises_minor for w in forecast.weeks] == [0, 50_000] + [0] * (WEEKS - 2)
    instalments = [w.instalments_minor for w in forecast.weeks]
    assert instalments == [0, 0, landed, 0, 0, 0, 0, landed] + [0] * (WEEKS - 8)
    # What the promise and the plan schedule comes off the invoice: 1,000,000 less 500,000.
    weekly = _hazard(NO_HISTORY_CHANCE)
    assert forecast.weeks[0].invoices_minor == round(500_000 * weekly)


@override_settings(BASE_CURRENCY="USD")
def test_new_invoices_come_from_what_invoices_issued_after_each_past_day_brought() -> None:
    customer = _customer("C-NEW")
    # Issued 20 days ago and paid 14 days ago: after each past day 3 to 15 weeks back, it was
    # a new invoice paid in week (weeks back - 3); the weeks after a day are counted only once
    # they had ended, so week k is averaged over the 26 - k past days that saw it.
    sold = _invoice(
        customer,
        "INV-N",
        issued=AS_OF - timedelta(days=20),
        due=AS_OF - timedelta(days=5),
        minor=2_600_000,
    )
    _paid(sold, AS_OF - timedelta(days=14))
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    assert [w.new_invoices_minor for w in forecast.weeks] == [
        round(2_600_000 / (HISTORY_WEEKS - k)) for k in range(WEEKS)
    ]
    assert [w.invoices_minor for w in forecast.weeks] == [0] * WEEKS
    assert forecast.total_minor == sum(w.new_invoices_minor for w in forecast.weeks)


@override_settings(BASE_CURRENCY="USD")
def test_a_scope_and_a_team_chosen_see_the_forecast_of_their_own_book() -> None:
    north, south = team_create(name="North"), team_create(name="South")
    ours, theirs = _customer("C-N"), _customer("C-S")
    for customer, team in ((ours, north), (theirs, south)):
        Assignment.objects.create(customer=customer, team=team, valid_from=date(2026, 1, 1))
    for customer, minor in ((ours, 1_000_000), (theirs, 9_000_000)):
        _invoice(
            customer,
            f"INV-{customer.external_id}",
            issued=AS_OF - timedelta(days=3),
            due=AS_OF - timedelta(days=1),
            minor=minor,
        )
    over_13 = 1 - (1 - _hazard(NO_HISTORY_CHANCE)) ** WEEKS
    team_scope = Scope(sees_all=False, team_ids=frozenset({north.pk}))
    north_only = cash_forecast_kept(scope=team_scope, as_of=AS_OF)
    assert north_only.total_minor == pytest.approx(1_000_000 * over_13, abs=WEEKS)
    everyone = Scope(sees_all=True)
    assert cash_forecast_kept(scope=everyone, as_of=AS_OF).total_minor == pytest.approx(
        10_000_000 * over_13, abs=WEEKS
    )
    # Everyone's scope with South chosen: South's book alone.
    south_only = cash_forecast_kept(scope=everyone, as_of=AS_OF, team="South")
    assert south_only.total_minor == pytest.approx(9_000_000 * over_13, abs=WEEKS)
    total = cash_forecast_total(team_scope, AS_OF)
    assert total == Money(north_only.total_minor, "USD")
    assert forecast_sentence(north_only).startswith(
        f"About USD {north_only.total_minor / 100:,.0f} in the next 13 weeks, likely between"
    )
