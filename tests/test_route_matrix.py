"""Every route and every role: the status each role gets, and no other team's debtors in any body.

The routes come from the URL configuration and the operations from the OpenAPI schema, so a new
route or operation fails this test until its row is added to `WEB` or `API` below: a route
cannot be forgotten. Object routes are asked about South's objects (a customer, a key result, an
import run), so North's collector and viewer show whether another team's things stay closed.

Leaks: no body that North's collector or viewer receives names South's debtor or holds its
amount, and no body South's collector receives names North's; the debtors' amounts are chosen
to appear nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.api import api
from recoup.compliance.models import Restriction, Rule
from recoup.core.answers import answers_forget
from recoup.ingest.models import ImportRun
from recoup.ledger.models import Assignment, ContactPoint, Customer, Dispute, Invoice
from recoup.okrs.models import Cycle, Initiative, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import checkin_create, plan_apply
from recoup.workspace.models import AccountFlag, CallBack, FlagReason
from tests.dunning.items import dunning_items
from tests.placements.items import placements_items

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "collector_north", "collector_south", "manager_north", "admin")
NORTH_NAME, NORTH_AMOUNT = "Northwind Traders", 4_321_09
SOUTH_NAME, SOUTH_AMOUNT = "Southern Cross Ltd", 9_876_53
PASSWORD = "a long and unusual password 42"

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
objectives:
  - key: north
    title: North collects sooner
    owner: mona
    team: North
    key_results:
      - key: cash
        title: Cash collected
        kind: increase_to
        unit: USD
        baseline: 100
        target: 200
        owner: nina
  - key: south
    title: South collects sooner
    owner: ada
    team: South
    key_results:
      - key: cash
        title: Cash collected
        kind: increase_to
        unit: USD
        baseline: 100
        target: 200
        owner: sam
        initiatives:
          - key: calls
            title: Call the largest debtors first
"""


@dataclass
class Matrix:
    users: dict[str, User | None]
    ids: dict[str, str]


def _amount_texts(minor: int) -> tuple[str, ...]:
    major, cents = divmod(minor, 100)
    return (f"{major}.{cents:02d}", f"{major:,}.{cents:02d}", f"{major},{cents:02d}")


# Texts that must not reach each role: the other team's debtor, by name and amount.
FORBIDDEN = {
    "viewer": (SOUTH_NAME, *_amount_texts(SOUTH_AMOUNT)),
    "collector_north": (SOUTH_NAME, *_amount_texts(SOUTH_AMOUNT)),
    "collector_south": (NORTH_NAME, *_amount_texts(NORTH_AMOUNT)),
}


@pytest.fixture(autouse=True)
def _fast_hashing_and_cold_cache(settings: Settings) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    answers_forget()
    yield
    answers_forget()


def _customer(external_id: str, name: str, amount: int, team: Team) -> Customer:
    customer = Customer.objects.create(external_id=external_id, name=name, segment="SMB")
    Invoice.objects.create(
        external_id=f"INV-{external_id}",
        customer=customer,
        issue_date=date(2026, 5, 5),
        due_date=date(2026, 6, 4),
        amount_minor=amount,
        currency="USD",
    )
    Assignment.objects.create(customer=customer, team=team, valid_from=date(2026, 1, 1))
    return customer


def _account_items(customer: Customer) -> dict[str, str]:
    """One of each item the account workspace acts on, on `customer`, by id."""
    invoice = customer.invoices.get()
    opened = date(2026, 6, 10)
    dispute = Dispute.objects.create(
        external_id=f"D-{customer.external_id}", invoice=invoice, opened_on=opened
    )
    point = ContactPoint.objects.create(customer=customer, kind="phone", value="+1 555 0100")
    call_back = CallBack.objects.create(
        customer=customer, due_at=timezone.now() + timedelta(days=1)
    )
    flag = AccountFlag.objects.create(
        customer=customer, reason=FlagReason.BROKEN_PROMISE, raised_on=opened
    )
    restriction = Restriction.objects.create(
        customer=customer, kind="cease", effective_on=date(2026, 6, 1)
    )
    return {
        "dispute_id": str(dispute.pk),
        "point_id": str(point.pk),
        "call_back_id": str(call_back.pk),
        "flag_id": str(flag.pk),
        "restriction_id": str(restriction.pk),
    }


