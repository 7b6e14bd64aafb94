"""The cash forecast by week: the weeks add up to what the open items are expected to bring, a
promise lands in its own week (and is not counted again on the invoices), and an invoice not yet
due brings nothing before the week it falls due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings

from recoup.accounts.scope import Scope
from recoup.accounts.services import team_create
from recoup.ledger.models import Assignment, Customer, Invoice, PromiseToPay
from recoup.worklist.cashflow import (
    NO_HISTORY_CHANCE,
    WEEKS,
    cash_forecast_for,
    cash_forecast_read,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 9, 30)
# A customer with no payment history pays within 30 days with an even chance: per week that is
# 1 - 0.5 ** (7 / 30), and over the 13 weeks 1 - (1 - weekly) ** 13 of what is open.
WEEKLY = 1 - (1 - NO_HISTORY_CHANCE) ** (7 / 30)
OVER_13_WEEKS = 1 - (1 - WEEKLY) ** WEEKS


def _customer(ref: str) -> Customer:
    return Customer.objects.create(external_id=ref, name=f"Customer {ref}")


def _invoice(customer: Customer, ref: str, due: date, minor: int) -> Invoice:
    return Invoice.objects.create(
        external_id=ref,
        customer=customer,
        issue_date=min(due - timedelta(days=30), AS_OF - timedelta(days=5)),
        due_date=due,
        amount_minor=minor,
        currency="USD",
    )


@override_settings(BASE_CURRENCY="USD")
def test_the_weeks_add_up_to_what_the_open_invoices_are_expected_to_bring() -> None:
    _invoice(_customer("C-1"), "INV-1", AS_OF - timedelta(days=20), 1_000_000)
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    assert forecast.method == "behaviour"
    assert len(forecast.weeks) == WEEKS
    assert forecast.weeks[0].starts_on == date(2026, 10, 1)
    assert forecast.total_minor == pytest.approx(1_000_000 * OVER_13_WEEKS, abs=WEEKS)
    assert sum(w.invoices_minor for w in forecast.weeks) == forecast.total_minor
    # The first week brings the weekly chance of the whole balance, and less each week after.
    assert forecast.weeks[0].expected_minor == round(1_000_000 * WEEKLY)
    assert forecast.weeks[1].expected_minor < forecast.weeks[0].expected_minor
    for week in forecast.weeks:
        assert week.low_minor <= week.expected_minor <= week.high_minor


@override_settings(BASE_CURRENCY="USD")
def test_a_promise_lands_in_its_week_and_is_not_counted_twice() -> None:
    customer = _customer("C-2")
    _invoice(customer, "INV-2", AS_OF - timedelta(days=20), 1_000_000)
    # Due 17 days after: in the third week (days 15 to 21).
    PromiseToPay.objects.create(
        external_id="P-1",
        customer=customer,
        promised_on=AS_OF - timedelta(days=1),
        due_date=AS_OF + timedelta(days=17),
        amount_minor=200_000,
        currency="USD",
    )
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    promised = [w.promises_minor for w in forecast.weeks]
    # No promise kept or broken yet: it lands with the even chance.
    assert promised == [0, 0, round(200_000 * NO_HISTORY_CHANCE)] + [0] * (WEEKS - 3)
    invoices = sum(w.invoices_minor for w in forecast.weeks)
    assert invoices == pytest.approx((1_000_000 - 200_000) * OVER_13_WEEKS, abs=WEEKS)
    assert forecast.total_minor == invoices + round(200_000 * NO_HISTORY_CHANCE)


@override_settings(BASE_CURRENCY="USD")
def test_an_invoice_not_due_yet_brings_nothing_before_its_week() -> None:
    # Due 40 days after: the sixth week (days 36 to 42).
    _invoice(_customer("C-3"), "INV-3", AS_OF + timedelta(days=40), 500_000)
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None)
    assert [w.expected_minor for w in forecast.weeks[:5]] == [0] * 5
    assert forecast.weeks[5].expected_minor == round(500_000 * WEEKLY)


@override_settings(BASE_CURRENCY="USD")
def test_a_book_holds_only_its_own_customers() -> None:
    mine, other = _customer("C-4"), _customer("C-5")
    _invoice(mine, "INV-4", AS_OF - timedelta(days=20), 1_000_000)
    _invoice(other, "INV-5", AS_OF - timedelta(days=20), 7_000_000)
    PromiseToPay.objects.create(
        external_id="P-5",
        customer=other,
        promised_on=AS_OF - timedelta(days=1),
        due_date=AS_OF + timedelta(days=3),
        amount_minor=100_000,
        currency="USD",
    )
    forecast = cash_forecast_read(as_of=AS_OF, likelihood=None, customer_ids=[mine.pk])
    assert forecast.total_minor == pytest.approx(1_000_000 * OVER_13_WEEKS, abs=WEEKS)
    assert sum(w.promises_minor for w in forecast.weeks) == 0


@override_settings(BASE_CURRENCY="USD")
def test_a_team_sees_the_forecast_of_its_own_book() -> None:
    north, south = team_create(name="North"), team_create(name="South")
    ours, theirs = _customer("C-6"), _customer("C-7")
    for customer, team in ((ours, north), (theirs, south)):
        Assignment.objects.create(customer=customer, team=team, valid_from=date(2026, 1, 1))
    _invoice(ours, "INV-6", AS_OF - timedelta(days=20), 1_000_000)
    _invoice(theirs, "INV-7", AS_OF - timedelta(days=20), 9_000_000)
    scope = Scope(sees_all=False, team_ids=frozenset({north.pk}))
    forecast = cash_forecast_for(scope=scope, as_of=AS_OF, likelihood=None)
    assert forecast.total_minor == pytest.approx(1_000_000 * OVER_13_WEEKS, abs=WEEKS)
    everyone = cash_forecast_for(scope=Scope(sees_all=True), as_of=AS_OF, likelihood=None)
    assert everyone.total_minor == pytest.approx(10_000_000 * OVER_13_WEEKS, abs=WEEKS)
