"""Check-ins and status overrides. `checkin_write` is the one place a check-in row and its
audit row are written, for people (new and corrected check-ins) and for the weekly job."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_check_in, can_override_status, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.okrs import scoring
from recoup.okrs.models import (
    CheckIn,
    CheckInSource,
    Confidence,
    KeyResult,
    KeyResultKind,
    StatusOverride,
)
from recoup.okrs.services.common import (
    CHECKED_IN_KINDS,
    NUMERIC_KINDS,
    plain,
    require_open,
    save,
)


def previous_confidences(key_result: KeyResult, *, leaving_out: CheckIn | None = None) -> list[str]:
    from recoup.okrs import selectors

    return selectors.checkin_confidences(key_result=key_result, leaving_out=leaving_out)


def checkin_rules_check(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    author: User | None,
    previous: list[str],
) -> None:
    """What every manual check-in (new or a correction) must satisfy; `previous` is the
    confidences the at-risk rule reads, oldest first."""
    label = f"key result {key_result.key!r}"
    require(
        author is None or can_check_in(author, key_result),
        f"{label}: checked in by its owner, its objective's owner, or a manager",
    )
    if confidence not in Confidence.values:
        raise RecoupError(f"{label}: confidence must be one of {', '.join(Confidence.values)}")
    if key_result.kind not in CHECKED_IN_KINDS:
        raise RecoupError(
            f"{label}: a '{key_result.kind}' key result moves with its "
            f"{'initiatives' if key_result.kind == KeyResultKind.TASK_TRACKED else 'child key results'}"
            ", it takes no check-in values"
        )
    if value is None and key_result.kind in NUMERIC_KINDS and not key_result.metric:
        raise RecoupError(f"{label}: a check-in needs a value")
    if value is not None and key_result.kind == KeyResultKind.MILESTONE and value not in (0, 1):
        raise RecoupError(
            f"{label}: a milestone check-in is 1 (reached) or 0 (not yet), got {value}"
        )
    problem = scoring.at_risk_rule_violation(previous=previous, new=confidence)
    if problem:
        raise RecoupError(problem)


def checkin_lock(key_result: KeyResult) -> None:
    # Two people checking in (or correcting) at once must not both pass the at-risk rule.
    KeyResult.objects.select_for_update().filter(pk=key_result.pk).first()


def checkin_write(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    comment: str,
    data_date: date | None,
    author: User | None,
    via: str,
    corrects: CheckIn | None = None,
    source: str = CheckInSource.MANUAL,
    ledger_as_of: date | None = None,
) -> CheckIn:
    """The one place a check-in row and its audit row are written (after the checks). A
    duplicate automatic reading for the same date raises RecoupError and writes nothing."""
    now = timezone.now()
    if value is None and key_result.metric:
        # The person speaks to confidence; the number stays the KPI engine's latest reading.
        latest = (
            CheckIn.objects.counted()
            .filter(key_result=key_result, value__isnull=False)
            .order_by("-data_date", "-created_at", "-id")
            .first()
        )
        value = latest.value if latest else None
        data_date = data_date or (latest.data_date if latest else None)
    checkin = CheckIn(
        key_result=key_result,
        value=value,
        data_date=data_date or timezone.localdate(now),
        ledger_as_of=ledger_as_of,
        confidence=confidence,
        comment=comment,
        author=author,
        source=source,
        created_at=now,
        corrects=corrects,
    )
    save(checkin)
    after = {
        "value": plain(value),
        "confidence": confidence,
        "data_date": checkin.data_date.isoformat(),
        "source": source,
    }
    before = None
    if corrects is not None:
        after["corrects"] = corrects.pk
        before = {
            "value": plain(corrects.value),
            "confidence": corrects.confidence,
            "data_date": corrects.data_date.isoformat(),
        }
    audit_record(
        action="okr_checkin_correct" if corrects is not None else "okr_checkin_create",
        object_type="okr_key_result",
        object_id=key_result.pk,
        before=before,
        after=after,
        actor=author,
        via=via,
    )
    return checkin


@transaction.atomic
def checkin_create(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    confidence: str,
    comment: str = "",
    data_date: date | None = None,
    author: User | None = None,
    via: str = "",
) -> CheckIn:
    """A manual check-in. Its value is what the owner reports; KPI-bound key results are checked
    in by `checkin_auto_run` and a person adds confidence and comment through this function.
    Corrections and withdrawals are in `recoup.okrs.checkins`."""
    checkin_lock(key_result)
    checkin_rules_check(
        key_result=key_result,
        value=value,
        confidence=confidence,
        author=author,
        previous=previous_confidences(key_result),
    )
    return checkin_write(
        key_result=key_result,
        value=value,
        confidence=confidence,
        comment=comment,
        data_date=data_date,
        author=author,
        via=via,
    )


@transaction.atomic
def status_override_set(
    *, key_result: KeyResult, status: str, reason: str, author: User | None = None, via: str = ""
) -> StatusOverride:
    require(
        author is None or can_override_status(author),
        "status override: only managers and admins override a status",
    )
    if status not in Confidence.values:
        raise RecoupError(f"status override: status must be one of {', '.join(Confidence.values)}")
    if not reason.strip():
        raise RecoupError("status override: a reason is required")
    now = timezone.now()
    StatusOverride.objects.filter(key_result=key_result, cleared_at__isnull=True).update(
        cleared_at=now
    )
    override = StatusOverride(
        key_result=key_result, status=status, reason=reason.strip(), author=author, created_at=now
    )
    save(override)
    audit_record(
        action="okr_status_override_set",
        object_type="okr_key_result",
        object_id=key_result.pk,
        after={"status": status, "reason": reason.strip()},
        actor=author,
        via=via,
    )
    return override


@transaction.atomic
def status_override_clear(
    *, key_result: KeyResult, author: User | None = None, via: str = ""
) -> int:
    require(
        author is None or can_override_status(author),
        "status override: only managers and admins clear an override",
    )
    require_open(key_result)
    cleared = StatusOverride.objects.filter(key_result=key_result, cleared_at__isnull=True).update(
        cleared_at=timezone.now()
    )
    if cleared:
        audit_record(
            action="okr_status_override_clear",
            object_type="okr_key_result",
            object_id=key_result.pk,
            actor=author,
            via=via,
        )
    return cleared
