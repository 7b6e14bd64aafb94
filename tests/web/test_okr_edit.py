"""Changing and archiving what a cycle holds from the pages: an objective's and a key result's
every field, initiatives (their owner only moves them along), and archive / restore that takes
items off the board, "My work" and the automatic check-ins while the history stays."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import AuditEntry
from recoup.okrs.models import CheckIn, Initiative, InitiativeStatus, KeyResult, Objective
from recoup.okrs.services import checkin_auto_run, initiative_create
from tests.web.conftest import World, client_for
from tests.web.test_okr_plan import _kr, _objective, _running_cycle

pytestmark = pytest.mark.django_db


def _initiative(world: World, kr: KeyResult) -> Initiative:
    return initiative_create(
        key_result=kr,
        key="calls",
        title="Call the ten largest debtors",
        owner=world.north_collector,
        actor=world.admin,
    )


def test_a_manager_edits_an_objective_and_the_change_is_audited(world: World) -> None:
    cycle = _running_cycle(world)
    top = _objective(world, cycle, "top")
    objective = _objective(world, cycle)
    response = client_for(world.manager).post(
        reverse("okrs:objective_edit", args=[objective.pk]),
        {
            "title": "  Cash in sooner  ",
            "description": "The quarter's first aim.",
            "team": world.north.pk,
            "owner": world.north_collector.pk,
            "parent": top.pk,
            "commitment": "aspirational",
        },
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.title, objective.team, objective.owner, objective.parent) == (
        "Cash in sooner",
        world.north,
        world.north_collector,
        top,
    )
    assert objective.commitment == "aspirational"
    entry = AuditEntry.objects.filter(action="okr_objective_update").latest("id")
    assert entry.actor == world.manager


def test_aligning_an_objective_under_its_own_child_is_refused_in_words(world: World) -> None:
    cycle = _running_cycle(world)
    top = _objective(world, cycle, "top")
    child = _objective(world, cycle, "child", parent=top)
    response = client_for(world.manager).post(
        reverse("okrs:objective_edit", args=[top.pk]),
        {"title": "Top", "parent": child.pk, "commitment": "committed"},
    )
    assert response.status_code == 422
    assert "makes a loop" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_a_manager_changes_a_key_results_kind_owner_and_weight(world: World) -> None:
    cycle = _running_cycle(world)
    kr = _kr(world, _objective(world, cycle))
    manager = world.manager
    manager.decimal_mark = ","
    manager.save(update_fields=["decimal_mark"])
    response = client_for(manager).post(
        reverse("okrs:key_result_edit", args=[kr.pk]),
        {
            "title": "DSO",
            "kind": "stay_below",
            "owner": world.north_collector.pk,
            "unit": "days",
            "weight": "2,5",
            "baseline": "62",
            "target": "55,5",
        },
    )
    assert response.status_code == 302, response.content.decode()
    kr.refresh_from_db()
    assert (kr.kind, kr.owner, kr.weight, kr.target) == (
        "stay_below",
        world.north_collector,
        Decimal("2.5"),
        Decimal("55.5"),
    )


def test_an_archived_key_result_leaves_the_board_my_work_and_the_weekly_reading(
    world: World,
) -> None:
    cycle = _running_cycle(world)
    objective = _objective(world, cycle)
    kr = _kr(world, objective, owner=world.north_collector)
    kr.metric = "ar_total"
    kr.save(update_fields=["metric"])
    manager = client_for(world.manager)
    board = reverse("okrs:index")
    assert kr.title in manager.get(board).content.decode()

    response = manager.post(reverse("okrs:key_result_archive", args=[kr.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#archived")
    body = manager.get(board).content.decode()
    assert f'id="kr-{kr.pk}"' not in body
    assert "Archived (1)" in body
    mine = client_for(world.north_collector).get(reverse("okrs:mine")).content.decode()
    assert kr.title not in mine
    checkin_auto_run(today=timezone.localdate())
    assert not CheckIn.objects.filter(key_result=kr).exists()
    # Its page and history stay.
    assert manager.get(reverse("okrs:key_result", args=[kr.pk])).status_code == 200

    manager.post(reverse("okrs:key_result_archive", args=[kr.pk]), {"restore": "1"})
    assert f'id="kr-{kr.pk}"' in manager.get(board).content.decode()
    actions = list(
        AuditEntry.objects.filter(object_type="okr_key_result")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["okr_key_result_archive", "okr_key_result_restore"]


def test_an_archived_objective_takes_its_key_results_and_initiatives_along(world: World) -> None:
    cycle = _running_cycle(world)
    objective = _objective(world, cycle)
    kr = _kr(world, objective, owner=world.north_collector)
    initiative = _initiative(world, kr)
    client_for(world.manager).post(reverse("okrs:objective_archive", args=[objective.pk]))
    objective.refresh_from_db()
    assert objective.archived_at is not None
    body = client_for(world.manager).get(reverse("okrs:index")).content.decode()
    assert f'id="obj-{objective.pk}"' not in body
    # One line for the objective; its key result comes back with it.
    assert "Archived (1)" in body
    mine = client_for(world.north_collector).get(reverse("okrs:mine")).content.decode()
    assert initiative.title not in mine
    assert kr.title not in mine
    # Archived objectives are no parent to align a new one under.
    form = client_for(world.manager).get(reverse("okrs:objective_new", args=[cycle.pk]))
    parents = form.content.decode().split('name="parent"')[1].split("</select>")[0]
    assert "Objective cash" not in parents


def test_an_initiatives_owner_moves_it_along_but_does_not_rename_it(world: World) -> None:
    cycle = _running_cycle(world)
    kr = _kr(world, _objective(world, cycle))
    initiative = _initiative(world, kr)
    owner = client_for(world.north_collector)
    url = reverse("okrs:initiative_edit", args=[initiative.pk])
    page = owner.get(url).content.decode()
    assert "How far along is it?" in page
    assert 'name="title"' not in page
    response = owner.post(url, {"status": "in_progress", "title": "Renamed"})
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.status, initiative.title) == (
        InitiativeStatus.IN_PROGRESS,
        "Call the ten largest debtors",
    )
    assert owner.post(url, {"status": "cancelled"}).status_code == 422
    assert client_for(world.south_collector).get(url).status_code == 403


def test_a_manager_archives_an_initiative_and_restores_it_from_the_board(world: World) -> None:
    cycle = _running_cycle(world)
    kr = _kr(world, _objective(world, cycle))
    initiative = _initiative(world, kr)
    manager = client_for(world.manager)
    manager.post(reverse("okrs:initiative_archive", args=[initiative.pk]))
    page = manager.get(reverse("okrs:key_result", args=[kr.pk])).content.decode()
    assert f"<strong>{initiative.title}</strong>" not in page
    board = manager.get(reverse("okrs:index")).content.decode()
    assert "Call the ten largest debtors" in board
    assert reverse("okrs:initiative_archive", args=[initiative.pk]) in board
    manager.post(reverse("okrs:initiative_archive", args=[initiative.pk]), {"restore": "1"})
    initiative.refresh_from_db()
    assert initiative.archived_at is None
    assert (
        initiative.title in manager.get(reverse("okrs:key_result", args=[kr.pk])).content.decode()
    )


def test_unknown_or_huge_ids_answer_404(world: World) -> None:
    manager = client_for(world.manager)
    assert manager.get(reverse("okrs:objective_edit", args=[999_999])).status_code == 404
    assert manager.post(reverse("okrs:key_result_archive", args=[2**63])).status_code == 404
    assert manager.get(reverse("okrs:initiative_edit", args=[2**64])).status_code == 404
    assert Objective.objects.count() == 0
