"""Initiatives: planned by managers and admins, moved along by the people who work on them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_change_okrs, can_progress_initiative, require
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.okrs.models import Initiative, InitiativeStatus, KeyResult, Priority
from recoup.okrs.services.common import audited_create, audited_update, require_planner

INITIATIVE_FIELDS = frozenset({"title", "owner", "due_on", "status", "priority"})
# What someone who works on an initiative may change without planning rights.
INITIATIVE_PROGRESS_STATUSES = frozenset(
    {InitiativeStatus.TO_DO, InitiativeStatus.IN_PROGRESS, InitiativeStatus.DONE}
)


@transaction.atomic
def initiative_create(
    *,
    key_result: KeyResult,
    key: str,
    title: str,
    owner: User | None = None,
    due_on: date | None = None,
    status: str = InitiativeStatus.TO_DO,
    priority: str = Priority.MEDIUM,
    actor: User | None = None,
    via: str = "",
) -> Initiative:
    require_planner(actor, f"creating initiative {key!r}")
    if Initiative.objects.filter(key_result=key_result, key=key).exists():
        raise RecoupError(f"initiative {key!r} already exists under key result {key_result.key!r}")
    initiative = Initiative(
        key_result=key_result,
        key=key,
        title=title,
        owner=owner,
        due_on=due_on,
        status=status,
        priority=priority,
        position=Initiative.objects.filter(key_result=key_result).count(),
    )
    return audited_create(
        initiative,
        action="okr_initiative_create",
        object_type="okr_initiative",
        after={"key_result": key_result.key, "key": key, "title": title, "status": status},
        actor=actor,
        via=via,
    )


@transaction.atomic
def initiative_update(
    *, initiative: Initiative, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Initiative:
    if actor is not None and not can_change_okrs(actor):
        require(
            can_progress_initiative(actor, initiative)
            and set(changes) <= {"status"}
            and changes.get("status", initiative.status) in INITIATIVE_PROGRESS_STATUSES,
            f"initiative {initiative.key!r}: its owners move it along (to do, in"
            " progress, done); renaming, re-owning, re-dating or cancelling it is for managers"
            " and admins",
        )
    unknown = set(changes) - INITIATIVE_FIELDS
    if unknown:
        raise RecoupError(f"initiative: cannot change {', '.join(sorted(unknown))}")
    audited_update(
        initiative,
        changes,
        action="okr_initiative_update",
        object_type="okr_initiative",
        actor=actor,
        via=via,
    )
    return initiative


@transaction.atomic
def initiative_archive(
    *, initiative: Initiative, restore: bool = False, actor: User | None = None, via: str = ""
) -> Initiative:
    """Take an initiative off its key result's page and "My work" (or put it back); it stays
    in the audit log."""
    require_planner(actor, f"archiving initiative {initiative.key!r}")
    if (initiative.archived_at is not None) != restore:
        return initiative
    audited_update(
        initiative,
        {"archived_at": None if restore else timezone.now()},
        action="okr_initiative_restore" if restore else "okr_initiative_archive",
        object_type="okr_initiative",
        actor=actor,
        via=via,
    )
    return initiative
