"""Settings → Users: an admin edits a person's name, e-mail, role and teams, deactivates and
reactivates them, and resets their password; each change is one audited service, the last active
admin is never lost, and a reset password must be replaced at the next log-in."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from recoup.accounts.models import ApiToken, AuditEntry, Role, Team, TeamMembership, User
from recoup.accounts.services import (
    LAST_ADMIN_MESSAGE,
    AccountRuleError,
    api_token_create,
    team_create,
    team_member_add,
    user_create,
    user_deactivate,
    user_password_reset,
    user_reactivate,
    user_update,
)
from recoup.core.errors import AccessDeniedError

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Office:
    admin: User
    manager: User
    collector: User
    viewer: User
    north: Team
    south: Team


@pytest.fixture
def office() -> Office:
    def person(username: str, role: Role, first: str, last: str) -> User:
        return user_create(
            username=username, password=PASSWORD, role=role, first_name=first, last_name=last
        )

    admin = person("ada", Role.ADMIN, "Ada", "Lovelace")
    manager = person("max", Role.MANAGER, "Max", "Planck")
    collector = person("nina", Role.COLLECTOR, "Nina", "Nordström")
    viewer = person("vera", Role.VIEWER, "Vera", "Viewer")
    north, south = team_create(name="North"), team_create(name="South")
    team_member_add(team=north, user=collector)
    return Office(admin, manager, collector, viewer, north, south)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- services -----------------------------------------------------------------------------------


def test_editing_a_person_changes_name_email_role_and_teams_in_one_audit_row(
    office: Office,
) -> None:
    user_update(
        user=office.collector,
        first_name="Nina",
        last_name="Norberg",
        email="nina@example.org",
        role=Role.MANAGER,
        teams=[office.south],
        actor=office.admin,
        via="web",
    )
    nina = fresh(office.collector)
    assert (nina.last_name, nina.email, nina.role) == ("Norberg", "nina@example.org", "manager")
    assert list(nina.teams.values_list("name", flat=True)) == ["South"]
    entry = AuditEntry.objects.get(action="user_update")
    assert entry.actor == office.admin
    assert entry.object_id == str(nina.pk)
    assert entry.before == {
        "last_name": "Nordström",
        "email": "",
        "role": "collector",
        "teams": ["North"],
    }
    assert entry.after == {
        "last_name": "Norberg",
        "email": "nina@example.org",
        "role": "manager",
        "teams": ["South"],
    }
    # Each team keeps its own history of who joined and left.
    assert AuditEntry.objects.filter(
        action="team_member_remove", object_id=str(office.north.pk)
    ).exists()
    assert AuditEntry.objects.filter(
        action="team_member_add", object_id=str(office.south.pk), after__user="nina"
    ).exists()


def test_an_edit_that_changes_nothing_writes_no_audit_row(office: Office) -> None:
    before = AuditEntry.objects.count()
    user_update(
        user=office.collector,
        first_name="Nina",
        last_name="Nordström",
        email="",
        role=Role.COLLECTOR,
        teams=[office.north],
        actor=office.admin,
    )
    assert AuditEntry.objects.count() == before


def test_demoting_a_superuser_makes_them_an_ordinary_manager(office: Office) -> None:
    root = User.objects.create_superuser("root", "", PASSWORD)
    user_update(
        user=root,
        first_name="",
        last_name="",
        email="",
        role=Role.MANAGER,
        teams=[],
        actor=office.admin,
    )
    root = fresh(root)
    assert (root.role, root.is_superuser, root.is_staff) == ("manager", False, False)


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(office: Office) -> None:
    with pytest.raises(AccountRuleError, match="at least one active admin"):
        user_update(
            user=office.admin,
            first_name="Ada",
            last_name="Lovelace",
            email="",
            role=Role.MANAGER,
            teams=[],
            actor=office.admin,
        )
    with pytest.raises(AccountRuleError, match="at least one active admin"):
        user_deactivate(user=office.admin, actor=office.admin)
    admin = fresh(office.admin)
    assert (admin.role, admin.is_active) == ("admin", True)
    assert not AuditEntry.objects.filter(action__in=["user_update", "user_deactivate"]).exists()


def test_a_deactivated_admin_does_not_count_as_the_one_that_remains(office: Office) -> None:
    other = user_create(username="otto", password=None, role=Role.ADMIN)
    user_deactivate(user=other, actor=office.admin)
    with pytest.raises(AccountRuleError, match="at least one active admin"):
        user_deactivate(user=office.admin, actor=office.admin)


def test_an_admin_may_step_down_while_another_admin_remains(office: Office) -> None:
    user_create(username="otto", password=None, role=Role.ADMIN)
    user_update(
        user=office.admin,
        first_name="Ada",
        last_name="Lovelace",
        email="",
        role=Role.MANAGER,
        teams=[],
        actor=office.admin,
    )
    assert fresh(office.admin).role == Role.MANAGER


def test_deactivating_keeps_the_person_and_their_history_and_revokes_their_tokens(
    office: Office,
) -> None:
    api_token_create(user=office.collector, name="sheet", actor=office.collector)
    user_deactivate(user=office.collector, actor=office.admin, via="web")
    nina = fresh(office.collector)
    assert not nina.is_active
    assert TeamMembership.objects.filter(user=nina).exists()
    assert not ApiToken.objects.filter(user=nina, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="user_deactivate")
    assert entry.after == {"is_active": False, "tokens_revoked": 1}
    assert not Client().login(username="nina", password=PASSWORD)
    # Deactivating twice changes nothing and says nothing.
    user_deactivate(user=nina, actor=office.admin)
    assert AuditEntry.objects.filter(action="user_deactivate").count() == 1


def test_a_reactivated_person_logs_in_again(office: Office) -> None:
    user_deactivate(user=office.collector, actor=office.admin)
    user_reactivate(user=office.collector, actor=office.admin)
    assert fresh(office.collector).is_active
    assert Client().login(username="nina", password=PASSWORD)
    assert AuditEntry.objects.get(action="user_reactivate").after == {"is_active": True}


def test_a_reset_gives_a_temporary_password_that_no_audit_row_holds(office: Office) -> None:
    temporary = user_password_reset(user=office.collector, actor=office.admin, via="web")
    nina = fresh(office.collector)
    assert nina.check_password(temporary)
    assert not nina.check_password(PASSWORD)
    assert nina.must_change_password
    assert len(temporary.replace("-", "")) == 16
    entry = AuditEntry.objects.get(action="user_password_reset")
    assert entry.after == {"must_change_password": True}
    every_row = json.dumps(list(AuditEntry.objects.values("before", "after")))
    assert temporary not in every_row
    assert user_password_reset(user=office.collector, actor=office.admin) != temporary


def test_an_admin_resets_neither_their_own_password_nor_a_deactivated_persons(
    office: Office,
) -> None:
    with pytest.raises(AccountRuleError, match="your own password"):
        user_password_reset(user=office.admin, actor=office.admin)
    user_deactivate(user=office.viewer, actor=office.admin)
    with pytest.raises(AccountRuleError, match="reactivate them first"):
        user_password_reset(user=office.viewer, actor=office.admin)


@pytest.mark.parametrize("role", ["manager", "collector", "viewer"])
def test_only_an_admin_may_change_other_peoples_accounts(office: Office, role: str) -> None:
    actor = getattr(office, role)
    with pytest.raises(AccessDeniedError):
        user_deactivate(user=office.viewer if role != "viewer" else office.collector, actor=actor)
    with pytest.raises(AccessDeniedError):
        user_password_reset(user=office.admin, actor=actor)
    with pytest.raises(AccessDeniedError):
        user_update(
            user=actor,
            first_name="",
            last_name="",
            email="",
            role=Role.ADMIN,
            teams=[],
            actor=actor,
        )
    assert fresh(actor).role == role


# --- pages --------------------------------------------------------------------------------------


def test_the_users_page_shows_people_by_full_name_with_the_username_second(
    office: Office,
) -> None:
    body = client_for(office.admin).get(reverse("web:settings_users")).content.decode()
    assert '<strong>Nina Nordström</strong></a><br><span class="muted">nina</span>' in body
    assert reverse("web:settings_user", args=[office.collector.pk]) in body


@pytest.mark.parametrize("role", ["manager", "collector", "viewer"])
def test_only_admins_open_a_persons_page_or_change_them(office: Office, role: str) -> None:
    client = client_for(getattr(office, role))
    target = office.viewer if role != "viewer" else office.collector
    assert client.get(reverse("web:settings_user", args=[target.pk])).status_code == 403
    for name in (
        "web:settings_user",
        "web:settings_user_deactivate",
        "web:settings_user_password_reset",
    ):
        response = client.post(reverse(name, args=[target.pk]), {"role": "admin"})
        assert response.status_code == 403, name
    assert fresh(target).is_active
    assert not fresh(target).must_change_password


def test_an_admin_edits_a_person_on_their_page(office: Office) -> None:
    client = client_for(office.admin)
    page = client.get(reverse("web:settings_user", args=[office.collector.pk]))
    assert page.status_code == 200
    assert 'value="North"' not in page.content.decode()  # teams are offered by id
    response = client.post(
        reverse("web:settings_user", args=[office.collector.pk]),
        {
            "first_name": "Nina",
            "last_name": "Norberg",
            "email": "nina@example.org",
            "role": "collector",
            "teams": [office.north.pk, office.south.pk],
        },
        follow=True,
    )
    assert "Saved Nina Norberg." in response.content.decode()
    nina = fresh(office.collector)
    assert nina.last_name == "Norberg"
    assert sorted(nina.teams.values_list("name", flat=True)) == ["North", "South"]
    assert AuditEntry.objects.get(action="user_update").via == "web"


def test_the_page_refuses_to_demote_the_last_admin_and_says_why(office: Office) -> None:
    client = client_for(office.admin)
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "", "role": "viewer"}
    url = reverse("web:settings_user", args=[office.admin.pk])
    response = client.post(url, data)
    assert response.status_code == 422
    assert LAST_ADMIN_MESSAGE in response.content.decode()
    # htmx swaps only 2xx answers: the form comes back with its error as 200.
    fragment = client.post(url, data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert LAST_ADMIN_MESSAGE in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert fresh(office.admin).role == Role.ADMIN
    refused = client.post(
        reverse("web:settings_user_deactivate", args=[office.admin.pk]), follow=True
    )
    assert LAST_ADMIN_MESSAGE in refused.content.decode()
    assert fresh(office.admin).is_active


def test_an_admin_deactivates_and_reactivates_a_person_from_their_page(office: Office) -> None:
    client = client_for(office.admin)
    page = reverse("web:settings_user", args=[office.viewer.pk])
    response = client.post(reverse("web:settings_user_deactivate", args=[office.viewer.pk]))
    assert response.status_code == 302
    assert response["Location"] == page
    assert not fresh(office.viewer).is_active
    body = client.get(reverse("web:settings_users")).content.decode()
    assert "Deactivated" in body
    client.post(reverse("web:settings_user_reactivate", args=[office.viewer.pk]))
    assert fresh(office.viewer).is_active
    assert [e.action for e in AuditEntry.objects.filter(via="web").order_by("id")] == [
        "user_deactivate",
        "user_reactivate",
    ]


def test_a_reset_shows_the_temporary_password_once_and_never_again(office: Office) -> None:
    client = client_for(office.admin)
    response = client.post(reverse("web:settings_user_password_reset", args=[office.viewer.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    temporary = response.context["password"]
    assert temporary in response.content.decode()
    assert fresh(office.viewer).check_password(temporary)
    for url in (
        reverse("web:settings_user", args=[office.viewer.pk]),
        reverse("web:settings_users"),
    ):
        assert temporary not in client.get(url).content.decode()


# --- the forced password change -------------------------------------------------------------------


def test_after_a_reset_the_person_must_choose_a_new_password_before_anything_else(
    office: Office,
) -> None:
    temporary = user_password_reset(user=office.collector, actor=office.admin)
    nina = Client()
    landed = nina.post(
        reverse("web:login"), {"username": "nina", "password": temporary}, follow=True
    )
    assert landed.redirect_chain[-1][0] == reverse("web:password_change")
    assert "An admin reset your password" in landed.content.decode()
    for path in ("/", "/okrs/", reverse("web:settings_tokens")):
        held = nina.get(path)
        assert held.status_code == 302, path
        assert held["Location"] == reverse("web:password_change")
    api = nina.get("/api/okrs/cycles")
    assert api.status_code == 403
    assert "Choose a new password first" in api.json()["detail"]
    # Static files are not held (here they are not served at all: no redirect, a 404).
    assert nina.get("/static/recoup/recoup.css").status_code != 302

    same = nina.post(
        reverse("web:password_change"),
        {"old_password": temporary, "new_password1": temporary, "new_password2": temporary},
    )
    assert "different from the current one" in same.content.decode()
    assert fresh(office.collector).must_change_password

    changed = nina.post(
        reverse("web:password_change"),
        {
            "old_password": temporary,
            "new_password1": "my very own passphrase 77",
            "new_password2": "my very own passphrase 77",
        },
    )
    assert changed.status_code == 302
    assert changed["Location"] == reverse("web:dashboard")
    assert not fresh(office.collector).must_change_password
    assert fresh(office.collector).check_password("my very own passphrase 77")
    assert nina.get("/okrs/").status_code == 200  # still logged in, and free to go
    entry = AuditEntry.objects.get(action="user_password_change")
    assert (entry.actor, entry.before, entry.after) == (
        fresh(office.collector),
        {"must_change_password": True},
        {"must_change_password": False},
    )
    assert "my very own passphrase" not in json.dumps(entry.after)


def test_a_person_held_for_a_password_change_can_still_log_out(office: Office) -> None:
    temporary = user_password_reset(user=office.viewer, actor=office.admin)
    vera = Client()
    assert vera.login(username="vera", password=temporary)
    response = vera.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert vera.get("/").status_code == 302
    assert vera.get("/")["Location"].startswith(reverse("web:login"))


def test_a_reset_ends_the_persons_open_sessions(office: Office) -> None:
    vera = client_for(office.viewer)
    assert vera.get("/okrs/").status_code == 200
    user_password_reset(user=office.viewer, actor=office.admin)
    response = vera.get("/okrs/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
