"""People, teams and a small ledger for the page tests: two teams, each with its own debtors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.core.answers import answers_forget
from recoup.ledger.models import Assignment, Customer, Invoice

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # Argon2 is the production hasher (settings); page tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_page_cache() -> Iterator[None]:
    # Computed pages are cached per process; each test starts from a cold cache.
    answers_forget()
    yield
    answers_forget()


@dataclass
class World:
    admin: User
    manager: User
    viewer: User
    north_collector: User
    south_collector: User
    north: Team
    south: Team
    north_customer: Customer
    south_customer: Customer
    unassigned_customer: Customer


def make_user(username: str, role: Role) -> User:
    return user_create(username=username, password=PASSWORD, role=role, first_name=username.title())


def make_customer(external_id: str, name: str) -> Customer:
    customer = Customer.objects.create(external_id=external_id, name=name, segment="SMB")
    Invoice.objects.create(
        external_id=f"INV-{external_id}",
        customer=customer,
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount_minor=123_45,
        currency="USD",
    )
    return customer


@pytest.fixture
def world(db: None) -> World:
    admin = make_user("ada", Role.ADMIN)
    manager = make_user("max", Role.MANAGER)
    viewer = make_user("vera", Role.VIEWER)
    north_collector = make_user("nina", Role.COLLECTOR)
    south_collector = make_user("sam", Role.COLLECTOR)
    north, south = team_create(name="North"), team_create(name="South")
    team_member_add(team=north, user=north_collector)
    team_member_add(team=south, user=south_collector)
    north_customer = make_customer("C-N1", "Northwind Traders")
    south_customer = make_customer("C-S1", "Southern Cross Ltd")
    unassigned = make_customer("C-U1", "Unassigned Union")
    Assignment.objects.create(customer=north_customer, team=north, valid_from=date(2025, 1, 1))
    Assignment.objects.create(customer=south_customer, team=south, valid_from=date(2025, 1, 1))
    return World(
        admin=admin,
        manager=manager,
        viewer=viewer,
        north_collector=north_collector,
        south_collector=south_collector,
        north=north,
        south=south,
        north_customer=north_customer,
        south_customer=south_customer,
        unassigned_customer=unassigned,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
