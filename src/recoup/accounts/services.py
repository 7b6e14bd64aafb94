"""Writers for users, teams, personal tokens and the audit log. Every service elsewhere audits
through `audit_record`.

People are never deleted: they are deactivated, so what they did keeps a name. Passwords and
token secrets never reach an audit row; a token's secret is returned once, to be shown once, and
only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from recoup.accounts.access import can_manage_users, require
from recoup.accounts.models import (
    ApiToken,
    AuditEntry,
    DecimalMark,
    Role,
    Team,
    TeamMembership,
    TokenKind,
    User,
)
from recoup.core.errors import RecoupError


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


@transaction.atomic
def team_member_remove(*, team: Team, user: User, actor: User | None = None, via: str = "") -> bool:
    """Takes `user` out of `team`; False when they were not in it (nothing is written then)."""
    membership = TeamMembership.objects.filter(team=team, user=user).first()
    if membership is None:
        return False
    membership.delete()
    audit_record(
        action="team_member_remove",
        object_type="team",
        object_id=team.pk,
        before={"user": user.username, "is_lead": membership.is_lead},
        actor=actor,
        via=via,
    )
    return True


# --- people -------------------------------------------------------------------------------------


class AccountRuleError(RecoupError):
    """A change to a person that the organisation's rules refuse (the message says which)."""


LAST_ADMIN_MESSAGE = "Refused: at least one active admin must remain."

_ADMIN = Q(role=Role.ADMIN) | Q(is_superuser=True)


def _may_manage(actor: User | None) -> None:
    # Commands and jobs act without an actor; a person must hold the rule.
    if actor is not None:
        require(can_manage_users(actor), "Only admins change other people's accounts.")


def _may_manage_tokens_of(actor: User | None, user: User) -> None:
    if actor is not None and actor.pk != user.pk:
        require(can_manage_users(actor), "Only the owner or an admin handles a person's tokens.")


def _is_admin(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def _another_admin_remains(user: User) -> None:
    # The rows of every active admin are locked, so two admins demoting each other at the same
    # moment queue here and the second one sees that the first is gone (PostgreSQL re-checks
    # locked rows against the filter; SQLite takes its write lock at BEGIN).
    others = list(
        User.objects.select_for_update()
        .filter(_ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .values_list("pk", flat=True)
    )
    if not others:
        raise AccountRuleError(LAST_ADMIN_MESSAGE)


def _team_names(user: User) -> list[str]:
    return sorted(TeamMembership.objects.filter(user=user).values_list("team__name", flat=True))


@transaction.atomic
def user_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    role: Role,
    teams: Collection[Team],
    decimal_mark: str | None = None,
    actor: User | None = None,
    via: str = "",
) -> User:
    """Changes a person's name, e-mail, role, teams and (when given) decimal mark; one audit row
    holds what changed.

    Demoting the last active admin is refused. Demotion is real: a superuser made a manager is no
    longer a superuser (the role is what Recoup and the admin both go by).
    """
    _may_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if _is_admin(user) and role != Role.ADMIN:
        _another_admin_remains(user)
    before: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "teams": _team_names(user),
        "decimal_mark": user.decimal_mark,
    }
    user.first_name, user.last_name, user.email, user.role = first_name, last_name, email, role
    if decimal_mark is not None:
        user.decimal_mark = _decimal_mark(decimal_mark)
    if role != Role.ADMIN:
        user.is_superuser = False
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.full_clean()
    user.save()

    wanted = {team.pk: team for team in teams}
    current = {
        m.team_id: m.team for m in TeamMembership.objects.filter(user=user).select_related("team")
    }
    for team_id, team in current.items():
        if team_id not in wanted:
            team_member_remove(team=team, user=user, actor=actor, via=via)
    for team_id, team in wanted.items():
        if team_id not in current:
            team_member_add(team=team, user=user, actor=actor, via=via)

    after: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "teams": _team_names(user),
        "decimal_mark": user.decimal_mark,
    }
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        audit_record(
            action="user_update",
            object_type="user",
            object_id=user.pk,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
            actor=actor,
            via=via,
        )
    return user


def _decimal_mark(value: str) -> DecimalMark:
    if value not in DecimalMark.values:
        raise AccountRuleError(f"{value!r} is not a decimal mark: choose a point or a comma.")
    return DecimalMark(value)


@transaction.atomic
def user_decimal_mark_set(
    *, user: User, decimal_mark: str, actor: User | None = None, via: str = ""
) -> User:
    """A person's own setting (or an admin's change to it): how they write a number's fraction."""
    if actor is not None and actor.pk != user.pk:
        require(can_manage_users(actor), "Only the person or an admin changes their settings.")
    mark = _decimal_mark(decimal_mark)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.decimal_mark != mark:
        audit_record(
            action="user_update",
            object_type="user",
            object_id=user.pk,
            before={"decimal_mark": user.decimal_mark},
            after={"decimal_mark": mark.value},
            actor=actor,
            via=via,
        )
        user.decimal_mark = mark
        user.save(update_fields=["decimal_mark"])
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None, via: str = "") -> User:
    """Stops a person from logging in or using their tokens; their history stays.

    Their tokens and calendar address are revoked too, so reactivating them later does not
    silently revive an integration nobody remembers. The last active admin is never deactivated.
    """
    _may_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    if _is_admin(user):
        _another_admin_remains(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        action="user_deactivate",
        object_type="user",
        object_id=user.pk,
        before={"is_active": True},
        after={"is_active": False, "tokens_revoked": revoked},
        actor=actor,
        via=via,
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None = None, via: str = "") -> User:
    _may_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        action="user_reactivate",
        object_type="user",
        object_id=user.pk,
        before={"is_active": False},
        after={"is_active": True},
        actor=actor,
        via=via,
    )
    return user


