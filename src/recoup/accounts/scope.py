"""Who is asking, and which debtors they may see: one `Scope`, required by every reader of debtors.

A customer is in a scope's *book* on a day when the assignment standing on that day names one of
the scope's teams or one of its collectors. Admins and managers see the whole ledger; collectors
and viewers see the debtors assigned to their teams, to themselves, or to a teammate; inactive and
anonymous users see nothing. The ledger's readers (`recoup.ledger.selectors`) apply the rule with
the ORM and the KPI compiler (`recoup.metrics.compiler`) in SQL, both from the fields of one
`Scope`, so a collector's pages and numbers count the same debtors.

Jobs and commands that compute for the whole organisation say so with `Scope.organisation(...)`:
there is no default, so a reader that forgets its scope fails instead of showing everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from recoup.accounts.models import Role, Team, TeamMembership, User
from recoup.core.errors import AccessDeniedError

SEES_ALL_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class Scope:
    """The debtors a request may read: everything, or the book of some teams and collectors."""

    sees_all: bool
    team_ids: frozenset[int] = frozenset()
    collector_ids: frozenset[int] = frozenset()
    # Who asks: a user, or a job or command that names itself (audit and error messages).
    user_id: int | None = None
    asked_by: str = ""

    @classmethod
    def organisation(cls, asked_by: str) -> Scope:
        """The whole ledger, for a job or command that computes for everyone (not for a person)."""
        if not asked_by:
            raise ValueError("an organisation-wide scope must say who asks for it")
        return cls(sees_all=True, asked_by=asked_by)

    @classmethod
    def nothing(cls, asked_by: str = "nobody") -> Scope:
        return cls(sees_all=False, asked_by=asked_by)

    @property
    def is_empty(self) -> bool:
        return not self.sees_all and not self.team_ids and not self.collector_ids

    def cache_key(self) -> str:
        """A short text that differs between scopes that see different books."""
        if self.sees_all:
            return "all"
        teams = ",".join(str(i) for i in sorted(self.team_ids))
        collectors = ",".join(str(i) for i in sorted(self.collector_ids))
        return f"t{teams}|c{collectors}"


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The scope of a signed-in person (see the module docstring for the rule)."""
    if not (isinstance(user, User) and user.is_active):
        return Scope.nothing()
    if user.is_superuser or user.role in SEES_ALL_ROLES:
        return Scope(sees_all=True, user_id=user.pk, asked_by=user.username)
    team_ids = frozenset(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))
    teammates = TeamMembership.objects.filter(team_id__in=team_ids).values_list(
        "user_id", flat=True
    )
    return Scope(
        sees_all=False,
        team_ids=team_ids,
        collector_ids=frozenset({user.pk, *teammates}),
        user_id=user.pk,
        asked_by=user.username,
    )


def scope_team_names(scope: Scope) -> tuple[str, ...]:
    """The names of the teams `scope` may choose among (every team when it sees everything)."""
    teams = Team.objects.all() if scope.sees_all else Team.objects.filter(id__in=scope.team_ids)
    return tuple(teams.order_by("name").values_list("name", flat=True))


def scope_collector_names(scope: Scope) -> tuple[str, ...]:
    """The usernames of the active collectors `scope` may choose among: all, or its teams'."""
    collectors = User.objects.filter(role=Role.COLLECTOR, is_active=True)
    if not scope.sees_all:
        collectors = collectors.filter(id__in=scope.collector_ids)
    return tuple(collectors.order_by("username").values_list("username", flat=True).distinct())


class OutOfScopeError(AccessDeniedError):
    """A request names a team or collector outside what its scope may see."""


def scope_check_filters(scope: Scope, filters: Mapping[str, tuple[str, ...]]) -> None:
    """Refuses a team or collector filter reaching beyond `scope`. The KPI compiler narrows
    every number to the scope anyway; this says so instead of answering with empty numbers."""
    if scope.sees_all:
        return
    for dim, allowed in (("team", scope_team_names), ("collector", scope_collector_names)):
        wanted = filters.get(dim, ())
        if wanted:
            may = set(allowed(scope))
            outside = [v for v in wanted if v not in may]
            if outside:
                raise OutOfScopeError(f"{dim} {outside[0]!r} is not one you may see")
