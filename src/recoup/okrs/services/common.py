"""What every OKR writer shares: the kinds that take numbers, and the one audited update (set the
changed fields, validate, save, write the audit row with before and after)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from recoup.accounts.access import can_change_okrs, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.okrs.models import (
    CheckIn,
    Cycle,
    Initiative,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveGrade,
    StatusOverride,
)

NUMERIC_KINDS = frozenset(
    {
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
        KeyResultKind.STAY_ABOVE,
        KeyResultKind.STAY_BELOW,
    }
)
CHECKED_IN_KINDS = NUMERIC_KINDS | {KeyResultKind.MILESTONE}


def plain(value: Any) -> Any:
    """`value` as the audit log keeps it (JSON)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def set_fields(
    obj: models.Model, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Assign changed fields; returns (before, after) of what changed, both JSON-ready."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        same = old == new
        if isinstance(old, Decimal) and isinstance(new, Decimal):
            same = old.compare_total(new) == 0 or old == new
        if not same:
            before[name] = plain(old)
            after[name] = plain(new)
            setattr(obj, name, new)
    return before, after


def validate(obj: models.Model) -> None:
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        details = "; ".join(
            f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in exc.message_dict.items()
        )
        raise RecoupError(f"{obj._meta.verbose_name}: {details}") from None


def cycle_of(obj: models.Model) -> int | None:
    """The id of the cycle an OKR row belongs to (None for rows outside any cycle)."""
    if isinstance(obj, Cycle):
        return obj.pk
    if isinstance(obj, Objective):
        return obj.cycle_id
    if isinstance(obj, KeyResult | ObjectiveGrade):
        objective_id = obj.objective_id
    elif isinstance(obj, Initiative | CheckIn | StatusOverride):
        found = KeyResult.objects.filter(pk=obj.key_result_id).values_list(
            "objective__cycle_id", flat=True
        )
        return next(iter(found), None)
    else:
        return None
    cycles = Objective.objects.filter(pk=objective_id).values_list("cycle_id", flat=True)
    return next(iter(cycles), None)


def require_open(obj: models.Model) -> None:
    """A closed cycle is read-only: its grades and retrospectives are the record of the quarter.
    Reads the stored cycle, so the write that closes it still goes through."""
    cycle_id = cycle_of(obj)
    if cycle_id is None:
        return
    closed = Cycle.objects.filter(pk=cycle_id, closed_at__isnull=False).values_list(
        "name", "closed_at"
    )
    for name, closed_at in closed:
        raise RecoupError(
            f"cycle {name!r} was closed on {closed_at:%Y-%m-%d}: its objectives, key results,"
            " initiatives and check-ins are read-only; carry what continues into the next cycle"
        )


def save(obj: models.Model) -> None:
    require_open(obj)
    validate(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise RecoupError(f"{obj._meta.verbose_name}: {exc}") from None


def require_planner(actor: User | None, what: str) -> None:
    # A person acts with the rights of their role; jobs and commands that name no one act as the
    # organisation. The interfaces ask the same predicates first, to answer before any work.
    require(actor is None or can_change_okrs(actor), f"{what} is for managers and admins")


def audited_create[M: models.Model](
    obj: M,
    *,
    action: str,
    object_type: str,
    after: Mapping[str, Any],
    actor: User | None,
    via: str,
    object_id: int | None = None,
) -> M:
    """Validate and save a new row, and write its audit row."""
    save(obj)
    audit_record(
        action=action,
        object_type=object_type,
        object_id=object_id if object_id is not None else obj.pk,
        after=dict(after),
        actor=actor,
        via=via,
    )
    return obj


def audited_update[M: models.Model](
    obj: M,
    values: Mapping[str, Any],
    *,
    action: str,
    object_type: str,
    actor: User | None,
    via: str,
    check: Callable[[M], None] | None = None,
    object_id: int | None = None,
) -> dict[str, Any]:
    """The one way an OKR row changes: set what differs, run `check` on the changed row,
    validate, save, and audit before and after. Nothing differs: nothing is written. Returns
    the changed fields' new values."""
    before, after = set_fields(obj, values)
    if after:
        if check is not None:
            check(obj)
        save(obj)
        audit_record(
            action=action,
            object_type=object_type,
            object_id=object_id if object_id is not None else obj.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return after
