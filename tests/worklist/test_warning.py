"""The early warning: accounts with nothing past due that are likely to go more than 30 days
late, from the outcome counted by hand to the page, the API and the command."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.ledger.models import Allocation, Assignment, Customer, Invoice, Payment
from recoup.worklist.features import features_on, goes_late_within, ledger_facts_load
from recoup.worklist.likelihood import LATE
from recoup.worklist.selectors import book_scores
from recoup.worklist.services import likelihood_current
from recoup.worklist.warning import early_warning_for
from tests.worklist.conftest import AT, DAY, Book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_the_test_instant() -> object:
    with mock.patch("django.utils.timezone.now", return_value=AT):
        yield


def _invoice(customer: Customer, ref: str, amount: int, issued: date, due: date) -> Invoice:
    return Invoice.objects.create(
        external_id=ref,
        customer=customer,
        issue_date=issued,
        due_date=due,
        amount_minor=amount,
        currency="USD",
    )


def _pay(invoice: Invoice, ref: str, amount: int, on: date) -> None:
    payment = Payment.objects.create(
        external_id=ref,
        customer=invoice.customer,
        received_on=on,
        amount_minor=amount,
        currency="USD",
    )
    Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=amount)


def test_going_late_is_counted_from_what_falls_due_within_30_days(db: None) -> None:
    start = date(2026, 3, 1)
    names = ["unpaid", "paid on time", "paid 40 days late", "a remainder", "due later"]
    customers = {n: Customer.objects.create(external_id=n, name=n) for n in names}
    issued = date(2026, 2, 1)
    _invoice(customers["unpaid"], "I-1", 100_00, issued, start + timedelta(days=10))
    on_time = _invoice(customers["paid on time"], "I-2", 100_00, issued, start + timedelta(days=5))
    _pay(on_time, "P-2", 100_00, start + timedelta(days=6))
    late = _invoice(customers["paid 40 days late"], "I-3", 100_00, issued, start)
    _pay(late, "P-3", 100_00, start + timedelta(days=40))
    rest = _invoice(customers["a remainder"], "I-4", 100_00, issued, start + timedelta(days=30))
    _pay(rest, "P-4", 90_00, start + timedelta(days=31))  # 10.00 still open 30 days past due
    # Due 31 days after the day: it cannot be 30 days late within 60 days.
    _invoice(customers["due later"], "I-5", 100_00, issued, start + timedelta(days=31))
    facts = ledger_facts_load(until=date(2026, 6, 1))
    accounts = features_on(facts, start)
    went = dict(
        zip(accounts.customer_ids.tolist(), goes_late_within(facts, accounts, 30, 30), strict=True)
    )
    assert {n: went[c.pk] for n, c in customers.items()} == {
        "unpaid": 1.0,
        "paid on time": 0.0,
        "paid 40 days late": 1.0,
        "a remainder": 1.0,
        "due later": 0.0,
    }
    # The early warning asks only the accounts with nothing past due on the day.
    asked = LATE.asked_of(accounts)
    assert customers["paid 40 days late"].pk in accounts.customer_ids  # due on the day itself
    assert set(asked.customer_ids.tolist()) == {c.pk for c in customers.values()}
    assert set(LATE.asked_of(features_on(facts, start + timedelta(days=6))).customer_ids) == {
        customers["unpaid"].pk,
        customers["a remainder"].pk,
        customers["due later"].pk,
    }  # "paid on time" is paid by then, "paid 40 days late" 6 days past due


@pytest.fixture
def current(book: Book) -> dict[str, Customer]:
    """Two of Nina's accounts with nothing past due: one that has always paid late, one on time."""
    made = {}
    for ref, name, days_late in (("C-0101", "Slowpay Ltd", 45), ("C-0102", "Prompt plc", -2)):
        customer = Customer.objects.create(external_id=ref, name=name)
        Assignment.objects.create(
            customer=customer, collector=book.nina, team=book.north, valid_from=date(2020, 1, 1)
        )
        for k in range(6):  # six months of history, each invoice paid `days_late` after due
            due = date(2025, 11, 1) + timedelta(days=30 * k)
            inv = _invoice(customer, f"I-{ref}-{k}", 1_000_00, due - timedelta(days=30), due)
            _pay(inv, f"P-{ref}-{k}", 1_000_00, due + timedelta(days=days_late))
        _invoice(
            customer, f"I-{ref}-open", 5_000_00, DAY - timedelta(days=10), DAY + timedelta(days=20)
        )
        made[name] = customer
    return made


def test_the_accounts_most_likely_to_go_late_come_first_with_their_reasons(
    book: Book, current: dict[str, Customer]
) -> None:
    likelihood = likelihood_current(today=DAY, question=LATE.key)
    warning = early_warning_for(
        scope_for(book.nina), collectors=[book.nina], likelihood=likelihood, day=DAY
    )
    names = [w.name for w in warning.warnings]
    # Nina's other accounts are 15 days past due: not asked. Sam's are not in her book.
    assert warning.watched == 2
    assert names[0] == "Slowpay Ltd"
    slow = warning.warnings[0]
    assert str(slow.due_soon) == "5,000.00 USD"
    assert slow.collector_name == "Nina Nordström"
    ids = sorted(c.pk for c in current.values())
    accounts, probability, _ = book_scores(ids, DAY, likelihood)
    risk = dict(zip(accounts.customer_ids.tolist(), probability.tolist(), strict=True))
    assert risk[current["Prompt plc"].pk] < risk[current["Slowpay Ltd"].pk] == slow.likelihood
    assert any("late on average" in r.words and r.raises for r in slow.reasons)
    assert round(slow.at_risk.minor) == round(5_000_00 * slow.likelihood)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_api_and_command_give_the_same_warning_to_those_allowed(
    book: Book, current: dict[str, Customer]
) -> None:
    page = _client(book.nina).get("/worklist/early-warning/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Slowpay Ltd" in text
    assert "in Nina Nordström's book" in text
    assert "Bigstone Ltd" not in text  # past due already: the worklist's, not the warning's
    data = _client(book.nina).get("/api/worklist/early-warning").json()
    assert data["accounts"][0]["customer"] == "C-0101"
    assert data["watched"] == 2
    assert data["question"].startswith("will the account have part of what falls due")
    # A manager sees every collector of the team; another team's collector is refused.
    assert _client(book.max).get("/api/worklist/early-warning").status_code == 200
    assert _client(book.sam).get("/api/worklist/early-warning?collector=nina").status_code == 403
    assert _client(book.sam).get("/worklist/early-warning/?collector=nina").status_code == 403
    assert _client(book.vera).get("/api/worklist/early-warning").status_code == 403
    assert _client(book.max).get("/api/worklist/early-warning?collector=nobody").status_code == 404
    out = StringIO()
    call_command(
        "worklist", "--early-warning", "--collector", "nina", "--at", AT.isoformat(), stdout=out
    )
    assert "1 of 2 accounts" in out.getvalue() or "2 of 2 accounts" in out.getvalue()
    assert "Slowpay Ltd (C-0101, Nina Nordström)" in out.getvalue()
    out = StringIO()
    call_command(
        "worklist", "--early-warning", "--at", AT.isoformat(), "--format", "json", stdout=out
    )
    assert json.loads(out.getvalue())["accounts"][0]["name"] == "Slowpay Ltd"
