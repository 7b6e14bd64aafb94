"""A small ledger for the workspace's tests: two teams, their people, one debtor each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.ledger.models import Assignment, Customer, Invoice, Payment


@dataclass
class Book:
    north: Team
    south: Team
    admin: User
    manager: User
    collector: User
    south_collector: User
    viewer: User
    debtor: Customer  # North's
    other: Customer  # South's


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(username: str, role: Role, first: str, last: str = "") -> User:
    return user_create(
        username=username, password=None, role=role, first_name=first, last_name=last
    )


def debtor(
    external_id: str, name: str, team: Team, *, time_zone: str = "America/Chicago"
) -> Customer:
    customer = Customer.objects.create(external_id=external_id, name=name, time_zone=time_zone)
    Assignment.objects.create(customer=customer, team=team, valid_from=date(2020, 1, 1))
    return customer


def invoice(
    customer: Customer,
    external_id: str,
    amount: int,
    *,
    due: date,
    issued: date | None = None,
    currency: str = "USD",
) -> Invoice:
    return Invoice.objects.create(
        external_id=external_id,
        customer=customer,
        issue_date=issued or due,
        due_date=due,
        amount_minor=amount,
        currency=currency,
    )


def payment(
    customer: Customer, external_id: str, amount: int, on: date, currency: str = "USD"
) -> Payment:
    return Payment.objects.create(
        external_id=external_id,
        customer=customer,
        received_on=on,
        amount_minor=amount,
        currency=currency,
    )


@pytest.fixture
def book(db: None) -> Book:
    north, south = team_create(name="North"), team_create(name="South")
    admin = person("ada", Role.ADMIN, "Ada", "Lovelace")
    manager = person("max", Role.MANAGER, "Max", "Planck")
    collector = person("nina", Role.COLLECTOR, "Nina", "Nordström")
    south_collector = person("sam", Role.COLLECTOR, "Sam", "Southey")
    viewer = person("vera", Role.VIEWER, "Vera", "Viewer")
    team_member_add(team=north, user=manager, is_lead=True)
    team_member_add(team=north, user=collector)
    team_member_add(team=north, user=viewer)
    team_member_add(team=south, user=south_collector)
    return Book(
        north,
        south,
        admin,
        manager,
        collector,
        south_collector,
        viewer,
        debtor("C-N1", "Northwind Traders", north),
        debtor("C-S1", "Southern Cross Ltd", south),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
