"""The check-in API corrects and withdraws with the same rules as the pages and the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.okrs.models import CheckIn, Cycle, KeyResult

pytestmark = pytest.mark.django_db
BASE = "/api/okrs"


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _promises() -> KeyResult:
    return KeyResult.objects.get(objective__key="cash", key="promises")


def _check_in(client: Client, value: Any, confidence: str = "on_track") -> int:
    response = client.post(
        f"{BASE}/key-results/{_promises().pk}/checkins",
        {"value": value, "confidence": confidence},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _post(client: Client, checkin_id: int, op: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        f"{BASE}/key-results/{_promises().pk}/checkins/{checkin_id}/{op}",
        body or {},
        content_type="application/json",
    )


def test_the_author_corrects_their_latest_check_in_through_the_api(quarter: Cycle) -> None:
    ben = _as("ben")
    typo = _check_in(ben, 700)
    response = _post(ben, typo, "correct", {"value": 70, "confidence": "on_track"})
    assert response.status_code == 200
    body = response.json()
    assert body["corrects"] == typo
    assert body["value"] == "70"
    history = ben.get(f"{BASE}/key-results/{_promises().pk}/checkins").json()
    assert [(h["value"], h["corrected_by"], h["corrects"]) for h in history] == [
        ("700.000000", body["id"], None),
        ("70.000000", None, typo),
    ]
    state = ben.get(f"{BASE}/key-results/{_promises().pk}").json()
    assert state["latest_value"] == "70.000000"
    assert AuditEntry.objects.filter(action="okr_checkin_correct", via="api").count() == 1


def test_the_author_withdraws_their_latest_check_in_through_the_api(quarter: Cycle) -> None:
    ben = _as("ben")
    wrong = _check_in(ben, 79)
    response = _post(ben, wrong, "withdraw")
    assert response.status_code == 200
    assert response.json()["withdrawn_at"]
    assert not CheckIn.objects.counted().exists()
    assert _post(ben, wrong, "withdraw").status_code == 422


def test_the_api_refuses_what_the_services_refuse(quarter: Cycle) -> None:
    ben, ana = _as("ben"), _as("ana")
    first = _check_in(ben, 61, "at_risk")
    second = _check_in(ben, 62, "at_risk")
    # Another person's check-in: 403; not the latest: 422; the at-risk rule: 422 with a sentence.
    assert _post(ana, second, "withdraw").status_code == 403
    assert _post(ben, first, "correct", {"value": 60, "confidence": "on_track"}).status_code == 422
    third = _check_in(ben, 62, "off_track")
    refused = _post(ben, third, "correct", {"value": 62, "confidence": "at_risk"})
    assert refused.status_code == 422
    assert "must say whether the key result is on track or off track" in refused.json()["detail"]
    # An unknown check-in is 404; a value that is not a number 422.
    assert _post(ben, 999999, "withdraw").status_code == 404
    assert (
        _post(ben, third, "correct", {"value": "lots", "confidence": "on_track"}).status_code == 422
    )
    assert CheckIn.objects.counted().count() == 3
