"""A small book for placing, dated relative to a fixed day: North's accounts (each made to meet
or miss one rule's condition or to be left out for one reason) and one of South's, two agencies
and a lawyer, a manager of North and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.compliance.services import preset_ensure
from recoup.ledger.models import (
    Activity,
    Agency,
    AgencyKind,
    Assignment,
    ContactPoint,
    Customer,
    Dispute,
    Invoice,
    PaymentPlan,
    Placement,
    PlanStatus,
    PromiseToPay,
)

DAY = date(2026, 6, 30)


@dataclass
class Book:
    day: date
    north: Team
    south: Team
    mona: User  # manager of North
    ada: User  # admin
    nina: User  # collector of North
    acme: Agency
    beta: Agency
    lex: Agency  # a lawyer
    customers: dict[str, Customer]


def customer_add(
    ref: str, team: Team, *, late: int, amount: int = 100_000, **fields: object
) -> Customer:
    """A customer of `team` with one invoice `late` days past due on DAY (in USD)."""
    customer = Customer.objects.create(external_id=ref, name=f"{ref.title()} Ltd", **fields)
    Assignment.objects.create(customer=customer, team=team, valid_from=date(2025, 1, 1))
    due = DAY - timedelta(days=late)
    Invoice.objects.create(
        external_id=f"INV-{ref}",
        customer=customer,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount_minor=amount,
        currency="USD",
    )
    return customer


def _contact(customer: Customer, days_ago: int) -> None:
    Activity.objects.create(
        external_id=f"ACT-{customer.external_id}",
        customer=customer,
        channel="call",
        outcome="no_answer",
        occurred_at=datetime.combine(DAY - timedelta(days=days_ago), datetime.min.time(), UTC)
        + timedelta(hours=12),
    )


@pytest.fixture
def book(db: None) -> Book:
    preset_ensure()
    north, south = team_create(name="North"), team_create(name="South")
    mona = user_create(username="mona", password=None, role=Role.MANAGER, first_name="Mona")
    ada = user_create(username="ada", password=None, role=Role.ADMIN, first_name="Ada")
    nina = user_create(username="nina", password=None, role=Role.COLLECTOR, first_name="Nina")
    team_member_add(team=north, user=mona)
    team_member_add(team=north, user=nina)
    acme = Agency.objects.create(external_id="AG-ACME", name="Acme Recovery")
    beta = Agency.objects.create(external_id="AG-BETA", name="Beta Collect")
    lex = Agency.objects.create(external_id="AG-LEX", name="Lex & Partners", kind=AgencyKind.LAWYER)
    c: dict[str, Customer] = {}
    # Very late and large: the lawyer's rule, and then the statute has run for BARRED.
    c["OLD"] = customer_add("OLD", north, late=200, amount=900_000)
    c["BARRED"] = customer_add(
        "BARRED",
        north,
        late=220,
        amount=800_000,
        statute_of_limitations_date=DAY - timedelta(days=5),
    )
    # Late and silent: an agency's rule. QUIET was called 10 days ago, so only CHATTY is not silent.
    c["SILENT"] = customer_add("SILENT", north, late=120)
    c["CHATTY"] = customer_add("CHATTY", north, late=120)
    _contact(c["CHATTY"], 10)
    # A broken plan: the second agency's rule.
    c["BROKEN"] = customer_add("BROKEN", north, late=40)
    PaymentPlan.objects.create(
        external_id="PLAN-BROKEN",
        customer=c["BROKEN"],
        agreed_on=DAY - timedelta(days=60),
        total_minor=100_000,
        currency="USD",
        status=PlanStatus.BROKEN,
    )
    # Left out: a promise, a plan in good standing, every invoice disputed, already placed.
    c["PROMISED"] = customer_add("PROMISED", north, late=150)
    PromiseToPay.objects.create(
        external_id="P-1",
        customer=c["PROMISED"],
        promised_on=DAY - timedelta(days=3),
        due_date=DAY + timedelta(days=7),
        amount_minor=50_000,
        currency="USD",
    )
    c["PLANNED"] = customer_add("PLANNED", north, late=150)
    PaymentPlan.objects.create(
        external_id="PLAN-OK",
        customer=c["PLANNED"],
        agreed_on=DAY - timedelta(days=20),
        total_minor=100_000,
        currency="USD",
        status=PlanStatus.ACTIVE,
    )
    c["DISPUTED"] = customer_add("DISPUTED", north, late=150)
    Dispute.objects.create(
        external_id="D-1", invoice=c["DISPUTED"].invoices.get(), opened_on=DAY - timedelta(days=9)
    )
    c["PLACED"] = customer_add("PLACED", north, late=150)
    Placement.objects.create(
        external_id="OLD-PLACEMENT",
        invoice=c["PLACED"].invoices.get(),
        agency=beta,
        placed_on=DAY - timedelta(days=30),
        amount_minor=100_000,
        currency="USD",
    )
    # Not yet late enough for any rule.
    c["FRESH"] = customer_add("FRESH", north, late=5)
    ContactPoint.objects.create(
        customer=c["SILENT"], kind="address", value="1 Main St, Springfield"
    )
    ContactPoint.objects.create(customer=c["SILENT"], kind="email", value="silent@debtor.test")
    # South's account: very late, but not North's manager's to place.
    c["SOUTH"] = customer_add("SOUTH", south, late=130)
    return Book(DAY, north, south, mona, ada, nina, acme, beta, lex, c)
