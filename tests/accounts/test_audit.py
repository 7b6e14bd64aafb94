from __future__ import annotations

import pytest

from recoup.accounts.models import AuditEntry, Role
from recoup.accounts.services import team_create, team_member_add, user_create

pytestmark = pytest.mark.django_db


def test_creating_a_user_and_a_team_leaves_an_audit_trail() -> None:
    admin = user_create(username="ada", password="a-long-passphrase", role=Role.ADMIN)
    team = team_create(name="North", actor=admin)
    collector = user_create(username="cole", password=None, role=Role.COLLECTOR, actor=admin)
    team_member_add(team=team, user=collector, actor=admin)
    team_member_add(team=team, user=collector, actor=admin)  # already a member: no new entry

    actions = list(AuditEntry.objects.order_by("id").values_list("action", "object_type", "actor"))
    assert actions == [
        ("user_create", "user", None),
        ("team_create", "team", admin.pk),
        ("user_create", "user", admin.pk),
        ("team_member_add", "team", admin.pk),
    ]
    assert AuditEntry.objects.get(action="team_create").after == {"name": "North"}


def test_passwords_are_hashed_with_argon2_and_unset_ones_are_unusable() -> None:
    user = user_create(username="ada", password="a-long-passphrase", role=Role.MANAGER)
    assert user.password.startswith("argon2$")
    assert user.check_password("a-long-passphrase")
    collector = user_create(username="cole", password=None, role=Role.COLLECTOR)
    assert not collector.has_usable_password()


def test_admins_are_staff_and_others_are_not() -> None:
    assert user_create(username="a", password=None, role=Role.ADMIN).is_staff
    assert not user_create(username="v", password=None, role=Role.VIEWER).is_staff
