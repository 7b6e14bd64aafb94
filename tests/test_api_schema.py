"""Schemathesis against the live OpenAPI schema: every operation of the API, asked by an admin and
by a collector on a small ledger with a quarter of OKRs, with generated valid and invalid input,
never answers a server error (5xx).

The schema is the one the running app serves at /api/openapi.json, so a new operation is
fuzzed without anyone listing it here. Requests go through Django's WSGI application in this
thread, on the test database connection: each runs in a savepoint so that a failing request
cannot poison the test transaction (PostgreSQL) for the ones after it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_member_add, user_create
from recoup.metrics.catalogue import CATALOGUE
from recoup.okrs.models import Cycle, Initiative, KeyResult, Objective
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.metrics.builder import Ledger
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
# Examples and boundary values the schema implies (a null for every nullable field, the edges of
# every range), then generated valid and invalid input: 25 of those per operation reach every
# branch of input parsing, and the whole file stays within a couple of minutes on two cores.
SCHEMA.config.phases.update(phases=["examples", "coverage", "fuzzing"])
SCHEMA.config.generation.update(
    max_examples=25,
    deterministic=True,
    database="none",
    # The signed-in person's session is the credential; generated ones would only meet the 401.
    with_security_parameters=False,
)
PASSWORD = "a long and unusual password 42"

# A one-month cycle: learning a curve or suggesting a target reads the KPI once a week over as
# many past cycles as asked, which over a quarter costs seconds per request.
KPI_PLAN = (
    PLAN.replace("ends_on: 2026-09-30", "ends_on: 2026-07-31")
    .replace("due_on: 2026-09-15", "due_on: 2026-07-25")
    .replace(
        """      - key: disputes
""",
        """      - key: dso
        title: Days sales outstanding under 40
        kind: decrease_to
        unit: days
        target: 40
        owner: ana
        metric:
          id: dso
          params: {window: "30"}
          filters: {team: [North]}
      - key: disputes
""",
    )
)


@dataclass(frozen=True)
class World:
    ids: dict[str, list[str]]
    sessions: dict[str, tuple[dict[str, str], dict[str, str]]]


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection() -> Iterator[None]:
    # Django's test client does the same: a request's end must not close the connection that
    # holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world() -> World:
    """People, a small ledger and a quarter of OKRs; real values for each path parameter, so
    that generated requests reach existing objects as well as missing ones; and the session of
    each person asking."""
    north = Team.objects.create(name="North")
    Team.objects.create(name="South")
    collector = user_create(username="nina", password=PASSWORD, role=Role.COLLECTOR)
    team_member_add(team=north, user=collector)
    user_create(username="ada", password=PASSWORD, role=Role.ADMIN)
    ledger = Ledger()
    ledger.customer("Acme", team="North")
    ledger.customer("Bolt", team="South")
    first = ledger.invoice("Acme", "100.00", issued="2026-05-05", due="2026-06-04")
    ledger.invoice("Bolt", "30.10", issued="2026-06-01", due="2026-07-01")
    ledger.pay(first, "40.00", on="2026-07-10")
    plan_apply(plan=plan_parse(KPI_PLAN, source="quarter.yaml"), via="test")
    return World(
        ids={
            "kr_id": [str(pk) for pk in KeyResult.objects.values_list("pk", flat=True)],
            "objective_id": [str(pk) for pk in Objective.objects.values_list("pk", flat=True)],
            "initiative_id": [str(pk) for pk in Initiative.objects.values_list("pk", flat=True)],
            "name": list(Cycle.objects.values_list("name", flat=True)),
            "metric_id": sorted(CATALOGUE),
        },
        sessions={username: _signed_in(username) for username in ("ada", "nina")},
    )


def _signed_in(username: str) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a signed-in browser session, with its CSRF token."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    # Django compares the X-CSRFToken header with the csrftoken cookie: 32 letters or digits.
    secret = secrets.token_hex(16)
    return (
        {"sessionid": client.cookies["sessionid"].value, "csrftoken": secret},
        {"X-CSRFToken": secret},
    )


def test_the_schema_lists_every_operation_of_both_apps() -> None:
    labels = {result.ok().label for result in SCHEMA.get_all_operations()}
    assert len(labels) >= 28
    assert {"POST /api/okrs/plans", "GET /api/metrics/{metric_id}/series"} <= labels


@pytest.mark.parametrize("username", ["ada", "nina"], ids=["admin", "collector"])
@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case: Case, world: World, username: str) -> None:
    for name, generated in list((case.path_parameters or {}).items()):
        known = world.ids.get(name)
        if known:
            # Spread over the real objects and the generated (mostly missing) one, the same way
            # on every run; hashlib, as str hashes differ between processes.
            digest = int(hashlib.sha256(repr(generated).encode()).hexdigest(), 16)
            case.path_parameters[name] = [generated, *known][digest % (len(known) + 1)]
    cookies, headers = world.sessions[username]
    # What a failing request wrote is rolled back with its savepoint, leaving the test's
    # transaction usable for the next example.
    with transaction.atomic():
        response = case.call(cookies=cookies, headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
    # The session and its CSRF token were accepted: the request reached the operation.
    assert response.status_code != 401
