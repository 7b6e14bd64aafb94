"""A collector's book for the worklist's tests: one account of each kind the list tells apart."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.apps import apps as django_apps
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.ledger.models import (
    Assignment,
    ContactKind,
    ContactPoint,
    Customer,
    Invoice,
    PromiseToPay,
)

# 15:00 UTC: 10:00 in Chicago, midnight in Tokyo (whose calling hours open at 23:00 UTC).
AT = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
DAY = AT.date()


@dataclass
class Book:
    north: Team
    nina: User  # North's collector, whose list it is
    sam: User  # South's collector
    max: User  # North's manager
    ada: User  # admin
    vera: User  # viewer
    big: Customer
    promised: Customer
    ceased: Customer
    no_phone: Customer
    asleep: Customer
    southern: Customer


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BASE_CURRENCY = "USD"
    settings.WORKLIST_DAILY_CALLS = 60


def person(username: str, role: Role, first: str, last: str) -> User:
    return user_create(
        username=username, password=None, role=role, first_name=first, last_name=last
    )


def account(
    ref: str,
    name: str,
    collector: User,
    team: Team,
    owes: int,
    *,
    zone: str = "America/Chicago",
    phone: bool = True,
    email: bool = False,
) -> Customer:
    customer = Customer.objects.create(external_id=ref, name=name, time_zone=zone)
    Assignment.objects.create(
        customer=customer, collector=collector, team=team, valid_from=date(2020, 1, 1)
    )
    Invoice.objects.create(
        external_id=f"I-{ref}",
        customer=customer,
        issue_date=date(2026, 5, 1),
        due_date=date(2026, 6, 15),
        amount_minor=owes,
        currency="USD",
    )
    if phone:
        ContactPoint.objects.create(
            customer=customer, kind=ContactKind.PHONE, value=f"+1 312 555 {ref[-4:]}"
        )
    if email:
        ContactPoint.objects.create(
            customer=customer, kind=ContactKind.EMAIL, value=f"ap@{ref.lower()}.example"
        )
    return customer


@pytest.fixture
def book(db: None) -> Book:
    north, south = team_create(name="North"), team_create(name="South")
    nina = person("nina", Role.COLLECTOR, "Nina", "Nordström")
    sam = person("sam", Role.COLLECTOR, "Sam", "Southey")
    max_ = person("max", Role.MANAGER, "Max", "Planck")
    ada = person("ada", Role.ADMIN, "Ada", "Lovelace")
    vera = person("vera", Role.VIEWER, "Vera", "Viewer")
    team_member_add(team=north, user=nina)
    team_member_add(team=north, user=max_, is_lead=True)
    team_member_add(team=north, user=vera)
    team_member_add(team=south, user=sam)
    big = account("C-0001", "Bigstone Ltd", nina, north, 50_000_00, email=True)
    promised = account("C-0002", "Promise Co", nina, north, 100_00)
    PromiseToPay.objects.create(
        external_id="PR-1",
        customer=promised,
        promised_on=date(2026, 6, 20),
        due_date=DAY,
        amount_minor=20_00,
        currency="USD",
    )
    ceased = account("C-0003", "Ceased Inc", nina, north, 30_000_00)
    ceased.cease_communication = True
    ceased.save()
    no_phone = account("C-0004", "Nophone GmbH", nina, north, 10_000_00, phone=False)
    asleep = account("C-0005", "Tokyo Trading", nina, north, 20_000_00, zone="Asia/Tokyo")
    southern = account("C-0006", "Southern Cross Ltd", sam, south, 70_000_00)
    return Book(
        north, nina, sam, max_, ada, vera, big, promised, ceased, no_phone, asleep, southern
    )


def default_segments_add() -> None:
    """The segments the migration gives a new book (a test that empties tables loses them)."""
    migration = importlib.import_module("recoup.worklist.migrations.0002_segments_and_questions")
    migration.add_default_segments(django_apps, None)
