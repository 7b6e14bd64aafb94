"""Who sees which debtors: `customers_visible_to` and the ledger pages built on it."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser

from recoup.accounts.models import Role
from recoup.accounts.services import team_member_add
from recoup.ledger.models import Assignment
from recoup.ledger.selectors import (
    customers_visible_to,
    invoices_visible_to,
    teams_visible_to,
)
from tests.web.conftest import World, client_for, make_customer, make_user


def _names(qs: object) -> set[str]:
    return {c.name for c in qs}  # type: ignore[attr-defined]


def test_admins_managers_and_viewers_see_every_customer(world: World) -> None:
    everyone = {"Northwind Traders", "Southern Cross Ltd", "Unassigned Union"}
    for user in (world.admin, world.manager, world.viewer):
        assert _names(customers_visible_to(user)) == everyone


def test_a_collector_sees_only_the_debtors_of_their_own_teams(world: World) -> None:
    assert _names(customers_visible_to(world.north_collector)) == {"Northwind Traders"}
    assert _names(customers_visible_to(world.south_collector)) == {"Southern Cross Ltd"}


def test_a_collector_sees_debtors_assigned_to_them_or_a_teammate_without_a_team(
    world: World,
) -> None:
    own = make_customer("C-N2", "Nina's Own")
    teammate = make_customer("C-N3", "Teammate's Own")
    north_peer = team_member_add(team=world.north, user=world.manager).user
    Assignment.objects.create(
        customer=own, collector=world.north_collector, valid_from=date(2025, 1, 1)
    )
    Assignment.objects.create(customer=teammate, collector=north_peer, valid_from=date(2025, 1, 1))
    assert _names(customers_visible_to(world.north_collector)) == {
        "Northwind Traders",
        "Nina's Own",
        "Teammate's Own",
    }


def test_scope_follows_the_assignment_standing_on_the_day(world: World) -> None:
    moved = world.south_customer
    Assignment.objects.filter(customer=moved).update(valid_to=date(2026, 3, 1))
    Assignment.objects.create(customer=moved, team=world.north, valid_from=date(2026, 3, 1))
    assert "Southern Cross Ltd" in _names(
        customers_visible_to(world.south_collector, on=date(2026, 2, 28))
    )
    assert "Southern Cross Ltd" not in _names(
        customers_visible_to(world.south_collector, on=date(2026, 3, 1))
    )
    assert "Southern Cross Ltd" in _names(
        customers_visible_to(world.north_collector, on=date(2026, 3, 1))
    )


def test_a_collector_without_a_team_sees_nothing(world: World) -> None:
    loner = make_user("lone", Role.COLLECTOR)
    assert not customers_visible_to(loner).exists()
    assert not teams_visible_to(loner).exists()


def test_inactive_and_anonymous_users_see_nothing(world: World) -> None:
    world.admin.is_active = False
    assert not customers_visible_to(world.admin).exists()
    assert not customers_visible_to(AnonymousUser()).exists()
    assert not invoices_visible_to(AnonymousUser()).exists()


def test_invoices_follow_the_customer_scope(world: World) -> None:
    assert {i.external_id for i in invoices_visible_to(world.north_collector)} == {"INV-C-N1"}
    assert invoices_visible_to(world.viewer).count() == 3


def test_teams_visible_to_a_collector_are_their_own(world: World) -> None:
    assert [t.name for t in teams_visible_to(world.north_collector)] == ["North"]
    assert [t.name for t in teams_visible_to(world.manager)] == ["North", "South"]


def test_the_customer_list_of_a_collector_leaves_out_other_teams(world: World) -> None:
    body = client_for(world.north_collector).get("/ledger/customers/").content.decode()
    assert "Northwind Traders" in body
    assert "Southern Cross Ltd" not in body
    assert "Unassigned Union" not in body


def test_another_teams_customer_page_is_not_found_for_a_collector(world: World) -> None:
    client = client_for(world.north_collector)
    assert client.get(f"/ledger/customers/{world.south_customer.pk}/").status_code == 404
    own = client.get(f"/ledger/customers/{world.north_customer.pk}/")
    assert own.status_code == 200
    assert "INV-C-N1" in own.content.decode()
    assert "123.45 USD" in own.content.decode()


def test_customer_search_matches_name_or_external_id(world: World) -> None:
    client = client_for(world.viewer)
    by_name = client.get("/ledger/customers/", {"q": "southern"}).content.decode()
    assert "Southern Cross Ltd" in by_name
    assert "Northwind Traders" not in by_name
    by_id = client.get("/ledger/customers/", {"q": "C-U1"}).content.decode()
    assert "Unassigned Union" in by_id
