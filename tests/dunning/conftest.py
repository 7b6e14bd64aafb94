"""A small book for dunning's tests, dated relative to today (a run sends at the debtor's
sending hour or now, whichever is later), and a real SMTP server on 127.0.0.1 that takes every
address but those containing "bounce"."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message as EmailMessage
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.dunning.models import Policy
from recoup.ledger.models import (
    Assignment,
    ContactKind,
    ContactPoint,
    ContactStatus,
    Customer,
    Dispute,
    Invoice,
    PaymentPlan,
    PromiseToPay,
)
from tests.smtp import smtp_serving
from tests.worklist.conftest import default_segments_add


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if "bounce" in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.box.messages.append(message_from_bytes(envelope.content))
        self.box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings: Settings) -> Iterator[Mailbox]:
    box = Mailbox()
    with smtp_serving(settings, _Handler(box)):
        yield box


@pytest.fixture(autouse=True)
def _fast(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEFAULT_FROM_EMAIL = "receivables@recoup.test"


@dataclass
class Book:
    day: date
    north: Team
    nina: User
    mona: User
    customers: dict[str, Customer]


def person(username: str, role: Role, first: str, last: str) -> User:
    return user_create(
        username=username,
        password=None,
        role=role,
        first_name=first,
        last_name=last,
        email=f"{username}@recoup.test",
    )


def debtor(
    book: Book,
    ref: str,
    name: str,
    *,
    overdue_days: tuple[int, ...] = (10,),
    amount: int = 50_000,
    email: str | None = "",
    country: str = "US",
    currency: str = "USD",
    **flags: Any,
) -> Customer:
    customer = Customer.objects.create(
        external_id=ref, name=name, country=country, time_zone="America/Chicago", **flags
    )
    Assignment.objects.create(
        customer=customer, collector=book.nina, team=book.north, valid_from=date(2020, 1, 1)
    )
    for n, days in enumerate(overdue_days, start=1):
        due = book.day - timedelta(days=days)
        Invoice.objects.create(
            external_id=f"I-{ref}-{n}",
            customer=customer,
            issue_date=due - timedelta(days=30),
            due_date=due,
            amount_minor=amount,
            currency=currency,
        )
    if email is not None:
        ContactPoint.objects.create(
            customer=customer,
            kind=ContactKind.EMAIL,
            value=email or f"{ref.lower()}@debtor.test",
            status=ContactStatus.VALID,
            is_primary=True,
        )
    book.customers[ref] = customer
    return customer


def default_policy_add() -> None:
    """The default policy its migration gives a new ledger (a test that empties tables, run
    before on the same worker, loses it), and the worklist's default segments likewise."""
    if not Policy.objects.exists():
        migration = importlib.import_module("recoup.dunning.migrations.0002_default_policy")
        # The migration's function asks its schema editor only for the connection's alias.
        migration.create(django_apps, SimpleNamespace(connection=connection))
    default_segments_add()


@pytest.fixture
def book(db: None) -> Book:
    default_policy_add()
    north = team_create(name="North")
    nina = person("nina", Role.COLLECTOR, "Nina", "North")
    mona = person("mona", Role.MANAGER, "Mona", "Manager")
    team_member_add(team=north, user=nina)
    team_member_add(team=north, user=mona)
    b = Book(timezone.localdate(), north, nina, mona, {})
    debtor(b, "ALPHA", "Alpha GmbH", overdue_days=(10, 30), country="DE", currency="EUR")
    debtor(b, "BRAVO", "Bravo & Sons <Ltd>", overdue_days=(8,))
    soon = debtor(b, "SOON", "Soon Corp", overdue_days=(-2,))
    assert soon.invoices.count() == 1
    disputed = debtor(b, "DISP", "Disputed Inc", overdue_days=(20,))
    Dispute.objects.create(
        external_id="D-1", invoice=disputed.invoices.get(), opened_on=b.day - timedelta(days=3)
    )
    promised = debtor(b, "PROM", "Promised LLC", overdue_days=(20,))
    PromiseToPay.objects.create(
        external_id="P-1",
        customer=promised,
        promised_on=b.day - timedelta(days=2),
        due_date=b.day + timedelta(days=5),
        amount_minor=50_000,
        currency="USD",
    )
    planned = debtor(b, "PLAN", "Planned Co", overdue_days=(20,))
    PaymentPlan.objects.create(
        external_id="PL-1",
        customer=planned,
        agreed_on=b.day - timedelta(days=5),
        total_minor=50_000,
        currency="USD",
    )
    debtor(b, "NOMAIL", "No Mail Ltd", overdue_days=(12,), email=None)
    debtor(b, "BOUNCE", "Bounce Ltd", overdue_days=(9,), email="bounce@debtor.test")
    debtor(b, "CEASED", "Ceased Ltd", overdue_days=(15,), cease_communication=True)
    return b
