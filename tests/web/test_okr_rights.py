"""Who may change OKRs, asked through the pages and through the API: both answer alike, as both
ask `recoup.accounts.access`. Each case here is one where they used to disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from recoup.okrs.models import CheckIn, Cycle, Initiative, KeyResult, KeyResultKind, Objective
from recoup.okrs.services import initiative_create, key_result_create, objective_create
from tests.web.conftest import World, client_for

API = "/api/okrs"


@dataclass
class Plan:
    south_kr: KeyResult
    viewers_kr: KeyResult
    viewers_initiative: Initiative
    sams_initiative: Initiative


@pytest.fixture
def plan(world: World) -> Plan:
    """South's objective, owned by South's collector; an admin made the viewer own a key result
    and an initiative."""
    cycle = Cycle.objects.create(
        name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
    )
    south = objective_create(
        cycle=cycle,
        key="south-cash",
        title="South collects sooner",
        owner=world.south_collector,
        team=world.south,
        actor=world.admin,
    )

    def kr(key: str, owner: Any) -> KeyResult:
        return key_result_create(
            objective=south,
            key=key,
            title=key.replace("-", " ").capitalize(),
            kind=KeyResultKind.INCREASE_TO,
            baseline=Decimal(60),
            target=Decimal(80),
            unit="percent",
            owner=owner,
            actor=world.admin,
        )

    south_kr, viewers_kr = kr("promises-kept", world.south_collector), kr("read-only", world.viewer)
    return Plan(
        south_kr=south_kr,
        viewers_kr=viewers_kr,
        viewers_initiative=initiative_create(
            key_result=viewers_kr, key="calls", title="Call the top debtors", owner=world.viewer
        ),
        sams_initiative=initiative_create(
            key_result=south_kr, key="letters", title="Send reminder letters", owner=world.viewer
        ),
    )


def _page_check_in(client: Client, kr: KeyResult) -> int:
    response = client.post(
        reverse("okrs:checkin", args=[kr.pk]), {"value": "70", "confidence": "on_track"}
    )
    return response.status_code


def _api_check_in(client: Client, kr: KeyResult) -> int:
    response = client.post(
        f"{API}/key-results/{kr.pk}/checkins",
        {"value": "70", "confidence": "on_track"},
        content_type="application/json",
    )
    return response.status_code


def test_a_north_collector_checks_in_souths_key_result_neither_on_the_page_nor_by_api(
    world: World, plan: Plan
) -> None:
    nina = client_for(world.north_collector)
    assert _page_check_in(nina, plan.south_kr) == 403
    assert _api_check_in(nina, plan.south_kr) == 403
    assert not CheckIn.objects.filter(key_result=plan.south_kr).exists()
    page = nina.get(reverse("okrs:key_result", args=[plan.south_kr.pk])).content.decode()
    assert "Save check-in" not in page


def test_the_owner_checks_in_on_the_page_and_by_api(world: World, plan: Plan) -> None:
    sam = client_for(world.south_collector)
    page = sam.get(reverse("okrs:key_result", args=[plan.south_kr.pk])).content.decode()
    assert "Save check-in" in page
    assert _page_check_in(sam, plan.south_kr) == 302
    assert _api_check_in(sam, plan.south_kr) == 201
    assert (
        CheckIn.objects.filter(key_result=plan.south_kr, author=world.south_collector).count() == 2
    )


# Who may check in which key result: South's own, and the one the viewer owns (both under the
# objective South's collector owns).
CHECK_IN = {
    "admin": {"promises-kept", "read-only"},
    "manager": {"promises-kept", "read-only"},
    "viewer": set(),
    "north_collector": set(),
    "south_collector": {"promises-kept", "read-only"},
}


@pytest.mark.parametrize("person", sorted(CHECK_IN))
def test_page_and_api_give_the_same_answer_to_every_role_checking_in(
    world: World, plan: Plan, person: str
) -> None:
    client = client_for(getattr(world, person))
    for kr in (plan.south_kr, plan.viewers_kr):
        allowed = kr.key in CHECK_IN[person]
        assert _page_check_in(client, kr) == (302 if allowed else 403), kr.key
        assert _api_check_in(client, kr) == (201 if allowed else 403), kr.key


def test_a_viewer_who_owns_a_key_result_checks_it_in_neither_on_the_page_nor_by_api(
    world: World, plan: Plan
) -> None:
    vera = client_for(world.viewer)
    assert _page_check_in(vera, plan.viewers_kr) == 403
    assert _api_check_in(vera, plan.viewers_kr) == 403
    assert not CheckIn.objects.filter(key_result=plan.viewers_kr).exists()


def test_a_viewer_who_owns_an_initiative_can_neither_cancel_nor_rename_it(
    world: World, plan: Plan
) -> None:
    vera = client_for(world.viewer)
    url = f"{API}/initiatives/{plan.viewers_initiative.pk}"
    for change in ({"status": "cancelled"}, {"title": "Renamed"}, {"status": "done"}):
        assert vera.patch(url, change, content_type="application/json").status_code == 403
    plan.viewers_initiative.refresh_from_db()
    assert plan.viewers_initiative.status == "todo"
    assert plan.viewers_initiative.title == "Call the top debtors"


def test_a_collector_moves_along_initiatives_of_their_key_result_but_plans_nothing(
    world: World, plan: Plan
) -> None:
    sam = client_for(world.south_collector)
    url = f"{API}/initiatives/{plan.sams_initiative.pk}"
    assert (
        sam.patch(url, {"status": "in_progress"}, content_type="application/json").status_code
        == 200
    )
    for change in ({"status": "cancelled"}, {"title": "Renamed"}, {"priority": "high"}):
        refused = sam.patch(url, change, content_type="application/json")
        assert refused.status_code == 403
        assert "managers and admins" in refused.json()["detail"]
    plan.sams_initiative.refresh_from_db()
    assert (plan.sams_initiative.status, plan.sams_initiative.title) == (
        "in_progress",
        "Send reminder letters",
    )
    other = client_for(world.north_collector)
    assert other.patch(url, {"status": "done"}, content_type="application/json").status_code == 403


def test_a_collector_creates_no_objective_for_south_from_a_template_on_the_page_or_by_api(
    world: World, plan: Plan
) -> None:
    nina = client_for(world.north_collector)
    assert "Create from template" not in nina.get(reverse("okrs:templates")).content.decode()
    chosen = {"template": "shrink-90-plus", "cycle": "2026-Q3", "team": "South", "owner": "nina"}
    assert nina.post(reverse("okrs:templates"), chosen).status_code == 403
    templates = nina.get(f"{API}/templates", {"team": "South", "owner": "nina"}).json()
    template = next(t for t in templates if t["key"] == "shrink-90-plus")
    template.pop("area")
    document = {
        "cycle": {"name": "2026-Q3", "starts_on": "2026-07-01", "ends_on": "2026-09-30"},
        "objectives": [template],
    }
    by_plan = nina.post(
        f"{API}/plans", {"yaml": yaml.safe_dump(document)}, content_type="application/json"
    )
    assert by_plan.status_code == 403
    by_objective = nina.post(
        f"{API}/objectives",
        {"cycle": "2026-Q3", "key": "shrink-90-plus", "title": "Shrink", "team": "South"},
        content_type="application/json",
    )
    assert by_objective.status_code == 403
    assert not Objective.objects.filter(key="shrink-90-plus").exists()


def test_target_suggestions_are_for_managers_and_admins_on_the_page_and_by_api(
    world: World, plan: Plan
) -> None:
    page = reverse("okrs:target_suggestion", args=[plan.south_kr.pk])
    api = f"{API}/key-results/{plan.south_kr.pk}/suggest-target"
    for user in (world.north_collector, world.south_collector, world.viewer):
        client = client_for(user)
        assert client.get(page, {"metric": ""}).status_code == 403
        assert client.get(api).status_code == 403
    manager = client_for(world.manager)
    assert manager.get(page, {"metric": ""}).status_code == 200
    # Allowed, and told why there is nothing to suggest: the key result is bound to no KPI.
    unbound = manager.get(api)
    assert unbound.status_code == 422
    assert "not bound to a KPI" in unbound.json()["detail"]


def test_a_decimal_comma_in_a_check_in_is_refused_not_read_ten_times_larger(
    world: World, plan: Plan
) -> None:
    sam = client_for(world.south_collector)
    url = reverse("okrs:checkin", args=[plan.south_kr.pk])
    refused = sam.post(url, {"value": "58,5", "confidence": "on_track"})
    assert refused.status_code == 422
    assert "write 58.5" in refused.content.decode()
    assert not CheckIn.objects.filter(key_result=plan.south_kr).exists()
    assert sam.post(url, {"value": "1,058.5", "confidence": "on_track"}).status_code == 302
    assert CheckIn.objects.get(key_result=plan.south_kr).value == Decimal("1058.5")
