"""The OKR API: session auth, roles, every operation, and 422 with a detail for bad input."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup.accounts.models import Role, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db

BASE = "/api/okrs"


@pytest.fixture
def client_as(client: Client) -> Any:
    def login(username: str) -> Client:
        client.force_login(User.objects.get(username=username))
        return client

    return login


def _kr_id(ref: str) -> int:
    objective, key = ref.split("/")
    return KeyResult.objects.get(objective__key=objective, key=key).pk


def test_the_api_needs_a_session(client: Client) -> None:
    assert client.get(f"{BASE}/status").status_code == 401


@pytest.fixture
def plan_people(db: None) -> None:
    """The people and team that PLAN declares, created beforehand by an admin."""
    north = team_create(name="North")
    for username, role in (("ana", Role.MANAGER), ("ben", Role.COLLECTOR)):
        team_member_add(team=north, user=user_create(username=username, password=None, role=role))


def test_a_manager_applies_a_plan_and_reapplying_changes_nothing(
    manager: User, plan_people: None, client_as: Any
) -> None:
    c = client_as("mia")
    first = c.post(f"{BASE}/plans", {"yaml": PLAN}, content_type="application/json")
    assert first.status_code == 200
    assert "cycle 2026-Q3" in first.json()["created"]
    again = c.post(f"{BASE}/plans", {"yaml": PLAN}, content_type="application/json").json()
    assert again["created"] == []
    assert again["updated"] == []


def test_a_bad_plan_answers_422_naming_the_line(manager: User, client_as: Any) -> None:
    r = client_as("mia").post(
        f"{BASE}/plans",
        {"yaml": PLAN.replace("kind: stay_below", "kind: shrink")},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith(
        "line 36: objectives[0].key_results[2].kind: expected one of"
    )
    assert not Cycle.objects.exists()


def test_a_collector_cannot_change_the_plan(quarter: Cycle, client_as: Any) -> None:
    r = client_as("ben").post(f"{BASE}/plans", {"yaml": PLAN}, content_type="application/json")
    assert r.status_code == 403
    r = client_as("ben").patch(
        f"{BASE}/key-results/{_kr_id('cash/ninety')}",
        {"target": "1"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_create_and_update_cycles_objectives_key_results_and_initiatives(
    manager: User, client_as: Any
) -> None:
    c = client_as("mia")
    r = c.post(
        f"{BASE}/cycles",
        {"name": "2026-Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.post(
        f"{BASE}/objectives",
        {"cycle": "2026-Q4", "key": "cash", "title": "Cash sooner", "owner": "mia"},
        content_type="application/json",
    )
    assert r.status_code == 201
    objective_id = r.json()["id"]
    r = c.post(
        f"{BASE}/key-results",
        {
            "objective_id": objective_id,
            "key": "dso",
            "title": "DSO",
            "kind": "decrease_to",
            "unit": "days",
            "baseline": "60",
            "target": "50",
            "owner": "mia",
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    kr_id = r.json()["id"]
    r = c.patch(f"{BASE}/key-results/{kr_id}", {"target": "45"}, content_type="application/json")
    assert r.status_code == 200
    assert str(KeyResult.objects.get(pk=kr_id).target.normalize()) == "45"  # type: ignore[union-attr]
    r = c.post(
        f"{BASE}/initiatives",
        {"key_result_id": kr_id, "key": "reminders", "title": "Automatic reminders"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.patch(
        f"{BASE}/initiatives/{r.json()['id']}", {"status": "done"}, content_type="application/json"
    )
    assert r.status_code == 200
    r = c.patch(
        f"{BASE}/objectives/{objective_id}",
        {"title": "Turn receivables into cash sooner"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert Objective.objects.get(pk=objective_id).title == "Turn receivables into cash sooner"


def test_bad_input_answers_422_with_detail(manager: User, client_as: Any) -> None:
    c = client_as("mia")
    r = c.post(
        f"{BASE}/cycles",
        {"name": "X", "starts_on": "2026-10-01", "ends_on": "2026-09-01"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "must be after starts_on" in r.json()["detail"]
    r = c.post(
        f"{BASE}/cycles",
        {"name": "X", "starts_on": "not a date", "ends_on": "2026-09-01"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["detail"]
    c.post(
        f"{BASE}/cycles",
        {"name": "Q", "starts_on": "2026-07-01", "ends_on": "2026-09-30"},
        content_type="application/json",
    )
    r = c.post(
        f"{BASE}/objectives",
        {"cycle": "Q", "key": "a", "title": "A", "owner": "nobody"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "no user 'nobody'"
    objective_id = c.post(
        f"{BASE}/objectives",
        {"cycle": "Q", "key": "a", "title": "A"},
        content_type="application/json",
    ).json()["id"]
    r = c.post(
        f"{BASE}/key-results",
        {
            "objective_id": objective_id,
            "key": "k",
            "title": "K",
            "kind": "increase_to",
            "baseline": "10",
            "target": "5",
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "needs a target above the baseline" in r.json()["detail"]


def test_owners_check_in_and_read_history_status_and_forecast(
    quarter: Cycle, client_as: Any
) -> None:
    c = client_as("ben")
    kr_id = _kr_id("cash/promises")
    for day, value in [("07-06", "61"), ("07-13", "63"), ("07-20", "65"), ("07-27", "67")]:
        with time_machine.travel(f"2026-{day} 09:00Z", tick=False):
            r = c.post(
                f"{BASE}/key-results/{kr_id}/checkins",
                {"value": value, "confidence": "on_track"},
                content_type="application/json",
            )
            assert r.status_code == 201
    history = c.get(f"{BASE}/key-results/{kr_id}/checkins").json()
    assert [h["value"] for h in history] == ["61.000000", "63.000000", "65.000000", "67.000000"]
    assert {h["author"] for h in history} == {"ben"}
    state = c.get(f"{BASE}/key-results/{kr_id}", {"as_of": "2026-07-28"}).json()
    assert state["progress"] == 0.35
    forecast = c.get(f"{BASE}/key-results/{kr_id}/forecast", {"as_of": "2026-07-28"}).json()
    assert forecast["points"] == 5
    assert forecast["probability"] > 0.9
    status = c.get(f"{BASE}/status", {"cycle": "2026-Q3", "as_of": "2026-07-28"}).json()
    assert status["objectives"][0]["key_results"][1]["latest_value"] == "67.000000"
    # Someone else's key result is the manager's to check in.
    r = c.post(
        f"{BASE}/key-results/{_kr_id('cash/ninety')}/checkins",
        {"value": "1", "confidence": "on_track"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_the_at_risk_rule_answers_422(quarter: Cycle, client_as: Any) -> None:
    c = client_as("ben")
    url = f"{BASE}/key-results/{_kr_id('cash/promises')}/checkins"
    for _ in range(2):
        assert (
            c.post(
                url, {"value": "61", "confidence": "at_risk"}, content_type="application/json"
            ).status_code
            == 201
        )
    r = c.post(url, {"value": "61", "confidence": "at_risk"}, content_type="application/json")
    assert r.status_code == 422
    assert "must say whether the key result is on track or off track" in r.json()["detail"]
    assert CheckIn.objects.count() == 2


def test_overrides_audit_templates_and_tree(quarter: Cycle, client_as: Any) -> None:
    c = client_as("ana")
    kr_id = _kr_id("cash/ninety")
    r = c.post(
        f"{BASE}/key-results/{kr_id}/override",
        {"status": "off_track", "reason": "bank holiday backlog"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert (
        c.post(
            f"{BASE}/key-results/{kr_id}/override",
            {"status": "off_track", "reason": ""},
            content_type="application/json",
        ).status_code
        == 422
    )
    assert c.delete(f"{BASE}/key-results/{kr_id}/override").json() == {"cleared": 1}
    audit = c.get(f"{BASE}/audit", {"cycle": "2026-Q3"}).json()
    assert 0 <= audit["score"] <= 100
    assert {"severity", "rule", "item", "message", "fix", "line"} <= set(audit["findings"][0])
    templates = c.get(f"{BASE}/templates", {"team": "North"}).json()
    assert templates[0]["key_results"][0]["metric"]["filters"] == {"team": ["North"]}
    tree = c.get(f"{BASE}/tree", {"cycle": "2026-Q3"}).json()
    assert tree[0]["children"][0]["key"] == "fair"
    assert c.get(f"{BASE}/status", {"cycle": "nope"}).status_code == 404
    assert c.get(f"{BASE}/key-results/999999/forecast").status_code == 404


def test_a_viewer_reads_but_cannot_check_in(quarter: Cycle, client: Client) -> None:
    viewer = user_create(username="vic", password=None, role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(f"{BASE}/status", {"cycle": "2026-Q3"}).status_code == 200
    r = client.post(
        f"{BASE}/key-results/{_kr_id('cash/ninety')}/checkins",
        {"value": "1", "confidence": "on_track"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_a_key_result_bound_to_an_unknown_kpi_is_refused_and_not_created(
    quarter: Cycle, client_as: Any
) -> None:
    objective_id = Objective.objects.get(key="cash").pk
    r = client_as("ana").post(
        f"{BASE}/key-results",
        {
            "objective_id": objective_id,
            "key": "x",
            "title": "X",
            "kind": "decrease_to",
            "target": "1",
            "metric": "nope",
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "KPI 'nope' is not in the catalogue" in r.json()["detail"]
    assert not KeyResult.objects.filter(key="x").exists()


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=300),
    payload=st.dictionaries(
        st.sampled_from(["value", "confidence", "comment", "data_date", "extra"]),
        _json_values,
        max_size=5,
    ),
)
def test_generated_plans_and_check_ins_never_cause_a_server_error(
    quarter: Cycle, client_as: Any, text: str, payload: dict[str, Any]
) -> None:
    c = client_as("ana")
    r = c.post(f"{BASE}/plans/audit", {"yaml": text}, content_type="application/json")
    assert r.status_code in (200, 422)
    r = c.post(
        f"{BASE}/key-results/{_kr_id('cash/promises')}/checkins",
        payload,
        content_type="application/json",
    )
    assert r.status_code in (201, 422)


def test_the_cycle_cadence_is_an_icalendar_feed(quarter: Cycle, client_as: Any) -> None:
    Cycle.objects.filter(pk=quarter.pk).update(midcycle_review_on="2026-08-14")
    r = client_as("ben").get(f"{BASE}/cycles/2026-Q3/calendar.ics")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/calendar; charset=utf-8"
    body = r.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260706\r\n" in body  # the first Monday after the start
    assert "RRULE:FREQ=WEEKLY;UNTIL=20260930;BYDAY=MO\r\n" in body
    assert "SUMMARY:2026-Q3: mid-cycle review\r\n" in body
    assert "planning session" not in body  # no planning date in this plan
    assert client_as("ben").get(f"{BASE}/cycles/nope/calendar.ics").status_code == 404
