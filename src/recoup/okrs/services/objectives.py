"""Objectives: created, changed, archived and restored by planners."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import Team, User
from recoup.core.errors import RecoupError
from recoup.okrs.models import Commitment, Cycle, Objective
from recoup.okrs.services.common import audited_create, audited_update, require_planner

OBJECTIVE_FIELDS = frozenset({"title", "description", "owner", "team", "parent", "commitment"})


@transaction.atomic
def objective_create(
    *,
    cycle: Cycle,
    key: str,
    title: str,
    description: str = "",
    owner: User | None = None,
    team: Team | None = None,
    parent: Objective | None = None,
    commitment: str = Commitment.COMMITTED,
    actor: User | None = None,
    via: str = "",
) -> Objective:
    require_planner(actor, f"creating objective {key!r}")
    if Objective.objects.filter(cycle=cycle, key=key).exists():
        raise RecoupError(f"objective {key!r} already exists in cycle {cycle.name}")
    objective = Objective(
        cycle=cycle,
        key=key,
        title=title,
        description=description,
        owner=owner,
        team=team,
        parent=parent,
        commitment=commitment,
        position=Objective.objects.filter(cycle=cycle).count(),
    )
    return audited_create(
        objective,
        action="okr_objective_create",
        object_type="okr_objective",
        after={"cycle": cycle.name, "key": key, "title": title},
        actor=actor,
        via=via,
    )


def _objective_is_ancestor(objective: Objective, candidate: Objective) -> bool:
    node: Objective | None = candidate
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == objective.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def objective_update(
    *, objective: Objective, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Objective:
    require_planner(actor, f"changing objective {objective.key!r}")
    unknown = set(changes) - OBJECTIVE_FIELDS
    if unknown:
        raise RecoupError(f"objective: cannot change {', '.join(sorted(unknown))}")
    parent = changes.get("parent")
    if parent is not None and _objective_is_ancestor(objective, parent):
        raise RecoupError(
            f"objective {objective.key!r}: aligning under {parent.key!r} makes a loop"
        )
    audited_update(
        objective,
        changes,
        action="okr_objective_update",
        object_type="okr_objective",
        actor=actor,
        via=via,
    )
    return objective


@transaction.atomic
def objective_archive(
    *, objective: Objective, restore: bool = False, actor: User | None = None, via: str = ""
) -> Objective:
    """Take an objective off the board and "My work" (or put it back). It stays in the history
    and the audit log; its key results get no more automatic check-ins while it is archived."""
    require_planner(actor, f"archiving objective {objective.key!r}")
    archived = objective.archived_at is not None
    if archived != restore:
        return objective
    audited_update(
        objective,
        {"archived_at": None if restore else timezone.now()},
        action="okr_objective_restore" if restore else "okr_objective_archive",
        object_type="okr_objective",
        actor=actor,
        via=via,
    )
    return objective
