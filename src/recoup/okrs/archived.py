"""What was archived in a cycle, for the board's "Archived" list where planners restore it.
Read-only, like `selectors`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recoup.okrs.models import Cycle, Initiative, KeyResult, Objective


@dataclass(frozen=True, slots=True)
class ArchivedItem:
    id: int
    kind: str  # "objective", "key result" or "initiative": also the restore route's choice
    title: str
    within: str  # the objective or key result it belonged to, "" for an objective
    archived_at: datetime


def archived_in(*, cycle: Cycle) -> list[ArchivedItem]:
    """Archived objectives, key results and initiatives of `cycle`, latest first. A key result
    under an archived objective is not listed apart: restoring the objective brings it back."""
    items = [
        ArchivedItem(o.pk, "objective", o.title, "", o.archived_at)
        for o in Objective.objects.filter(cycle=cycle, archived_at__isnull=False)
        if o.archived_at is not None
    ]
    items += [
        ArchivedItem(k.pk, "key result", k.title, k.objective.title, k.archived_at)
        for k in KeyResult.objects.filter(
            objective__cycle=cycle, archived_at__isnull=False, objective__archived_at__isnull=True
        ).select_related("objective")
        if k.archived_at is not None
    ]
    items += [
        ArchivedItem(i.pk, "initiative", i.title, i.key_result.title, i.archived_at)
        for i in Initiative.objects.filter(
            key_result__objective__cycle=cycle,
            archived_at__isnull=False,
            key_result__archived_at__isnull=True,
            key_result__objective__archived_at__isnull=True,
        ).select_related("key_result")
        if i.archived_at is not None
    ]
    return sorted(items, key=lambda item: item.archived_at, reverse=True)
