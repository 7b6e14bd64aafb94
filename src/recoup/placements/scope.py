"""Whose accounts a person places: admins (and jobs and commands, which act for the
organisation) every debtor; a manager the debtors their own teams work (assigned to one of
their teams or to one of its members); nobody else any. A manager in no team places nothing."""

from __future__ import annotations

from recoup.accounts.access import can_place_accounts, role_of
from recoup.accounts.models import Role, TeamMembership, User
from recoup.accounts.scope import Scope


def placing_scope(user: User | None) -> Scope:
    if user is None:
        return Scope.organisation("placements")
    if not can_place_accounts(user):
        return Scope.nothing(user.username)
    if role_of(user) == Role.ADMIN:
        return Scope(sees_all=True, user_id=user.pk, asked_by=user.username)
    teams = frozenset(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))
    members = TeamMembership.objects.filter(team_id__in=teams).values_list("user_id", flat=True)
    return Scope(
        sees_all=False,
        team_ids=teams,
        collector_ids=frozenset(members) if teams else frozenset(),
        user_id=user.pk,
        asked_by=user.username,
    )
