"""Who sees which debtors: one `Scope` (recoup.accounts.scope), the ledger readers and pages
built on it, and the KPI numbers of the same book."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from recoup.accounts.models import Role
from recoup.accounts.scope import Scope, scope_for
from recoup.accounts.services import team_member_add
from recoup.ledger.models import Assignment, Invoice
from recoup.ledger.selectors import customers_in_scope, invoices_in_scope, teams_in_scope
from tests.web.conftest import World, client_for, make_customer, make_user


def customers_visible_to(user: AbstractBaseUser | AnonymousUser, *, on: date | None = None):  # type: ignore[no-untyped-def]
    return customers_in_scope(scope_for(user), on=on)


def invoices_visible_to(user: AbstractBaseUser | AnonymousUser):  # type: ignore[no-untyped-def]
    return invoices_in_scope(scope_for(user))


def teams_visible_to(user: AbstractBaseUser | AnonymousUser):  # type: ignore[no-untyped-def]
    return teams_in_scope(scope_for(user))


def _names(qs: object) -> set[str]:
    return {c.name for c in qs}  # type: ignore[attr-defined]


def test_admins_and_managers_see_every_customer(world: World) -> None:
    everyone = {"Northwind Traders", "Southern Cross Ltd", "Unassigned Union"}
    for user in (world.admin, world.manager):
        assert _names(customers_visible_to(user)) == everyone


def test_a_viewer_reads_what_their_teams_see(world: World) -> None:
    assert not customers_visible_to(world.viewer).exists()
    team_member_add(team=world.south, user=world.viewer)
    assert _names(customers_visible_to(world.viewer)) == {"Southern Cross Ltd"}


def test_a_reader_without_a_scope_is_an_error_not_everything(world: World) -> None:
    with pytest.raises(TypeError, match="needs a Scope"):
        customers_in_scope(world.admin)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="who asks"):
        Scope.organisation("")


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
    assert invoices_visible_to(world.manager).count() == 3


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
    client = client_for(world.manager)
    by_name = client.get("/ledger/customers/", {"q": "southern"}).content.decode()
    assert "Southern Cross Ltd" in by_name
    assert "Northwind Traders" not in by_name
    by_id = client.get("/ledger/customers/", {"q": "C-U1"}).content.decode()
    assert "Unassigned Union" in by_id


def test_the_ledger_overview_counts_only_a_collectors_book(world: World) -> None:
    body = client_for(world.north_collector).get("/ledger/").content.decode()
    assert Invoice.objects.count() == 3
    # One invoice of 123.45 USD is in Nina's book; the ledger holds three.
    assert "123.45" in body
    assert "370.35" not in body


# -- the KPI API follows the same scope ----------------------------------------------------------


def _api(user: AbstractBaseUser, path: str, **params: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client_for(user).get(path, params)  # type: ignore[arg-type]
    return response.status_code, response.json()


def test_a_collector_reads_only_their_own_debtors_by_customer_through_the_api(
    world: World,
) -> None:
    status, body = _api(
        world.north_collector, "/api/metrics/ar_total", as_of="2026-06-30", by="customer"
    )
    assert status == 200
    customers = {r["dims"]["customer"] for r in body["results"]}
    assert customers == {str(world.north_customer.pk)}
    status, body = _api(world.manager, "/api/metrics/ar_total", as_of="2026-06-30", by="customer")
    assert len(body["results"]) == 3


def test_a_collector_cannot_filter_the_api_to_another_team(world: World) -> None:
    status, body = _api(
        world.north_collector, "/api/metrics/ar_total", as_of="2026-06-30", filter="team=South"
    )
    assert status == 403
    assert "South" in body["detail"]
    for path in ("/api/metrics/ar_total/series", "/api/metrics/ar_total/explain"):
        status, _ = _api(
            world.north_collector,
            path,
            as_of="2026-06-30",
            start="2026-01-01",
            end="2026-06-30",
            filter="team=South",
        )
        assert status == 403, path


def test_a_collectors_unfiltered_total_is_their_book(world: World) -> None:
    _, body = _api(world.north_collector, "/api/metrics/ar_total", as_of="2026-06-30")
    assert body["results"][0]["value"] == "123.45"
    _, body = _api(world.manager, "/api/metrics/ar_total", as_of="2026-06-30")
    assert body["results"][0]["value"] == "370.35"


def test_a_debtor_assigned_to_a_collector_alone_is_in_their_pages_and_their_numbers(
    world: World,
) -> None:
    own = make_customer("C-N2", "Nina's Own")
    Assignment.objects.create(
        customer=own, collector=world.north_collector, valid_from=date(2025, 1, 1)
    )
    assert "Nina's Own" in _names(customers_visible_to(world.north_collector))
    _, body = _api(
        world.north_collector, "/api/metrics/ar_total", as_of="2026-06-30", by="customer"
    )
    assert {r["dims"]["customer"] for r in body["results"]} == {
        str(world.north_customer.pk),
        str(own.pk),
    }


def test_the_engine_is_not_a_request_parameter(world: World) -> None:
    status, body = _api(world.viewer, "/api/metrics/ar_total", as_of="2026-06-30", engine="spark")
    assert status == 200
    assert body["engine"] == "duckdb"


def test_the_dashboard_of_a_collector_counts_their_book_only(world: World) -> None:
    body = client_for(world.north_collector).get("/?as_of=2026-06-30").content.decode()
    assert "your teams (North)" in body
    assert "123.45" in body
    assert "370.35" not in body
    assert "370.35" in client_for(world.manager).get("/?as_of=2026-06-30").content.decode()
    assert client_for(world.north_collector).get("/?team=South").status_code == 403
