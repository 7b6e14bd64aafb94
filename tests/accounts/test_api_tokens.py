"""Personal API tokens: made and revoked by their owner on the account page, shown once, stored as
a SHA-256 digest, accepted as `Authorization: Bearer` by every API router without a CSRF token,
refused with 401 once revoked or expired or when the owner is deactivated, and acting as the
owner: same role, same scope."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import ApiToken, AuditEntry, Role, TokenKind, User
from recoup.accounts.services import (
    AccountRuleError,
    api_token_create,
    api_token_revoke,
    calendar_address_reset,
    team_create,
    team_member_add,
    user_create,
)
from recoup.core.answers import answers_forget
from recoup.core.errors import AccessDeniedError
from recoup.ledger.models import Assignment, Customer, Invoice
from recoup.okrs.models import KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def quarter() -> None:
    """The OKR plan of the OKR tests: ana manages North, ben collects there and owns key results."""
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")


def person(username: str, role: Role) -> User:
    return user_create(username=username, password=PASSWORD, role=role)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def strict_client() -> Client:
    # As a program calls the API: no cookies, and CSRF enforced as in production.
    return Client(enforce_csrf_checks=True)


def _kr_id(ref: str) -> int:
    objective, key = ref.split("/")
    return KeyResult.objects.get(objective__key=objective, key=key).pk


def _check_in(client: Client, kr_id: int, **headers: str) -> Any:
    with time_machine.travel("2026-07-06 09:00Z", tick=False):
        return client.post(
            f"/api/okrs/key-results/{kr_id}/checkins",
            {"value": "61", "confidence": "on_track"},
            content_type="application/json",
            headers=headers,
        )


# --- storage ------------------------------------------------------------------------------------


def test_a_token_is_stored_as_its_sha256_and_its_secret_exists_only_in_the_answer() -> None:
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="Power BI", actor=ben, via="web")
    assert issued.secret.startswith("rcp_")
    assert len(issued.secret) > 40
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert token.prefix == issued.secret[:12]
    stored = json.dumps(
        [list(ApiToken.objects.values().get().values()), list(AuditEntry.objects.values())],
        default=str,
    )
    assert issued.secret not in stored
    assert issued.secret[12:] not in stored
    entry = AuditEntry.objects.get(action="api_token_create")
    assert entry.after is not None
    assert (entry.actor, entry.via, entry.after["name"]) == (ben, "web", "Power BI")


def test_a_token_needs_a_name_a_future_expiry_and_its_owner_or_an_admin() -> None:
    ben, vic = person("ben", Role.COLLECTOR), person("vic", Role.VIEWER)
    with pytest.raises(AccountRuleError):
        api_token_create(user=ben, name="  ", actor=ben)
    with pytest.raises(AccountRuleError):
        api_token_create(user=ben, name="x", expires_at=timezone.now(), actor=ben)
    with pytest.raises(AccessDeniedError):
        api_token_create(user=ben, name="x", actor=vic)
    assert not ApiToken.objects.exists()


def test_revoking_is_audited_once_and_keeps_the_token_as_history() -> None:
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    api_token_revoke(token=issued.token, actor=ben)
    api_token_revoke(token=issued.token, actor=ben)
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token_revoke").count() == 1


# --- the API ------------------------------------------------------------------------------------


def test_a_bearer_token_reads_the_api_without_a_session() -> None:
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    client = strict_client()
    assert client.get("/api/metrics/").status_code == 401
    response = client.get("/api/metrics/", headers=bearer(issued.secret))
    assert response.status_code == 200
    assert any(m["id"] == "ar_total" for m in response.json())
    assert client.get("/api/okrs/cycles", headers=bearer(issued.secret)).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_reading_with_a_token_writes_its_stamp_once_a_minute_not_on_every_read() -> None:
    # An UPDATE, even of no row, queues for SQLite's write lock behind an import's merge.
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    client = strict_client()
    assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 200
    stamped = ApiToken.objects.get().last_used_at
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 200
    assert not [q for q in seen.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == stamped
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 200
    assert ApiToken.objects.get().last_used_at > stamped


def test_a_bearer_token_changes_things_without_a_csrf_token_where_a_session_cannot(
    quarter: None,
) -> None:
    ben = User.objects.get(username="ben")
    issued = api_token_create(user=ben, name="dialler", actor=ben)
    kr_id = _kr_id("cash/promises")
    session = strict_client()
    session.force_login(ben)
    refused = _check_in(session, kr_id)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    made = _check_in(strict_client(), kr_id, **bearer(issued.secret))
    assert made.status_code == 201
    history = strict_client().get(
        f"/api/okrs/key-results/{kr_id}/checkins", headers=bearer(issued.secret)
    )
    assert [h["author"] for h in history.json()] == ["ben"]


def test_a_viewers_token_reads_but_cannot_check_in(quarter: None) -> None:
    vic = person("vic", Role.VIEWER)
    issued = api_token_create(user=vic, name="wallboard", actor=vic)
    client = strict_client()
    status = client.get("/api/okrs/status", {"cycle": "2026-Q3"}, headers=bearer(issued.secret))
    assert status.status_code == 200
    assert _check_in(client, _kr_id("cash/ninety"), **bearer(issued.secret)).status_code == 403


def test_a_revoked_token_is_refused_with_401_on_reads_and_writes(quarter: None) -> None:
    ben = User.objects.get(username="ben")
    issued = api_token_create(user=ben, name="dialler", actor=ben)
    api_token_revoke(token=issued.token, actor=ben)
    client = strict_client()
    assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 401
    assert _check_in(client, _kr_id("cash/promises"), **bearer(issued.secret)).status_code == 401


def test_an_expired_token_is_refused_with_401() -> None:
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(
        user=ben, name="trial", expires_at=timezone.now() + timedelta(days=30), actor=ben
    )
    client = strict_client()
    assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.get("/api/metrics/", headers=bearer(issued.secret)).status_code == 401


def test_the_token_of_a_deactivated_person_is_refused_with_401() -> None:
    ben = person("ben", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    # Even a token that was not revoked when its owner left stops with them.
    User.objects.filter(pk=ben.pk).update(is_active=False)
    assert strict_client().get("/api/metrics/", headers=bearer(issued.secret)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer rcp_not-a-real-token", "Bearer ", "Bearer rcpcal_xyz", "Bearer " + "x" * 5000],
)
def test_a_wrong_token_is_401_even_beside_a_valid_session(header: str) -> None:
    ben = person("ben", Role.COLLECTOR)
    client = Client()
    client.force_login(ben)
    assert client.get("/api/metrics/").status_code == 200
    assert client.get("/api/metrics/", headers={"Authorization": header}).status_code == 401


def test_a_calendar_address_is_not_an_api_token() -> None:
    ben = person("ben", Role.COLLECTOR)
    calendar = calendar_address_reset(user=ben, actor=ben)
    assert strict_client().get("/api/metrics/", headers=bearer(calendar.secret)).status_code == 401


def test_a_collectors_token_sees_exactly_what_their_session_sees() -> None:
    answers_forget()
    ben = person("ben", Role.COLLECTOR)
    north, south = team_create(name="North"), team_create(name="South")
    team_member_add(team=north, user=ben)
    for external_id, name, team in (
        ("C-N1", "Northwind", north),
        ("C-S1", "Southern Cross", south),
    ):
        customer = Customer.objects.create(external_id=external_id, name=name)
        Invoice.objects.create(
            external_id=f"INV-{external_id}",
            customer=customer,
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount_minor=123_45,
            currency="USD",
        )
        Assignment.objects.create(customer=customer, team=team, valid_from=date(2025, 1, 1))
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    query = {"by": "team", "as_of": "2026-03-01"}
    by_token = strict_client().get("/api/metrics/ar_total", query, headers=bearer(issued.secret))
    session = Client()
    session.force_login(ben)
    by_session = session.get("/api/metrics/ar_total", query)
    assert by_token.status_code == by_session.status_code == 200
    # The same numbers for the same person ("freshness" says when the analytics copy synced).
    answers = [r.json() for r in (by_token, by_session)]
    for answer in answers:
        answer.pop("freshness")
    assert answers[0] == answers[1]
    assert [r["dims"] for r in answers[0]["results"]] == [{"team": "North"}]
    assert answers[0]["results"][0]["value"] == "123.45"
    answers_forget()


def test_the_openapi_schema_offers_bearer_tokens_beside_the_session() -> None:
    schema = Client().get("/api/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerToken"].items()
    assert {"BearerToken": []} in schema["paths"]["/api/metrics/"]["get"]["security"]


# --- the account page ---------------------------------------------------------------------------


def test_anyone_signed_in_a_viewer_too_makes_a_token_shown_once_on_the_page() -> None:
    vic = person("vic", Role.VIEWER)
    client = Client()
    client.force_login(vic)
    assert client.get(reverse("web:settings_tokens")).status_code == 200
    made = client.post(reverse("web:settings_tokens"), {"name": "wallboard", "expires_in": "30"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    secret = made.context["new_token"].secret
    assert secret in made.content.decode()
    token = ApiToken.objects.get(user=vic)
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    again = client.get(reverse("web:settings_tokens")).content.decode()
    assert secret not in again
    assert "wallboard" in again
    assert token.prefix in again


def test_a_token_without_a_name_is_not_made() -> None:
    vic = person("vic", Role.VIEWER)
    client = Client()
    client.force_login(vic)
    response = client.post(reverse("web:settings_tokens"), {"name": "", "expires_in": ""})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_their_token_on_the_page_and_nobody_else_can() -> None:
    ben, sam = person("ben", Role.COLLECTOR), person("sam", Role.COLLECTOR)
    issued = api_token_create(user=ben, name="sheet", actor=ben)
    url = reverse("web:settings_token_revoke", args=[issued.token.pk])
    sams = Client()
    sams.force_login(sam)
    assert sams.post(url).status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    bens = Client()
    bens.force_login(ben)
    response = bens.post(url, follow=True)
    assert "is revoked" in response.content.decode()
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEntry.objects.get(action="api_token_revoke").via == "web"


def test_the_account_page_needs_a_log_in() -> None:
    response = Client().get(reverse("web:settings_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert Client().post(reverse("web:settings_calendar_reset")).status_code == 302
    assert not ApiToken.objects.filter(kind=TokenKind.CALENDAR).exists()
