"""Settings pages for users and teams: admins only, every change through the accounts services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recoup.accounts.models import AuditEntry, Role, Team, TeamMembership, User
from tests.web.conftest import World, client_for


@pytest.mark.parametrize("role", ["manager", "viewer", "north_collector"])
def test_only_admins_open_the_settings_pages(world: World, role: str) -> None:
    client = client_for(getattr(world, role))
    assert client.get(reverse("web:settings_users")).status_code == 403
    assert client.get(reverse("web:settings_teams")).status_code == 403
    response = client.post(reverse("web:settings_teams"), {"team-name": "Sneaky"})
    assert response.status_code == 403


def test_the_settings_link_shows_for_those_who_may_read_the_settings(world: World) -> None:
    assert 'href="/settings/"' in client_for(world.admin).get("/").content.decode()
    assert 'href="/settings/"' in client_for(world.manager).get("/").content.decode()
    for reader in (world.viewer, world.north_collector):
        assert 'href="/settings/"' not in client_for(reader).get("/").content.decode()


def test_a_manager_lands_on_the_kpi_variants_and_sees_no_user_settings(world: World) -> None:
    client = client_for(world.manager)
    response = client.get(reverse("web:settings"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:settings_kpis")
    body = client.get(response["Location"]).content.decode()
    assert reverse("web:settings_users") not in body
    assert client_for(world.admin).get(reverse("web:settings"))["Location"] == reverse(
        "web:settings_users"
    )


def test_settings_lists_users_with_their_roles_and_teams(world: World) -> None:
    body = client_for(world.admin).get(reverse("web:settings_users")).content.decode()
    assert "nina" in body
    assert "North" in body
    assert "Collector" in body


def test_an_admin_creates_a_collector_in_a_team_and_it_is_audited(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(
        reverse("web:settings_users"),
        {
            "username": "colin",
            "first_name": "Colin",
            "role": "collector",
            "team": world.north.pk,
            "password1": "a long passphrase 981",
            "password2": "a long passphrase 981",
        },
        follow=True,
    )
    assert "User colin created as Collector." in response.content.decode()
    colin = User.objects.get(username="colin")
    assert colin.role == Role.COLLECTOR
    assert colin.check_password("a long passphrase 981")
    assert TeamMembership.objects.filter(user=colin, team=world.north).exists()
    entry = AuditEntry.objects.get(action="user_create", object_id=str(colin.pk))
    assert entry.actor == world.admin
    assert entry.via == "web"


def test_a_weak_or_mismatched_password_creates_nobody(world: World) -> None:
    client = client_for(world.admin)
    weak = client.post(
        reverse("web:settings_users"),
        {"username": "wes", "role": "viewer", "password1": "12345678", "password2": "12345678"},
    )
    assert weak.status_code == 422
    assert "This password is too common." in weak.content.decode()
    mismatched = client.post(
        reverse("web:settings_users"),
        {
            "username": "wes",
            "role": "viewer",
            "password1": "a long passphrase 981",
            "password2": "a long passphrase 982",
        },
    )
    assert "The two passwords differ." in mismatched.content.decode()
    assert not User.objects.filter(username="wes").exists()


def test_a_duplicate_username_is_refused_whatever_its_case(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("web:settings_users"),
        {
            "username": "NINA",
            "role": "viewer",
            "password1": "a long passphrase 981",
            "password2": "a long passphrase 981",
        },
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username__iexact="nina").count() == 1


def test_an_htmx_form_error_comes_back_as_the_form_fragment(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("web:settings_users"),
        {"username": "", "role": "viewer"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="user-create"')
    assert "<html" not in body


def test_an_htmx_create_redirects_the_whole_page(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("web:settings_users"),
        {
            "username": "hana",
            "role": "viewer",
            "password1": "a long passphrase 981",
            "password2": "a long passphrase 981",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:settings_users")


def test_an_admin_creates_a_team_and_adds_a_lead(world: World) -> None:
    client = client_for(world.admin)
    client.post(reverse("web:settings_teams"), {"team-name": "East"})
    east = Team.objects.get(name="East")
    response = client.post(
        reverse("web:settings_teams"),
        {"member-team": east.pk, "member-user": world.manager.pk, "member-is_lead": "on"},
        follow=True,
    )
    assert "max is in East." in response.content.decode()
    membership = TeamMembership.objects.get(team=east, user=world.manager)
    assert membership.is_lead
    assert AuditEntry.objects.filter(action="team_create", actor=world.admin).exists()


def test_a_duplicate_team_name_is_refused(world: World) -> None:
    response = client_for(world.admin).post(reverse("web:settings_teams"), {"team-name": "north"})
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