# No 0/O, 1/l/i: the admin reads the temporary password out or types it into a message.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def _temporary_password() -> str:
    # 16 characters from 31: about 79 bits, in four groups of four to read out.
    chars = "".join(secrets.choice(_READABLE) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def user_password_reset(*, user: User, actor: User | None = None, via: str = "") -> str:
    """Gives `user` a random temporary password and returns it, to be shown once.

    They must choose their own at their next log-in. Their open sessions end (Django ties a
    session to the password hash). An admin changes their own password on the password page.
    """
    _may_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk:
        raise AccountRuleError("Change your own password on the password page, not by a reset.")
    if not user.is_active:
        raise AccountRuleError(f"{user.username} is deactivated: reactivate them first.")
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        action="user_password_reset",
        object_type="user",
        object_id=user.pk,
        after={"must_change_password": True},
        actor=actor,
        via=via,
    )
    return password


@transaction.atomic
def user_password_change(*, user: User, password: str, via: str = "") -> User:
    """A person sets their own password (validated by the form); it ends a forced change."""
    user = User.objects.select_for_update().get(pk=user.pk)
    was_forced = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        action="user_password_change",
        object_type="user",
        object_id=user.pk,
        before={"must_change_password": was_forced},
        after={"must_change_password": False},
        actor=user,
        via=via,
    )
    return user


# --- personal tokens ----------------------------------------------------------------------------

# A recognisable start lets secret scanners and people tell a Recoup secret from others.
TOKEN_PREFIXES = {TokenKind.API: "rcp_", TokenKind.CALENDAR: "rcpcal_"}
_SHOWN_CHARACTERS = 8
# A used token's "last used" is written at most this often: reads must not queue for the
# database's write lock on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its secret: the secret exists only here, to be shown once."""

    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    # A plain hash is enough: the secret is 256 random bits, not a password a person chose.
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_issue(
    *, user: User, kind: TokenKind, name: str, expires_at: datetime | None
) -> IssuedToken:
    secret = TOKEN_PREFIXES[kind] + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        kind=kind,
        name=name,
        prefix=secret[: len(TOKEN_PREFIXES[kind]) + _SHOWN_CHARACTERS],
        digest=token_digest(secret),
        created_at=timezone.now(),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=secret)


def _token_audit(action: str, token: ApiToken, actor: User | None, via: str) -> None:
    audit_record(
        action=action,
        object_type="api_token",
        object_id=token.pk,
        after={
            "user": token.user.username,
            "kind": token.kind,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
        actor=actor,
        via=via,
    )


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    actor: User | None = None,
    via: str = "",
) -> IssuedToken:
    """A personal API token acting as `user` (their role and scope); the secret is returned once."""
    _may_manage_tokens_of(actor, user)
    name = name.strip()
    if not name:
        raise AccountRuleError("Name the token after what will use it.")
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountRuleError("The expiry must be in the future.")
    if not user.is_active:
        raise AccountRuleError(f"{user.username} is deactivated.")
    issued = _token_issue(user=user, kind=TokenKind.API, name=name, expires_at=expires_at)
    _token_audit("api_token_create", issued.token, actor, via)
    return issued


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None, via: str = "") -> ApiToken:
    """Stops a token (API or calendar) for good; it stays listed as revoked."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    _may_manage_tokens_of(actor, token.user)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _token_audit("api_token_revoke", token, actor, via)
    return token


@transaction.atomic
def calendar_address_reset(*, user: User, actor: User | None = None, via: str = "") -> IssuedToken:
    """Revokes `user`'s calendar address, if any, and makes a new one; its secret is returned once."""
    _may_manage_tokens_of(actor, user)
    # Two resets at once queue on the person's row, so the second revokes the first one's new
    # address instead of colliding with it on "one calendar address per person".
    User.objects.select_for_update().filter(pk=user.pk).first()
    for old in ApiToken.objects.filter(user=user, kind=TokenKind.CALENDAR, revoked_at__isnull=True):
        api_token_revoke(token=old, actor=actor, via=via)
    issued = _token_issue(
        user=user, kind=TokenKind.CALENDAR, name="Calendar address", expires_at=None
    )
    _token_audit("calendar_address_create", issued.token, actor, via)
    return issued


def api_token_use(*, secret: str, kind: TokenKind) -> User | None:
    """The active owner of a live token of `kind` with this secret, or None.

    None for an unknown, revoked or expired secret and for a deactivated owner. Using a token
    stamps its "last used" time; that is bookkeeping, not a change anyone made, so no audit row.
    """
    prefix = TOKEN_PREFIXES[kind]
    if not secret.startswith(prefix) or len(secret) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), kind=kind, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is None or token.last_used_at < stale:
        # Conditional UPDATE: concurrent requests write the stamp once, and only once a minute.
        # Asked first of the row just read: an UPDATE, even of no row, queues for the write
        # lock behind an import's merge, on every API read.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
    return token.user