@pytest.fixture
def matrix(db: None) -> Matrix:
    north, south = team_create(name="North"), team_create(name="South")
    people = {
        "viewer": ("vera", Role.VIEWER, north),
        "collector_north": ("nina", Role.COLLECTOR, north),
        "collector_south": ("sam", Role.COLLECTOR, south),
        "manager_north": ("mona", Role.MANAGER, north),
        "admin": ("ada", Role.ADMIN, None),
    }
    users: dict[str, User | None] = {"anonymous": None}
    for role, (username, kind, team) in people.items():
        user = user_create(
            username=username, password=PASSWORD, role=kind, first_name=username.title()
        )
        if team is not None:
            team_member_add(team=team, user=user)
        users[role] = user
    _customer("C-N1", NORTH_NAME, NORTH_AMOUNT, north)
    south_customer = _customer("C-S1", SOUTH_NAME, SOUTH_AMOUNT, south)
    plan_apply(plan=plan_parse(PLAN, source="matrix.yaml"), via="test")
    south_kr = KeyResult.objects.get(objective__key="south", key="cash")
    # Sam's own check-in: only its author corrects or withdraws it.
    sams = checkin_create(
        key_result=south_kr,
        value=Decimal(120),
        confidence="on_track",
        author=users["collector_south"],
        via="test",
    )
    run = ImportRun.objects.create(
        kind="customers",
        file_name="south.csv",
        sha256="0" * 64,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="rejected",
        started_by=users["collector_south"],
        errors=1,
        problems=[{"row": 2, "column": "name", "value": SOUTH_NAME, "expected": "text"}],
    )
    south_account = {
        **_account_items(south_customer),
        **dunning_items(south_customer),
        **placements_items(south_customer),
    }
    ids = {
        **south_account,
        "customer_id": str(south_customer.pk),
        "key_result_id": str(south_kr.pk),
        "kr_id": str(south_kr.pk),
        "checkin_id": str(sams.pk),
        "objective_id": str(south_kr.objective_id),
        "initiative_id": str(Initiative.objects.get(key="calls").pk),
        "run_id": str(run.pk),
        "rule_id": str(Rule.objects.get(code="time_window", scope="system").pk),
        "user_id": str(users["collector_south"].pk),  # type: ignore[union-attr]
        "metric": "ar_total",
        "metric_id": "ar_total",
        "name": Cycle.objects.get().name,
        "cycle": Cycle.objects.get().name,
        "cycle_id": str(Cycle.objects.get().pk),
        "token": "no-such-mapping-token",
        "secret": "no-such-calendar-secret",
        "token_id": "999999",
        "notification_id": "999999",
        "list_id": "999999",  # no such weekly report list
        "kind": "invoices",  # a kind only managers and admins import
    }
    return Matrix(users, ids)


# -- the routes -----------------------------------------------------------------------------------


