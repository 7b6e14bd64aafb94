"""Readers of the audit trail, scoped to who is reading.

Admins read every entry. A manager reads the entries made by the people of their teams and by
themselves: what their team did, not what the organisation's admins or other teams did, and not
the entries of commands and jobs that acted without a person. Everyone else reads nothing
(`recoup.accounts.access.can_read_audit` keeps them off the page; these readers hold anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from recoup.accounts.access import can_read_all_audit, can_read_audit
from recoup.accounts.models import AuditEntry, TeamMembership, User

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the reader narrowed the trail to; empty fields narrow nothing.

    `person` is a user id; `without_person` keeps only the entries of commands and jobs.
    `since` is inclusive and `until` exclusive, both timezone-aware.
    """

    person: int | None = None
    without_person: bool = False
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditReach:
    """Whose entries a reader may read: everyone's (`authors` is None) or some people's."""

    authors: frozenset[int] | None

    @property
    def sees_everyone(self) -> bool:
        return self.authors is None


def audit_reach(user: AnyUser) -> AuditReach:
    """What `user` may read of the trail (see the module docstring for the rule)."""
    if can_read_all_audit(user):
        return AuditReach(None)
    if not can_read_audit(user) or not isinstance(user, User):
        return AuditReach(frozenset())
    teams = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
    members = TeamMembership.objects.filter(team_id__in=teams).values_list("user_id", flat=True)
    return AuditReach(frozenset({user.pk, *members}))


def _visible(reach: AuditReach) -> QuerySet[AuditEntry]:
    if reach.authors is None:
        return AuditEntry.objects.all()
    if not reach.authors:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(actor_id__in=reach.authors)


def audit_entries(reach: AuditReach, *, narrowed: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries within `reach`, narrowed by `narrowed`, newest first, with their actors."""
    entries = _visible(reach)
    if narrowed.person is not None:
        entries = entries.filter(actor_id=narrowed.person)
    if narrowed.without_person:
        entries = entries.filter(actor__isnull=True)
    if narrowed.object_type:
        entries = entries.filter(object_type=narrowed.object_type)
    if narrowed.since is not None:
        entries = entries.filter(at__gte=narrowed.since)
    if narrowed.until is not None:
        entries = entries.filter(at__lt=narrowed.until)
    return entries.select_related("actor").order_by("-at", "-id")


def audit_people(reach: AuditReach) -> list[User]:
    """The people a reader may narrow the trail to, by name: everyone for admins, a manager's
    team-mates and themselves."""
    people = (
        User.objects.all() if reach.authors is None else User.objects.filter(pk__in=reach.authors)
    )
    return list(people.order_by("first_name", "last_name", "username"))


def audit_object_types(reach: AuditReach) -> list[str]:
    """The kinds of item that the entries within `reach` are about."""
    types = _visible(reach).order_by().values_list("object_type", flat=True).distinct()
    return sorted(types)
