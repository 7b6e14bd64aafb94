"""OKR pages: the cycle board, a key result's detail, and the check-in form with its rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import reset_queries
from django.template.defaultfilters import floatformat
from django.urls import reverse

from recoup.accounts.models import AuditEntry
from recoup.okrs.models import CheckIn, Cycle, KeyResult, Objective, StatusOverride
from recoup.okrs.plan import plan_parse
from recoup.okrs.selectors import target_suggest
from recoup.okrs.services import plan_apply, status_override_set
from tests.okrs.conftest import PLAN
from tests.web.conftest import World, client_for


@pytest.fixture
def ninety(world: World) -> KeyResult:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    return KeyResult.objects.get(key="ninety")


def _check_in(client: Any, kr: KeyResult, confidence: str, value: str = "450000") -> Any:
    return client.post(
        reverse("okrs:checkin", args=[kr.pk]),
        {"value": value, "confidence": confidence, "comment": "weekly review"},
    )


def test_the_board_shows_each_objective_with_its_key_results(
    world: World, ninety: KeyResult
) -> None:
    body = client_for(world.viewer).get(reverse("okrs:index")).content.decode()
    assert "Cycle 2026-Q3" in body
    assert "Turn receivables into cash sooner" in body
    assert (
        f'<a href="/okrs/key-results/{ninety.pk}/">Less money more than 90 days past due</a>'
        in body
    )
    assert 'class="progress-expected"' in body
    assert "Collect fairly" in body


def test_the_board_says_how_to_start_when_there_is_no_cycle(world: World) -> None:
    body = client_for(world.viewer).get(reverse("okrs:index")).content.decode()
    assert "There are no OKR cycles yet" in body


def test_a_manager_checks_in_and_the_history_shows_it(world: World, ninety: KeyResult) -> None:
    client = client_for(world.manager)
    response = _check_in(client, ninety, "on_track")
    assert response.status_code == 302
    checkin = CheckIn.objects.get(key_result=ninety)
    assert str(checkin.value) == "450000.000000" or checkin.value == 450000
    assert checkin.author == world.manager
    body = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Check-in saved." in body
    assert "450,000" in body
    assert "weekly review" in body


def test_a_third_at_risk_in_a_row_is_refused_and_nothing_is_saved(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    assert _check_in(client, ninety, "at_risk").status_code == 302
    assert _check_in(client, ninety, "at_risk").status_code == 302
    third = _check_in(client, ninety, "at_risk", value="440000")
    assert third.status_code == 422
    assert (
        "The last two check-ins said “at risk”, so this one must say whether the key result is on"
        " track or off track" in third.content.decode()
    )
    assert "must say on_track or off_track" not in third.content.decode()
    assert CheckIn.objects.filter(key_result=ninety).count() == 2
    assert _check_in(client, ninety, "off_track", value="440000").status_code == 302


def test_a_value_that_is_not_a_number_is_refused(world: World, ninety: KeyResult) -> None:
    response = _check_in(client_for(world.manager), ninety, "on_track", value="lots")
    assert response.status_code == 422
    assert "&#x27;lots&#x27; is not a number" in response.content.decode()
    assert not CheckIn.objects.filter(key_result=ninety).exists()


def test_a_viewer_reads_a_key_result_but_cannot_check_in(world: World, ninety: KeyResult) -> None:
    client = client_for(world.viewer)
    page = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Check-ins against the expected trajectory" in page
    assert "Save check-in" not in page
    assert _check_in(client, ninety, "on_track").status_code == 403
    assert not CheckIn.objects.filter(key_result=ninety).exists()


def test_an_unknown_key_result_is_not_found(world: World) -> None:
    assert client_for(world.viewer).get("/okrs/key-results/999999/").status_code == 404


def test_the_board_query_count_does_not_grow_with_check_ins(
    world: World, ninety: KeyResult, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.viewer)
    manager = client_for(world.manager)
    numeric = list(KeyResult.objects.filter(kind__in=["increase_to", "decrease_to"]))
    # One check-in each first: a key result called on track is then weighed against its data
    # (a few queries per such key result, however many check-ins it has).
    for kr in numeric:
        _check_in(manager, kr, "on_track", value="1")
    client.get(reverse("okrs:index"))
    # The query log holds 9,000 entries; applying the plan filled it, so counting starts afresh.
    reset_queries()
    with django_assert_max_num_queries(60) as small:
        client.get(reverse("okrs:index"))
    budget = len(small.captured_queries)
    for kr in numeric:
        for value in ("2", "3", "4"):
            _check_in(manager, kr, "on_track", value=value)
    reset_queries()
    with django_assert_max_num_queries(budget):
        client.get(reverse("okrs:index"))


def test_a_template_whose_kpis_have_no_value_is_not_offered_and_says_why(
    world: World, ninety: KeyResult
) -> None:
    # This small ledger has invoices but no payments: no on-time payment rate to start from.
    # (Templates applied to a full ledger: tests/okrs/test_templates_start_right.py.)
    client = client_for(world.manager)
    page = " ".join(client.get(reverse("okrs:templates")).content.decode().split())
    assert "Not offered here" in page
    assert "On-time payment rate has no value on 1 Jul 2026" in page
    response = client.post(
        reverse("okrs:templates"),
        {
            "template": "shrink-90-plus",
            "cycle": "2026-Q3",
            "team": "North",
            "owner": world.manager.pk,
            "commitment": "committed",
        },
    )
    assert response.status_code == 422
    assert not Objective.objects.filter(key="shrink-90-plus").exists()


def test_a_viewer_sees_the_templates_but_cannot_create_from_them(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.viewer)
    assert "Create from template" not in client.get(reverse("okrs:templates")).content.decode()
    response = client.post(
        reverse("okrs:templates"), {"template": "shrink-90-plus", "cycle": "2026-Q3"}
    )
    assert response.status_code == 403
    assert not Objective.objects.filter(key="shrink-90-plus").exists()


def test_the_strategy_map_nests_aligned_objectives_and_shows_the_audit(
    world: World, ninety: KeyResult
) -> None:
    body = client_for(world.viewer).get(reverse("okrs:map")).content.decode()
    flat = " ".join(body.split())
    assert "Strategy map: 2026-Q3" in flat
    # "Collect fairly" aligns to "Turn receivables into cash sooner": it is drawn inside it.
    parent = flat.index("Turn receivables into cash sooner")
    child = flat.index("Collect fairly")
    assert parent < flat.index('<ul class="map-children">', parent) < child
    assert "Plan audit: score" in flat
    assert "Fix:" in flat


# --- settings: cadence ------------------------------------------------------------------------


def _cadence_post(client: Any, **overrides: str) -> Any:
    data = {
        "cycle": "2026-Q3",
        "checkin_weekday": "2",
        "planning_on": "2026-06-24",
        "midcycle_review_on": "2026-08-12",
        "evaluation_on": "2026-10-02",
        "on_track_within": "8",
        "at_risk_within": "20",
        **overrides,
    }
    return client.post(reverse("okrs:cadence"), data)


def test_an_admin_changes_the_cadence_and_the_audit_log_records_it(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.admin)
    page = client.get(reverse("okrs:cadence")).content.decode()
    assert "Cycle 2026-Q3" in page
    assert '<option value="0" selected>Monday</option>' in page
    assert 'aria-current="page">Cadence</a>' in page
    response = _cadence_post(client)
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="2026-Q3")
    assert (cycle.checkin_weekday, cycle.on_track_within, cycle.at_risk_within) == (2, 8, 20)
    assert cycle.midcycle_review_on == date(2026, 8, 12)
    entry = AuditEntry.objects.get(action="okr_cycle_update")
    assert entry.actor == world.admin
    assert entry.via == "web"
    body = client.get(response["Location"]).content.decode()
    assert "Cadence of cycle 2026-Q3 saved." in body
    assert '<option value="2" selected>Wednesday</option>' in body


def test_thresholds_out_of_order_are_refused_with_the_reason(
    world: World, ninety: KeyResult
) -> None:
    response = _cadence_post(client_for(world.admin), on_track_within="30", at_risk_within="20")
    assert response.status_code == 422
    assert "Must be at least the on-track threshold." in response.content.decode()
    assert Cycle.objects.get(name="2026-Q3").on_track_within == 10


def test_a_cadence_date_far_outside_any_ledger_is_a_form_error_beside_its_field(
    world: World, ninety: KeyResult
) -> None:
    response = _cadence_post(client_for(world.admin), planning_on="0001-01-01")
    assert response.status_code == 422
    assert "0001-01-01 is outside the dates Recoup accepts" in response.content.decode()
    assert Cycle.objects.get(name="2026-Q3").planning_on != date(1, 1, 1)


def test_a_review_date_outside_the_cycle_is_refused_by_the_service(
    world: World, ninety: KeyResult
) -> None:
    response = _cadence_post(client_for(world.admin), midcycle_review_on="2026-12-01")
    assert response.status_code == 422
    assert "the mid-cycle review 2026-12-01 is outside it" in response.content.decode()
    assert Cycle.objects.get(name="2026-Q3").midcycle_review_on is None


def test_a_manager_reads_the_cadence_but_cannot_change_it(world: World, ninety: KeyResult) -> None:
    client = client_for(world.manager)
    page = client.get(reverse("okrs:cadence")).content.decode()
    assert "Only an admin can change the cadence" in page
    assert "Save cadence" not in page
    assert '<select name="checkin_weekday" disabled' in page
    assert (
        'href="/okrs/cadence/?cycle=2026-Q3"' in client.get(reverse("okrs:index")).content.decode()
    )
    assert _cadence_post(client).status_code == 403
    assert Cycle.objects.get(name="2026-Q3").checkin_weekday == 0


@pytest.mark.parametrize("who", ["viewer", "north_collector"])
def test_viewers_and_collectors_cannot_open_the_cadence(
    world: World, ninety: KeyResult, who: str
) -> None:
    client = client_for(getattr(world, who))
    assert client.get(reverse("okrs:cadence")).status_code == 403
    assert "/okrs/cadence/" not in client.get(reverse("okrs:index")).content.decode()


# --- key-result detail: status override ---------------------------------------------------------


def test_a_manager_overrides_a_status_with_a_reason_and_clears_it(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    page = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Override status" in page
    response = client.post(
        reverse("okrs:override_set", args=[ninety.pk]),
        {"status": "off_track", "reason": "The biggest debtor went bankrupt"},
    )
    assert response.status_code == 302
    override = StatusOverride.objects.get(key_result=ninety, cleared_at__isnull=True)
    assert (override.status, override.author) == ("off_track", world.manager)
    body = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Status overridden." in body
    assert "The biggest debtor went bankrupt" in body
    assert "overridden to" in body
    assert client.post(reverse("okrs:override_clear", args=[ninety.pk])).status_code == 302
    assert not StatusOverride.objects.filter(key_result=ninety, cleared_at__isnull=True).exists()
    after = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Override cleared: the computed status applies again." in after
    assert "overridden to" not in after


def test_an_override_without_a_reason_is_refused(world: World, ninety: KeyResult) -> None:
    response = client_for(world.admin).post(
        reverse("okrs:override_set", args=[ninety.pk]), {"status": "at_risk", "reason": "  "}
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not StatusOverride.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "north_collector"])
def test_viewers_and_collectors_read_the_override_but_cannot_set_or_clear_it(
    world: World, ninety: KeyResult, who: str
) -> None:
    status_override_set(key_result=ninety, status="at_risk", reason="Quarter-end audit pending")
    client = client_for(getattr(world, who))
    page = client.get(reverse("okrs:key_result", args=[ninety.pk])).content.decode()
    assert "Quarter-end audit pending" in page
    assert "Override status" not in page
    assert "Clear override" not in page
    assert "Edit key result" not in page
    denied = client.post(
        reverse("okrs:override_set", args=[ninety.pk]), {"status": "on_track", "reason": "no"}
    )
    assert denied.status_code == 403
    assert client.post(reverse("okrs:override_clear", args=[ninety.pk])).status_code == 403
    assert StatusOverride.objects.get(cleared_at__isnull=True).status == "at_risk"


# --- editing a key result, binding it to a KPI, and the target suggestion ----------------------


def test_a_manager_edits_a_key_result_and_binds_it_to_a_kpi(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    page = client.get(reverse("okrs:key_result_edit", args=[ninety.pk])).content.decode()
    assert f'hx-get="/okrs/key-results/{ninety.pk}/suggest-target/"' in page
    assert "Suggest a target" in page
    response = client.post(
        reverse("okrs:key_result_edit", args=[ninety.pk]),
        {
            "title": "Less money 90+ days late",
            "metric": "ar_90_plus",
            "baseline": "500,000",
            "target": "380000",
            "unit": "USD",
            "due_on": "",
        },
    )
    assert response.status_code == 302
    ninety.refresh_from_db()
    assert (ninety.title, ninety.metric, ninety.target) == (
        "Less money 90+ days late",
        "ar_90_plus",
        Decimal(380000),
    )
    entry = AuditEntry.objects.filter(action="okr_key_result_update").latest("id")
    assert entry.after["metric"] == "ar_90_plus"
    assert entry.actor == world.manager


def test_an_edit_the_service_refuses_shows_why_and_changes_nothing(
    world: World, ninety: KeyResult
) -> None:
    response = client_for(world.manager).post(
        reverse("okrs:key_result_edit", args=[ninety.pk]),
        {"title": "x", "metric": "", "baseline": "500000", "target": "600000", "unit": "USD"},
    )
    assert response.status_code == 422
    assert "needs a target below the baseline" in response.content.decode()
    ninety.refresh_from_db()
    assert ninety.target == Decimal(400000)


def test_choosing_a_kpi_fetches_a_target_suggestion_fragment(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    url = reverse("okrs:target_suggestion", args=[ninety.pk])
    fragment = client.get(url, {"metric": "ar_total"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="target-suggestion"')
    assert "<html" not in body
    suggestion = target_suggest(
        metric="ar_total",
        params={},
        filters={},
        starts_on=date(2026, 7, 1),
        ends_on=date(2026, 9, 30),
    )
    assert "Realistic targets for <code>ar_total</code>" in body
    commit = floatformat(suggestion.commit, "-2g")
    assert f'<dt>Commit</dt><dd><strong id="suggested-commit">{commit}</strong></dd>' in body
    assert suggestion.reasoning[0] in body


def test_without_javascript_the_suggest_button_shows_it_and_saves_nothing(
    world: World, ninety: KeyResult
) -> None:
    response = client_for(world.manager).post(
        reverse("okrs:key_result_edit", args=[ninety.pk]),
        {
            "title": "Typed but not saved",
            "metric": "ar_total",
            "baseline": "500000",
            "target": "400000",
            "unit": "USD",
            "suggest": "1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Realistic targets for <code>ar_total</code>" in body
    assert 'value="Typed but not saved"' in body
    assert '<option value="ar_total" selected>' in body
    ninety.refresh_from_db()
    assert (ninety.title, ninety.metric) == ("Less money more than 90 days past due", "")


@pytest.mark.parametrize("who", ["viewer", "north_collector"])
def test_only_managers_and_admins_edit_key_results(
    world: World, ninety: KeyResult, who: str
) -> None:
    client = client_for(getattr(world, who))
    assert client.get(reverse("okrs:key_result_edit", args=[ninety.pk])).status_code == 403
    response = client.post(
        reverse("okrs:key_result_edit", args=[ninety.pk]), {"title": "x", "target": "1"}
    )
    assert response.status_code == 403
    suggest = reverse("okrs:target_suggestion", args=[ninety.pk])
    assert client.get(suggest, {"metric": "ar_total"}).status_code == 403
    ninety.refresh_from_db()
    assert ninety.title == "Less money more than 90 days past due"