def _web_routes() -> list[tuple[str, str]]:
    """(route pattern, name) of every page outside the admin and the API."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if route.startswith(("admin/", "api/")):
                    continue
                found.append((route, f"{namespace}:{entry.name}"))

    walk(get_resolver(), "", "")
    # The admin is Django's own (read-only, staff only): its front door and a page of debtors.
    found += [("admin/", "admin:index"), ("admin/ledger/customer/", "admin:ledger_customer")]
    return found


def _api_operations() -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every operation in the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, op["operationId"].removeprefix("recoup_").replace("_api_", "."))
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def _fill(route: str, ids: dict[str, str]) -> str:
    def value(found: re.Match[str]) -> str:
        name = found.group(1).split(":")[-1]
        if name not in ids:
            raise AssertionError(f"route {route!r}: add a value for <{name}> to the fixture")
        return ids[name]

    path = re.sub(r"<([^>]+)>", value, route)
    return re.sub(r"\{([^}]+)\}", value, path)


@contextmanager
def _undone() -> Iterator[None]:
    """Runs a request and rolls back what it wrote, so that every cell starts from the fixture
    (an admin's POST that deactivates a user must not lock that user out of later cells)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    answers_forget()


def _body(op_id: str, ids: dict[str, str]) -> dict[str, Any]:
    body = dict(API_BODY.get(op_id, {}))
    for field, id_name in BODY_IDS.items():
        if field in body:
            body[field] = int(ids[id_name])
    return body


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _assert_no_leak(role: str, where: str, body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    for forbidden in FORBIDDEN.get(role, ()):
        assert forbidden not in text, f"{role} read {forbidden!r} at {where}"


# Query parameters that make the API's read operations answer with data rather than a 422.
API_QUERY: dict[str, dict[str, str]] = {
    "metrics.metric_value": {"as_of": "2026-06-30", "by": "customer"},
    "metrics.metric_value_series": {"start": "2026-01-01", "end": "2026-06-30", "by": "customer"},
    "metrics.metric_value_explain": {"as_of": "2026-06-30", "by": "customer"},
    "metrics.metric_value_drivers": {"from": "2026-06-01", "to": "2026-06-30", "by": "team"},
    "okrs.checkins_auto": {"as_of": "2026-07-13"},
    "okrs.learn_curve": {"cycles": "4"},
    "compliance.check": {"customer": "C-S1", "channel": "call", "at": "2026-06-10T15:00:00Z"},
    "compliance.findings": {"date_from": "2026-06-01", "date_to": "2026-06-30"},
}

# Valid bodies for the API's writes, so that a refusal shows as 403 and not as a 422 for the body.
PLAN_YAML = """\
cycle:
  name: 2026-Q4
  starts_on: 2026-10-01
  ends_on: 2026-12-31
"""
API_BODY: dict[str, dict[str, Any]] = {
    "okrs.cycles_create": {"name": "2027-Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
    "okrs.plan_audit": {"yaml": PLAN_YAML},
    "okrs.plan_apply": {"yaml": PLAN_YAML},
    "okrs.objectives_create": {"cycle": "2026-Q3", "key": "more", "title": "More", "team": "South"},
    "okrs.objectives_update": {"title": "South collects sooner still"},
    "okrs.key_results_create": {"objective_id": 0, "key": "k", "title": "K", "kind": "milestone"},
    "okrs.key_results_update": {"title": "Cash collected, renamed"},
    "okrs.initiatives_create": {"key_result_id": 0, "key": "mail", "title": "Mail the rest"},
    "okrs.initiatives_update": {"status": "in_progress"},
    "okrs.checkins_create": {"value": 150, "confidence": "on_track", "comment": "first week"},
    "okrs.checkins_correct": {"value": 125, "confidence": "on_track", "comment": "typo"},
    "okrs.override_set": {"status": "at_risk", "reason": "a large payer is late"},
}
# Ids that are only known once the fixture exists (filled in `_body`).
BODY_IDS = {"objective_id": "objective_id", "key_result_id": "key_result_id"}

# What each role gets: anonymous, viewer, collector North, collector South, manager North, admin.
# GET of a page; for pages that take a POST, the POST of an empty form (a refusal is 403, a
# missing or hidden object 404, an accepted but invalid form 200 or 400, a done action 302).
Row = tuple[int, int, int, int, int, int]
WEB: dict[str, dict[str, Row]] = {
    # Only admins (staff) pass the admin's door; its pages are read-only (a POST changes nothing).
    "admin:index": {
        "GET": (302, 302, 302, 302, 302, 200),
        "POST": (302, 302, 302, 302, 302, 200),
    },
    "admin:ledger_customer": {
        "GET": (302, 302, 302, 302, 302, 200),
        "POST": (302, 302, 302, 302, 302, 200),
    },
    # Everyone signed in reads the agency scorecard and its download, within their book;
    # managers and admins set commission rates (an empty form names no agency: 422).
    "agencies:scorecard": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "agencies:export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "agencies:commission": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "accounts:audit": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The Audit page's download: the page's readers, the page's reach.
    "accounts:audit_export": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "compliance:findings": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "compliance:rules": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # Only admins change the contact rules: an empty form names its kind missing (400) or its
    # fields (422).
    "compliance:rule_new": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 400),
    },
    "compliance:rule_edit": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "ingest:index": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "ingest:import_now": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 403, 409, 409),
    },
    "ingest:mapping": {
        "GET": (302, 403, 404, 404, 404, 404),
        "POST": (302, 403, 404, 404, 404, 404),
    },
    "ingest:run": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (302, 403, 422, 422, 422, 422),
    },
    "ingest:run_detail": {
        "GET": (302, 404, 404, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # A run's problems as a file: found as its page finds the run.
    "ingest:run_problems_export": {
        "GET": (302, 404, 404, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "ingest:template": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "ledger:customers": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The customers page's download: each reader's own book, as on the page.
    "ledger:customers_export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "ledger:overview": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:cadence": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    # Calendars: a download for the signed-in person; a new secret address (shown once) for
    # everyone signed in; the feed behind a secret needs no session (a wrong secret is 404).
    "okrs:calendar_download": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:calendar_address": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 200, 200, 200, 200, 200),
    },
    "okrs:calendar_feed": {
        "GET": (404, 404, 404, 404, 404, 404),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The board as a download and in presentation mode: open like the board.
    "okrs:board_export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:present_board": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:checkin": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 422, 422, 422),
    },
    # Correct and withdraw: the check-in rule first; an empty form names no check-in (422).
    "okrs:checkin_correct": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 422, 422, 422),
    },
    "okrs:checkin_withdraw": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 422, 422, 422),
    },
    "okrs:checkin_preview": {
        "GET": (302, 403, 403, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # Planning (a cycle, "+ objective", "+ key result", "+ initiative") is for managers and
    # admins; an empty form names its missing fields (422).
    "okrs:cycle_new": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    # Grading, closing and carrying over are planning; an empty form chooses no action (422).
    "okrs:cycle_close": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:cycle_carry": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:objective_new": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:key_result_new": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:initiative_new": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    # Editing and archiving are planning too; an initiative's owner (and whoever checks in its
    # key result: Sam) may only move it along, so an empty form asks for its status (422).
    "okrs:objective_edit": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:objective_archive": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    "okrs:key_result_archive": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    "okrs:initiative_edit": {
        "GET": (302, 403, 403, 200, 200, 200),
        "POST": (302, 403, 403, 422, 422, 422),
    },
    "okrs:initiative_archive": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    # Each person's own notifications and settings; another's notification is not found. The
    # unsubscribe link needs no log-in: a forged token is refused alike for everyone.
    "notifications:index": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (302, 405, 405, 405, 405, 405),
    },
    "notifications:mark_read": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 404, 404, 404, 404, 404),
    },
    "notifications:mark_all_read": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 302, 302, 302, 302, 302),
    },
    "notifications:settings": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (302, 422, 422, 422, 422, 422),
    },
    "notifications:team_webhooks": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "notifications:unsubscribe": {
        "GET": (400, 400, 400, 400, 400, 400),
        "POST": (400, 400, 400, 400, 400, 400),
    },
    "okrs:mine": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:index": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:key_result": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:key_result_edit": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:map": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:override_clear": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    "okrs:override_set": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "okrs:target_suggestion": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "okrs:templates": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    # The weekly report: everyone signed in, of their own book; its recipient lists for
    # managers and admins (an empty form is refused: 400; no such list: 404).
    "reports:weekly": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "reports:weekly_pdf": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "reports:lists": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 400, 400),
    },
    "reports:list_edit": {
        "GET": (302, 403, 403, 403, 404, 404),
        "POST": (302, 403, 403, 403, 404, 404),
    },
    "reports:list_delete": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 404, 404),
    },
    "web:calendar_feed": {
        "GET": (404, 404, 404, 404, 404, 404),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:dashboard": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The dashboard's tables as downloads and the dashboard in presentation mode: scoped like it.
    "web:dashboard_export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The dashboard's cash forecast, its card and its download: scoped like the dashboard.
    "web:forecast_card": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:forecast_export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:present_dashboard": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:explain": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:explain_export": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "web:login": {
        "GET": (200, 302, 302, 302, 302, 302),
        "POST": (200, 302, 302, 302, 302, 302),
    },
    "web:logout": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 302, 302, 302, 302, 302),
    },
    "web:password_change": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (302, 200, 200, 200, 200, 200),
    },
    "web:settings": {
        "GET": (302, 403, 403, 403, 302, 302),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    "web:settings_calendar_reset": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 200, 200, 200, 200, 200),
    },
    # The Jobs page and its "Run now" (an empty form names no job: 422).
    "web:settings_jobs": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 405),
    },
    "web:settings_jobs_export": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 405),
    },
    "web:settings_jobs_run": {
        "GET": (302, 403, 403, 403, 403, 405),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "web:settings_kpis": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "web:settings_teams": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "web:settings_number_format": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 422, 422, 422, 422, 422),
    },
    "web:settings_token_revoke": {
        "GET": (302, 405, 405, 405, 405, 405),
        "POST": (302, 404, 404, 404, 404, 404),
    },
    "web:settings_tokens": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (302, 422, 422, 422, 422, 422),
    },
    "web:settings_user": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    "web:settings_user_deactivate": {
        "GET": (302, 403, 403, 403, 403, 405),
        "POST": (302, 403, 403, 403, 403, 302),
    },
    "web:settings_user_password_reset": {
        "GET": (302, 403, 403, 403, 403, 405),
        "POST": (302, 403, 403, 403, 403, 200),
    },
    "web:settings_user_reactivate": {
        "GET": (302, 403, 403, 403, 403, 405),
        "POST": (302, 403, 403, 403, 403, 302),
    },
    "web:settings_users": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (302, 403, 403, 403, 403, 422),
    },
    # The account workspace: South's debtor, its items (`_account_items`) and the dispute queue.
    # An empty form is refused at its fields (422); marking a call-back done needs no field.
    "workspace:account": {
        "GET": (302, 404, 404, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "workspace:call_back": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:call_back_done": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 302, 302, 302),
    },
    "workspace:contact_log": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:contact_point": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:contact_point_mark": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:dispute": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:dispute_resolve": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:disputes": {
        "GET": (302, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "workspace:flag_clear": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:note": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:plan": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:promise": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:restriction": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    "workspace:restriction_end": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "workspace:timeline": {
        "GET": (302, 404, 404, 302, 302, 302),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # Collectors read their own list; managers and admins choose whose. Viewers work nothing.
    "worklist:index": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # A worklist download holds one collector's list: a manager or admin who names nobody is
    # asked to choose one (400); a collector gets their own.
    "worklist:export": {
        "GET": (302, 403, 200, 200, 400, 400),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # Managers and admins set a collector's daily calls; an empty form names nobody (404).
    "worklist:daily_calls": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 404, 404),
    },
    # Managers and admins move accounts; an empty form names no collectors (404).
    "worklist:move": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 404, 404),
    },
    # Collectors read their team's scorecard; managers and admins everyone's. Viewers work nothing.
    "worklist:scorecard": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # Managers and admins set targets; an empty form names no figure (422).
    "worklist:target": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    # Collectors read the segments; managers and admins change them. Viewers work nothing.
    "worklist:segments": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # An empty form names its fields (422); a removal without a segment names nothing (404).
    "worklist:segment_save": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "worklist:segment_delete": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 404, 404),
    },
    # The accounts likely to go late in the asker's book (a manager's: every collector's).
    "worklist:early_warning": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # The accounts to trace in the asker's book; viewers work nothing.
    "worklist:trace": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # A contact point found for South's debtor: hidden from North's collector (404); an empty
    # form names its fields (422).
    "worklist:trace_found": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 404, 422, 422, 422),
    },
    # Dunning: collectors read the messages to their book's debtors; managers and admins prepare
    # and approve runs and edit templates. Viewers work nothing.
    "dunning:index": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # An empty form names no day (422).
    "dunning:prepare": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    # Every run's page, each collector seeing only the messages to their book's debtors.
    "dunning:run": {
        "GET": (302, 403, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "dunning:approve": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    # A message to South's debtor, and its letter: hidden from North's collector (404).
    "dunning:message": {
        "GET": (302, 403, 404, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "dunning:letter": {
        "GET": (302, 403, 404, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    # An empty form names no subject or body (422).
    "dunning:template": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "dunning:preview": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 200, 200),
    },
    # Placements: managers and admins; a manager places only their own teams' debtors, so a
    # batch holding South's debtor is refused to North's manager (403). Empty forms name their
    # fields (422).
    "placements:index": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "placements:prepare": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "placements:batch": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "placements:approve": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 403, 302),
    },
    "placements:batch_export": {
        "GET": (302, 403, 403, 403, 403, 200),
        "POST": (405, 405, 405, 405, 405, 405),
    },
    "placements:rule_new": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "placements:rule": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "placements:rule_delete": {
        "GET": (405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302),
    },
    "placements:by_hand": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
    "placements:recall": {
        "GET": (302, 403, 403, 403, 200, 200),
        "POST": (302, 403, 403, 403, 422, 422),
    },
}
API: dict[str, Row] = {
    "compliance.check": (401, 404, 404, 200, 200, 200),
    "compliance.findings": (401, 200, 200, 200, 200, 200),
    "compliance.rules": (401, 200, 200, 200, 200, 200),
    "metrics.metric_list": (401, 200, 200, 200, 200, 200),
    "metrics.metric_value": (401, 200, 200, 200, 200, 200),
    "metrics.metric_value_drivers": (401, 200, 200, 200, 200, 200),
    "metrics.metric_value_explain": (401, 200, 200, 200, 200, 200),
    "metrics.metric_value_series": (401, 200, 200, 200, 200, 200),
    "okrs.audit": (401, 200, 200, 200, 200, 200),
    "okrs.calendar": (401, 200, 200, 200, 200, 200),
    "okrs.checkins_auto": (401, 403, 403, 403, 200, 200),
    "okrs.checkins_create": (401, 403, 403, 201, 201, 201),
    # Only the author (South's collector) corrects or withdraws; a manager may check in but not
    # change someone else's check-in.
    "okrs.checkins_correct": (401, 403, 403, 200, 403, 403),
    "okrs.checkins_withdraw": (401, 403, 403, 200, 403, 403),
    "okrs.checkins_history": (401, 200, 200, 200, 200, 200),
    "okrs.cycles_create": (401, 403, 403, 403, 201, 201),
    "okrs.cycles_list": (401, 200, 200, 200, 200, 200),
    # The end of a cycle: grades read by all, written by planners; carrying out of a cycle that
    # is still open is refused (422).
    "okrs_closing.cycles_grades": (401, 200, 200, 200, 200, 200),
    "okrs_closing.cycles_grade": (401, 403, 403, 403, 200, 200),
    "okrs_closing.cycles_close": (401, 403, 403, 403, 200, 200),
    "okrs_closing.cycles_carry": (401, 403, 403, 403, 422, 422),
    "okrs.forecast": (401, 200, 200, 200, 200, 200),
    "okrs.initiatives_create": (401, 403, 403, 403, 201, 201),
    "okrs.initiatives_update": (401, 403, 403, 200, 200, 200),
    "okrs.key_results_create": (401, 403, 403, 403, 201, 201),
    "okrs.key_results_get": (401, 200, 200, 200, 200, 200),
    "okrs.key_results_update": (401, 403, 403, 403, 200, 200),
    "okrs.learn_curve": (401, 403, 403, 403, 422, 422),
    "okrs.objectives_create": (401, 403, 403, 403, 201, 201),
    "okrs.objectives_update": (401, 403, 403, 403, 200, 200),
    "okrs.override_clear": (401, 403, 403, 403, 200, 200),
    "okrs.override_set": (401, 403, 403, 403, 200, 200),
    "okrs.plan_apply": (401, 403, 403, 403, 200, 200),
    "okrs.plan_audit": (401, 200, 200, 200, 200, 200),
    "okrs.status": (401, 200, 200, 200, 200, 200),
    "okrs.suggest_target": (401, 403, 403, 403, 422, 422),
    "okrs.templates": (401, 200, 200, 200, 200, 200),
    "okrs.tree": (401, 200, 200, 200, 200, 200),
    # The asker's own list (a manager's book is empty here); viewers work nothing.
    "worklist.worklist": (401, 403, 200, 200, 200, 200),
    # The scorecard of the collectors the asker sees; viewers work nothing.
    "worklist.scorecard": (401, 403, 200, 200, 200, 200),
    # The accounts to trace in the asker's book; viewers work nothing.
    "worklist.trace": (401, 403, 200, 200, 200, 200),
    # The accounts likely to go late in the asker's book; viewers work nothing.
    "worklist.early_warning": (401, 403, 200, 200, 200, 200),
}


def _observe(matrix: Matrix) -> tuple[dict[str, dict[str, Row]], dict[str, Row]]:
    web: dict[str, dict[str, Row]] = {}
    for route, name in _web_routes():
        path = "/" + _fill(route, matrix.ids)
        for method in ("GET", "POST"):
            statuses = []
            for role in ROLES:
                client = _client(matrix.users[role])
                with _undone():
                    response = client.get(path) if method == "GET" else client.post(path, {})
                    # Downloads stream (CSV by default): read them whole for the leak probe.
                    body = (
                        b"".join(response.streaming_content)  # type: ignore[attr-defined]
                        if response.streaming
                        else response.content
                    )
                statuses.append(response.status_code)
                _assert_no_leak(role, f"{method} {path}", body)
            web.setdefault(name, {})[method] = tuple(statuses)  # type: ignore[assignment]
    api_seen: dict[str, Row] = {}
    for method, route, op_id in _api_operations():
        path = _fill(route, matrix.ids)
        statuses = []
        for role in ROLES:
            client = _client(matrix.users[role])
            with _undone():
                if method == "GET":
                    response = client.get(path, API_QUERY.get(op_id, {}))
                else:
                    body = json.dumps(_body(op_id, matrix.ids))
                    query = urlencode(API_QUERY.get(op_id, {}))
                    target = f"{path}?{query}" if query else path
                    response = client.generic(method, target, body, content_type="application/json")
            statuses.append(response.status_code)
            _assert_no_leak(role, f"{method} {path}", response.content)
        api_seen[op_id] = tuple(statuses)  # type: ignore[assignment]
    return web, api_seen


def test_every_route_answers_each_role_as_the_access_rules_say(matrix: Matrix) -> None:
    web, api_seen = _observe(matrix)
    problems = []
    for name, methods in web.items():
        expected = WEB.get(name)
        if expected is None:
            problems.append(f"web route {name} is not in the matrix: {methods}")
            continue
        for method, got in methods.items():
            if expected.get(method) != got:
                problems.append(f"{method} {name}: expected {expected.get(method)}, got {got}")
    for name in set(WEB) - set(web):
        problems.append(f"web route {name} is in the matrix but no longer exists")
    for op_id, got in api_seen.items():
        if op_id not in API:
            problems.append(f"API operation {op_id} is not in the matrix: {got}")
        elif API[op_id] != got:
            problems.append(f"API {op_id}: expected {API[op_id]}, got {got}")
    for op_id in set(API) - set(api_seen):
        problems.append(f"API operation {op_id} is in the matrix but no longer exists")
    observed = _print_matrix(web, api_seen)
    assert not problems, "\n".join(sorted(problems)) + "\n\nobserved:\n" + observed
    cells = sum(len(m) for m in web.values()) * len(ROLES) + len(api_seen) * len(ROLES)
    assert cells > 300


def test_the_matrix_names_every_role_and_the_leak_probe_can_fire(matrix: Matrix) -> None:
    # The probe texts are real: South's debtor is shown to those who may see it.
    body = _client(matrix.users["collector_south"]).get(
        f"/ledger/customers/{matrix.ids['customer_id']}/"
    )
    assert SOUTH_NAME in body.content.decode()
    assert "9,876.53" in body.content.decode() or "9876.53" in body.content.decode()
    with pytest.raises(AssertionError, match="read"):
        _assert_no_leak("collector_north", "probe", body.content)
    assert set(FORBIDDEN) < set(ROLES)


def _print_matrix(web: dict[str, dict[str, Row]], api_seen: dict[str, Row]) -> str:
    lines = ["WEB = {"]
    for name in sorted(web):
        lines.append(f'    "{name}": {{')
        for method, row in web[name].items():
            lines.append(f'        "{method}": {row},')
        lines.append("    },")
    lines.append("}")
    lines.append("API = {")
    for op_id in sorted(api_seen):
        lines.append(f'    "{op_id}": {api_seen[op_id]},')
    lines.append("}")
    return "\n".join(lines)
