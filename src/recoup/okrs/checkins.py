"""Writers that put a check-in right after the fact: its author corrects or withdraws their latest
check-in. New check-ins are `services.checkin_create`; both write through `services.checkin_write`.

Nothing is deleted or rewritten: a correction is a new check-in that names the one it replaces,
and the replaced or withdrawn one gets `withdrawn_at`, so it stays in the history and in the audit
log while progress, status, the board, forecasts and the at-risk rule no longer count it
(docs/okrs.md, "Correcting a check-in").
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_check_in, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.okrs import selectors
from recoup.okrs.models import CheckIn, CheckInSource
from recoup.okrs.services import (
    checkin_lock,
    checkin_rules_check,
    checkin_write,
    previous_confidences,
)
from recoup.okrs.services.common import require_open

NOT_LATEST = (
    "Only the latest check-in can be corrected or withdrawn, and a later one has been made since: "
    "check in again instead."
)
NOT_THE_AUTHOR = "Only the person who made a check-in corrects or withdraws it."
AUTOMATIC = (
    "This is the KPI engine's weekly reading, not a person's: it is not corrected by hand. "
    "Check in with your confidence and a comment instead."
)


def _correctable(checkin: CheckIn, author: User) -> CheckIn:
    """`checkin` locked and re-read, after the rules every correction and withdrawal share."""
    checkin_lock(checkin.key_result)
    current = CheckIn.objects.select_related("key_result").get(pk=checkin.pk)
    require(
        can_check_in(author, current.key_result),
        f"key result {current.key_result.key!r}: checked in by its owner, its objective's owner, "
        "or a manager",
    )
    if current.source == CheckInSource.AUTOMATIC:
        raise RecoupError(AUTOMATIC)
    require(current.author_id == author.pk, NOT_THE_AUTHOR)
    latest = selectors.checkin_latest(key_result=current.key_result)
    if current.withdrawn_at is not None or latest is None or latest.pk != current.pk:
        raise RecoupError(NOT_LATEST)
    return current


@transaction.atomic
def checkin_correct(
    *,
    checkin: CheckIn,
    value: Decimal | None,
    confidence: str,
    comment: str,
    author: User,
    via: str = "",
) -> CheckIn:
    """Replace the author's latest check-in by a corrected one describing the same date."""
    old = _correctable(checkin, author)
    kr = old.key_result
    if value is None and kr.metric:
        # On a KPI-bound key result the number was the engine's: a correction without one keeps it.
        value = old.value
    checkin_rules_check(
        key_result=kr,
        value=value,
        confidence=confidence,
        author=author,
        previous=previous_confidences(kr, leaving_out=old),
    )
    CheckIn.objects.filter(pk=old.pk).update(withdrawn_at=timezone.now())
    return checkin_write(
        key_result=kr,
        value=value,
        confidence=confidence,
        comment=comment,
        data_date=old.data_date,
        author=author,
        via=via,
        corrects=old,
    )


@transaction.atomic
def checkin_withdraw(*, checkin: CheckIn, author: User, via: str = "") -> CheckIn:
    """Take back the author's latest check-in: it stays in the history, counted nowhere."""
    current = _correctable(checkin, author)
    require_open(current)
    current.withdrawn_at = timezone.now()
    CheckIn.objects.filter(pk=current.pk).update(withdrawn_at=current.withdrawn_at)
    audit_record(
        action="okr_checkin_withdraw",
        object_type="okr_key_result",
        object_id=current.key_result_id,
        before={
            "checkin": current.pk,
            "value": None if current.value is None else str(current.value),
            "confidence": current.confidence,
            "data_date": current.data_date.isoformat(),
        },
        after={"withdrawn": True},
        actor=author,
        via=via,
    )
    return current
