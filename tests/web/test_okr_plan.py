"""Planning a quarter in the browser: a new cycle (optionally with a past cycle's objectives),
"+ objective", "+ key result", "+ initiative", and each person's "My work". Every change goes
through the audited services and under `can_change_okrs`; bad input is a 4xx with a sentence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import AuditEntry
from recoup.okrs.models import (
    CheckIn,
    Cycle,
    Initiative,
    InitiativeStatus,
    KeyResult,
    KeyResultKind,
    Objective,
)
from recoup.okrs.services import (
    checkin_create,
    cycle_create,
    initiative_create,
    key_result_create,
    objective_create,
)
from tests.web.conftest import World, client_for

pytestmark = pytest.mark.django_db


def _running_cycle(world: World, name: str = "Running") -> Cycle:
    today = timezone.localdate()
    return cycle_create(
        name=name,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        actor=world.admin,
    )


def _objective(world: World, cycle: Cycle, key: str = "cash", **extra: object) -> Objective:
    return objective_create(
        cycle=cycle, key=key, title=f"Objective {key}", actor=world.admin, **extra
    )  # type: ignore[arg-type]


def _kr(world: World, objective: Objective, key: str = "dso", owner: object = None) -> KeyResult:
    return key_result_create(
        objective=objective,
        key=key,
        title=f"Key result {key}",
        kind=KeyResultKind.DECREASE_TO,
        baseline=Decimal(62),
        target=Decimal(50),
        unit="days",
        owner=owner,  # type: ignore[arg-type]
        actor=world.admin,
    )


# -- the board leads to the forms ------------------------------------------------------------


def test_the_empty_board_links_a_manager_to_the_new_cycle_form(world: World) -> None:
    page = client_for(world.manager).get(reverse("okrs:index")).content.decode()
    assert "recoup okr apply" not in page
    assert reverse("okrs:cycle_new") in page
    viewer_page = client_for(world.viewer).get(reverse("okrs:index")).content.decode()
    assert reverse("okrs:cycle_new") not in viewer_page
    assert "A manager creates the first one." in viewer_page


def test_the_board_offers_plus_objective_and_plus_key_result_to_planners_only(
    world: World,
) -> None:
    cycle = _running_cycle(world)
    objective = _objective(world, cycle)
    page = client_for(world.manager).get(reverse("okrs:index")).content.decode()
    assert reverse("okrs:objective_new", args=[cycle.pk]) in page
    assert reverse("okrs:key_result_new", args=[objective.pk]) in page
    assert reverse("okrs:mine") in page
    collector_page = client_for(world.south_collector).get(reverse("okrs:index")).content.decode()
    assert reverse("okrs:objective_new", args=[cycle.pk]) not in collector_page
    assert reverse("okrs:key_result_new", args=[objective.pk]) not in collector_page
    assert reverse("okrs:mine") in collector_page


# -- new cycle -------------------------------------------------------------------------------


def test_a_manager_creates_a_cycle_audited(world: World) -> None:
    response = client_for(world.manager).post(
        reverse("okrs:cycle_new"),
        {"name": "2027-Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("okrs:index") + "?cycle=2027-Q1"
    cycle = Cycle.objects.get(name="2027-Q1")
    assert (cycle.starts_on, cycle.ends_on) == (date(2027, 1, 1), date(2027, 3, 31))
    entry = AuditEntry.objects.get(action="okr_cycle_create")
    assert (entry.actor, entry.via, entry.object_id) == (world.manager, "web", str(cycle.pk))


def test_a_new_cycle_takes_its_check_in_day_and_thresholds_from_the_form(world: World) -> None:
    response = client_for(world.manager).post(
        reverse("okrs:cycle_new"),
        {
            "name": "2027-Q1",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "checkin_weekday": "4",
            "on_track_within": "5",
            "at_risk_within": "15",
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="2027-Q1")
    assert (cycle.checkin_weekday, cycle.on_track_within, cycle.at_risk_within) == (4, 5, 15)


@pytest.mark.parametrize("on_track", ["30", "101", "x"])
def test_thresholds_that_cannot_work_are_refused_in_words(world: World, on_track: str) -> None:
    response = client_for(world.manager).post(
        reverse("okrs:cycle_new"),
        {
            "name": "Q",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "on_track_within": on_track,
        },
    )
    assert response.status_code == 422
    assert not Cycle.objects.exists()


def test_a_new_cycle_copies_a_past_cycles_objectives_with_their_alignment(world: World) -> None:
    old = cycle_create(
        name="2026-Q4",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        checkin_weekday=3,
        actor=world.admin,
    )
    top = _objective(world, old, "top", team=world.south, owner=world.south_collector)
    child = _objective(world, old, "child")
    child.parent = top
    child.save()
    _kr(world, top)
    response = client_for(world.manager).post(
        reverse("okrs:cycle_new"),
        {
            "name": "2027-Q1",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "copy_from": "2026-Q4",
        },
    )
    assert response.status_code == 302
    new = Cycle.objects.get(name="2027-Q1")
    assert new.checkin_weekday == 3
    copies = {o.key: o for o in Objective.objects.filter(cycle=new)}
    assert set(copies) == {"top", "child"}
    assert copies["top"].team == world.south
    assert copies["top"].owner == world.south_collector
    assert copies["child"].parent == copies["top"]  # aligned inside the new cycle
    assert not KeyResult.objects.filter(objective__cycle=new).exists()
    assert AuditEntry.objects.filter(action="okr_objective_create", via="web").count() == 2


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"name": "Q", "starts_on": "2027-03-31", "ends_on": "2027-01-01"}, "must end after"),
        ({"name": "Q", "starts_on": "31/02/2027", "ends_on": "2027-03-31"}, "valid date"),
        ({"name": "", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}, "required"),
        (
            {"name": "Q", "starts_on": "2027-01-01", "ends_on": "2027-03-31", "copy_from": "nope"},
            "valid choice",
        ),
        ({"name": "Q", "starts_on": "0001-01-01", "ends_on": "2027-03-31"}, ""),
    ],
)
def test_bad_cycle_input_is_refused_with_a_sentence(
    world: World, data: dict[str, str], said: str
) -> None:
    response = client_for(world.manager).post(reverse("okrs:cycle_new"), data)
    assert response.status_code == 422
    assert said in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_second_cycle_of_the_same_name_is_refused(world: World) -> None:
    _running_cycle(world, "2027-Q1")
    response = client_for(world.manager).post(
        reverse("okrs:cycle_new"),
        {"name": "2027-Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert Cycle.objects.count() == 1


def test_collectors_and_viewers_cannot_create_cycles(world: World) -> None:
    data = {"name": "2027-Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}
    for user in (world.viewer, world.south_collector):
        client = client_for(user)
        assert client.get(reverse("okrs:cycle_new")).status_code == 403
        assert client.post(reverse("okrs:cycle_new"), data).status_code == 403
    assert not Cycle.objects.exists()


# -- "+ objective" -----------------------------------------------------------------------------


def test_a_manager_adds_objectives_with_team_owner_and_alignment(world: World) -> None:
    cycle = _running_cycle(world)
    top = _objective(world, cycle, "top")
    client = client_for(world.manager)
    form = client.get(reverse("okrs:objective_new", args=[cycle.pk])).content.decode()
    assert "Sam" in form
    assert ">sam<" not in form
    for _ in range(2):
        response = client.post(
            reverse("okrs:objective_new", args=[cycle.pk]),
            {
                "title": "South collects sooner",
                "team": world.south.pk,
                "owner": world.south_collector.pk,
                "parent": top.pk,
                "commitment": "aspirational",
            },
        )
        assert response.status_code == 302
    made = list(Objective.objects.filter(cycle=cycle, title="South collects sooner"))
    assert sorted(o.key for o in made) == ["south-collects-sooner", "south-collects-sooner-2"]
    assert all(
        (o.team, o.owner, o.parent, o.commitment)
        == (world.south, world.south_collector, top, "aspirational")
        for o in made
    )
    assert response["Location"].endswith(f"#obj-{made[-1].pk}")


def test_an_objective_cannot_align_to_another_cycles_objective_or_have_no_title(
    world: World,
) -> None:
    cycle, other = _running_cycle(world), _running_cycle(world, "Other")
    foreign = _objective(world, other, "foreign")
    client = client_for(world.manager)
    url = reverse("okrs:objective_new", args=[cycle.pk])
    bad = client.post(url, {"title": "X", "parent": foreign.pk, "commitment": "committed"})
    assert bad.status_code == 422
    empty = client.post(url, {"title": "", "commitment": "committed"})
    assert empty.status_code == 422
    wrong = client.post(url, {"title": "X", "commitment": "maybe", "team": "abc"})
    assert wrong.status_code == 422
    assert not Objective.objects.filter(cycle=cycle).exists()


def test_unknown_cycles_objectives_and_key_results_are_404(world: World) -> None:
    client = client_for(world.manager)
    for url in (
        reverse("okrs:objective_new", args=[999]),
        reverse("okrs:objective_new", args=[2**70]),
        reverse("okrs:key_result_new", args=[999]),
        reverse("okrs:key_result_new", args=[2**70]),
        reverse("okrs:initiative_new", args=[999]),
        reverse("okrs:initiative_new", args=[2**70]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x"}).status_code == 404, url


# -- "+ key result" --------------------------------------------------------------------------


def test_a_key_result_by_hand_reads_numbers_in_the_persons_decimal_mark(world: World) -> None:
    world.manager.decimal_mark = ","
    world.manager.save()
    cycle = _running_cycle(world)
    objective = _objective(world, cycle, owner=world.south_collector)
    client = client_for(world.manager)
    form = client.get(reverse("okrs:key_result_new", args=[objective.pk])).content.decode()
    # The objective's owner is proposed as the key result's owner.
    assert f'<option value="{world.south_collector.pk}" selected>Sam</option>' in form
    response = client.post(
        reverse("okrs:key_result_new", args=[objective.pk]),
        {
            "title": "Promises kept",
            "kind": "increase_to",
            "unit": "percent",
            "owner": world.south_collector.pk,
            "baseline": "58,5",
            "target": "1.250,25",
            "due_on": "",
        },
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get(objective=objective)
    assert response["Location"] == reverse("okrs:key_result", args=[kr.pk])
    assert (kr.key, kr.baseline, kr.target) == (
        "promises-kept",
        Decimal("58.5"),
        Decimal("1250.25"),
    )
    assert kr.owner == world.south_collector
    assert AuditEntry.objects.filter(action="okr_key_result_create", actor=world.manager).exists()


def test_a_key_result_can_be_bound_to_a_kpi(world: World) -> None:
    objective = _objective(world, _running_cycle(world))
    response = client_for(world.manager).post(
        reverse("okrs:key_result_new", args=[objective.pk]),
        {"title": "Less overdue", "kind": "decrease_to", "target": "1000", "metric": "ar_total"},
    )
    assert response.status_code == 302
    assert KeyResult.objects.get(objective=objective).metric == "ar_total"


def test_a_key_result_takes_a_change_a_weight_and_a_teams_count(world: World) -> None:
    objective = _objective(world, _running_cycle(world))
    response = client_for(world.manager).post(
        reverse("okrs:key_result_new", args=[objective.pk]),
        {
            "title": "Less overdue in the North",
            "kind": "decrease_to",
            "baseline": "1000",
            "target_change": "-20",
            "weight": "2",
            "metric": "ar_overdue",
            "team_filter": "North",
        },
    )
    assert response.status_code == 302, response.content.decode()
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.target, kr.target_change_pct, kr.weight) == (Decimal(800), Decimal(-20), Decimal(2))
    assert kr.metric_filters == {"team": ["North"]}


def test_a_key_result_counts_towards_a_roll_up_of_its_own_cycle_only(world: World) -> None:
    cycle = _running_cycle(world)
    objective = _objective(world, cycle)
    parent = key_result_create(
        objective=objective, key="all", title="All regions", kind="roll_up", actor=world.admin
    )
    other = key_result_create(
        objective=_objective(world, _running_cycle(world, "Other")),
        key="elsewhere",
        title="Elsewhere",
        kind="roll_up",
        actor=world.admin,
    )
    client = client_for(world.manager)
    url = reverse("okrs:key_result_new", args=[objective.pk])
    assert "Counts towards" in client.get(url).content.decode()
    base = {"title": "North", "kind": "increase_to", "baseline": "1", "target": "2"}
    assert client.post(url, {**base, "rolls_up_into": other.pk}).status_code == 422
    assert client.post(url, {**base, "rolls_up_into": parent.pk}).status_code == 302
    assert KeyResult.objects.get(title="North").rolls_up_into == parent


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"kind": "increase_to", "baseline": "60", "target": "50"}, "needs a target above"),
        ({"kind": "increase_to", "baseline": "60"}, "needs a target"),
        ({"kind": "increase_to", "baseline": "60", "target": "58,5"}, "58,5"),
        ({"kind": "increase_to", "target": "lots"}, "lots"),
        ({"kind": "roll_up", "target": "5"}, "valid choice"),
        ({"kind": "increase_to", "target": "5", "metric": "no_such_kpi"}, "valid choice"),
        ({"kind": "milestone", "metric": "ar_total"}, "only increase"),
        ({"kind": "increase_to", "target": "5", "due_on": "9999-99-99"}, "valid date"),
        (
            {"kind": "decrease_to", "baseline": "60", "target": "50", "target_change": "-20"},
            "a target or a change, not both",
        ),
        ({"kind": "increase_to", "target": "5", "team_filter": "North"}, "Only a KPI-bound"),
        ({"kind": "increase_to", "target": "5", "weight": "0"}, "must be above 0"),
        (
            {
                "kind": "decrease_to",
                "target": "2",
                "metric": "credit_approval_days",
                "team_filter": "North",
            },
            "team",
        ),
    ],
)
def test_bad_key_result_input_is_refused_with_a_sentence(
    world: World, data: dict[str, str], said: str
) -> None:
    objective = _objective(world, _running_cycle(world))
    response = client_for(world.manager).post(
        reverse("okrs:key_result_new", args=[objective.pk]), {"title": "K", **data}
    )
    assert response.status_code == 422
    assert said in response.content.decode()
    assert not KeyResult.objects.exists()


def test_collectors_cannot_add_key_results_or_initiatives(world: World) -> None:
    objective = _objective(world, _running_cycle(world), owner=world.south_collector)
    kr = _kr(world, objective, owner=world.south_collector)
    client = client_for(world.south_collector)
    url = reverse("okrs:key_result_new", args=[objective.pk])
    assert client.post(url, {"title": "K", "kind": "milestone"}).status_code == 403
    url = reverse("okrs:initiative_new", args=[kr.pk])
    assert client.post(url, {"title": "I", "priority": "low", "status": "todo"}).status_code == 403
    assert KeyResult.objects.count() == 1
    assert not Initiative.objects.exists()
    page = client.get(reverse("okrs:key_result", args=[kr.pk])).content.decode()
    assert 'id="initiative-new"' not in page


# -- "+ initiative" and the key result page ----------------------------------------------------


def test_a_manager_adds_an_initiative_listed_on_the_key_result_page(world: World) -> None:
    kr = _kr(world, _objective(world, _running_cycle(world)))
    client = client_for(world.manager)
    page = client.get(reverse("okrs:key_result", args=[kr.pk])).content.decode()
    assert "No initiatives yet." in page
    assert 'id="initiative-new"' in page
    response = client.post(
        reverse("okrs:initiative_new", args=[kr.pk]),
        {
            "title": "Call the ten largest debtors",
            "owner": world.north_collector.pk,
            "due_on": "2020-01-15",
            "priority": "high",
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(key_result=kr)
    assert (initiative.key, initiative.owner, initiative.priority, initiative.status) == (
        "call-the-ten-largest-debtors",
        world.north_collector,
        "high",
        "in_progress",
    )
    assert AuditEntry.objects.filter(action="okr_initiative_create", via="web").exists()
    page = client.get(reverse("okrs:key_result", args=[kr.pk])).content.decode()
    assert "Call the ten largest debtors" in page
    assert "Nina · due 15 Jan 2020" in page
    assert "overdue" in page
    assert "High priority · In progress" in page


def test_bad_initiative_input_is_refused(world: World) -> None:
    kr = _kr(world, _objective(world, _running_cycle(world)))
    client = client_for(world.manager)
    url = reverse("okrs:initiative_new", args=[kr.pk])
    for data in (
        {"title": "", "priority": "low", "status": "todo"},
        {"title": "T", "priority": "urgent", "status": "todo"},
        {"title": "T", "priority": "low", "status": "todo", "owner": "999999"},
        {"title": "T", "priority": "low", "status": "todo", "due_on": "soon"},
    ):
        assert client.post(url, data).status_code == 422, data
    assert not Initiative.objects.exists()


# -- My work -----------------------------------------------------------------------------------


def test_my_work_lists_my_key_results_due_for_a_check_in_and_my_initiatives_by_due_date(
    world: World,
) -> None:
    cycle = _running_cycle(world)
    objective = _objective(world, cycle)
    quiet = _kr(world, objective, "quiet", owner=world.south_collector)
    fresh = _kr(world, objective, "fresh", owner=world.south_collector)
    stale = _kr(world, objective, "stale", owner=world.south_collector)
    _kr(world, objective, "not-mine", owner=world.north_collector)
    checkin_create(key_result=fresh, value=Decimal(60), confidence="on_track", via="test")
    old = checkin_create(key_result=stale, value=Decimal(61), confidence="on_track", via="test")
    CheckIn.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    today = timezone.localdate()
    for key, due, status in (
        ("later", today + timedelta(days=20), InitiativeStatus.TO_DO),
        ("undated", None, InitiativeStatus.IN_PROGRESS),
        ("sooner", today + timedelta(days=2), InitiativeStatus.IN_PROGRESS),
        ("finished", today, InitiativeStatus.DONE),
    ):
        initiative_create(
            key_result=quiet,
            key=key,
            title=f"Initiative {key}",
            owner=world.south_collector,
            due_on=due,
            status=status,
        )
    page = client_for(world.south_collector).get(reverse("okrs:mine")).content.decode()
    due_list = page.split('id="to-check-in"')[1].split("</ul>")[0]
    assert "Key result quiet" in due_list
    assert "Key result stale" in due_list
    assert "Key result fresh" not in due_list
    assert "not-mine" not in page
    assert "no check-in yet" in due_list
    assert "Key result fresh" in page.split('id="checked-in"')[1]
    mine = page.split('id="my-initiatives"')[1].split("</ul>")[0]
    assert mine.index("Initiative sooner") < mine.index("Initiative later")
    assert mine.index("Initiative later") < mine.index("Initiative undated")
    assert "Initiative finished" not in mine
    other = client_for(world.north_collector).get(reverse("okrs:mine")).content.decode()
    assert "Nothing to check in" not in other
    assert "Key result not-mine" in other
    assert "No open initiatives." in other


def test_my_work_leaves_out_cycles_that_ended(world: World) -> None:
    ended = cycle_create(
        name="Past", starts_on=date(2020, 1, 1), ends_on=date(2020, 3, 31), actor=world.admin
    )
    kr = _kr(world, _objective(world, ended), owner=world.south_collector)
    initiative_create(key_result=kr, key="old", title="Old work", owner=world.south_collector)
    page = client_for(world.south_collector).get(reverse("okrs:mine")).content.decode()
    assert "Key result dso" not in page
    assert "Old work" not in page
    assert "Nothing to check in this week." in page


def test_my_work_needs_a_login(world: World) -> None:
    from django.test import Client

    response = Client().get(reverse("okrs:mine"))
    assert response.status_code == 302
    assert client_for(world.viewer).get(reverse("okrs:mine")).status_code == 200
