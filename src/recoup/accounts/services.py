"""Writers for users, teams and the audit log. Every service elsewhere audits through `audit_record`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import AuditEntry, Role, Team, TeamMembership, User


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: User | None = None,
    via: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        via=via,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )


def audit_record_many(entries: Iterable[AuditEntry]) -> int:
    """Bulk audit rows for bulk writers (imports): same content as `audit_record`, one INSERT."""
    return len(AuditEntry.objects.bulk_create(entries, batch_size=2000))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    actor: User | None = None,
    via: str = "",
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_staff=role == Role.ADMIN or is_superuser,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(
        action="user_create",
        object_type="user",
        object_id=user.pk,
        after={"username": username, "role": role},
        actor=actor,
        via=via,
    )
    return user


@transaction.atomic
def team_create(*, name: str, actor: User | None = None, via: str = "") -> Team:
    team = Team(name=name)
    team.full_clean()
    team.save()
    audit_record(
        action="team_create",
        object_type="team",
        object_id=team.pk,
        after={"name": name},
        actor=actor,
        via=via,
    )
    return team


@transaction.atomic
def team_member_add(
    *, team: Team, user: User, is_lead: bool = False, actor: User | None = None, via: str = ""
) -> TeamMembership:
    membership, created = TeamMembership.objects.get_or_create(
        team=team, user=user, defaults={"is_lead": is_lead}
    )
    if created:
        audit_record(
            action="team_member_add",
            object_type="team",
            object_id=team.pk,
            after={"user": user.username, "is_lead": is_lead},
            actor=actor,
            via=via,
        )
    return membership
