"""The worklist's writers: a fit of the likelihood kept for the lists to score with, and a
collector's daily call limit (audited)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_override_contact_rules, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.worklist.features import ledger_facts_load
from recoup.worklist.likelihood import Likelihood, likelihood_fit
from recoup.worklist.models import CollectorCapacity, FittedLikelihood


class DailyCallsError(RecoupError, ValueError):
    pass


def likelihood_fit_now(*, today: date | None = None) -> FittedLikelihood:
    """Fits the likelihood on the whole ledger up to `today` and keeps it."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    fitted = likelihood_fit(ledger_facts_load(until=today), today)
    return FittedLikelihood.objects.create(
        trained_on=today,
        method=fitted.method,
        parameters=fitted.as_json(),
        seconds=round(time.perf_counter() - started, 3),
    )


def likelihood_current(*, today: date | None = None) -> Likelihood:
    """The kept fit, fitted again first when there is none or it is older than
    `WORKLIST_REFIT_DAYS` (the ledger has moved on since)."""
    today = today or timezone.localdate()
    latest = FittedLikelihood.objects.order_by("-trained_on", "-id").first()
    stale = latest is None or latest.trained_on <= today - timedelta(
        days=settings.WORKLIST_REFIT_DAYS
    )
    if stale or latest is None:
        latest = likelihood_fit_now(today=today)
    return Likelihood.from_json(latest.parameters)


@transaction.atomic
def collector_daily_calls_set(
    *, collector: User, daily_calls: int, actor: User | None, via: str = ""
) -> CollectorCapacity:
    """Sets how many calls `collector` makes in a day; managers and admins decide it."""
    require(
        actor is None or can_override_contact_rules(actor),
        "only managers and admins set a collector's daily calls",
    )
    if not 1 <= daily_calls <= 1000:
        raise DailyCallsError(f"daily calls {daily_calls}: give a whole number from 1 to 1000")
    before = CollectorCapacity.objects.filter(collector=collector).first()
    capacity, _ = CollectorCapacity.objects.update_or_create(
        collector=collector, defaults={"daily_calls": daily_calls}
    )
    audit_record(
        action="collector_daily_calls_set",
        object_type="user",
        object_id=collector.pk,
        before={"daily_calls": before.daily_calls} if before else None,
        after={"daily_calls": daily_calls},
        actor=actor,
        via=via,
    )
    return capacity
