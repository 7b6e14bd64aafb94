"""The worklist's writers: a fit of the likelihood kept for the lists to score with, a
collector's daily call limit, and accounts moved between collectors (both audited)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from recoup.accounts.access import can_plan_collectors_work, require
from recoup.accounts.models import Role, TeamMembership, User
from recoup.accounts.names import person_name
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.ledger.models import Assignment, Customer
from recoup.worklist.features import ledger_facts_load
from recoup.worklist.likelihood import Likelihood, likelihood_fit
from recoup.worklist.models import CollectorCapacity, FittedLikelihood

logger = logging.getLogger(__name__)


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


# One fit at a time in a process: a fit reads the whole ledger (a minute at a million invoices).
_fitting = threading.Lock()


def _fit_in_background(today: date) -> None:
    try:
        likelihood_fit_now(today=today)
    except Exception:
        logger.exception("the worklist's likelihood could not be fitted")
    finally:
        _fitting.release()
        connection.close()  # the thread's own connection


def likelihood_current(*, today: date | None = None, background: bool = False) -> Likelihood:
    """The kept fit. With none yet, one is fitted now. One older than `WORKLIST_REFIT_DAYS`
    (the ledger has moved on since) is fitted again: now, or with `background` (a page, the
    API) in a thread of this process while the older fit serves, so that no request waits."""
    today = today or timezone.localdate()
    latest = FittedLikelihood.objects.order_by("-trained_on", "-id").first()
    if latest is None:
        latest = likelihood_fit_now(today=today)
    elif latest.trained_on <= today - timedelta(days=settings.WORKLIST_REFIT_DAYS):
        if not background:
            latest = likelihood_fit_now(today=today)
        elif _fitting.acquire(blocking=False):
            threading.Thread(
                target=_fit_in_background, args=(today,), name="worklist-fit", daemon=True
            ).start()
    return Likelihood.from_json(latest.parameters)


@transaction.atomic
def collector_daily_calls_set(
    *, collector: User, daily_calls: int, actor: User | None, via: str = ""
) -> CollectorCapacity:
    """Sets how many calls `collector` makes in a day; managers and admins decide it."""
    require(
        actor is None or can_plan_collectors_work(actor),
        "only managers and admins set a collector's daily calls",
    )
    if not 1 <= daily_calls <= 1000:
        raise DailyCallsError(f"daily calls {daily_calls}: give a whole number from 1 to 1000")
    before = CollectorCapacity.objects.filter(collector=collector).first()
    capacity, _ = CollectorCapacity.objects.update_or_create(
        collector=collector, defaults={"daily_calls": daily_calls}
    )
    audit_record(
        action="worklist_daily_calls_set",
        object_type="user",
        object_id=collector.pk,
        before={"daily_calls": before.daily_calls} if before else None,
        after={"daily_calls": daily_calls},
        actor=actor,
        via=via,
    )
    return capacity


class AccountMoveError(RecoupError, ValueError):
    pass


@transaction.atomic
def accounts_move(
    *,
    customers: Sequence[Customer],
    to: User,
    actor: User | None,
    on: date | None = None,
    via: str = "",
) -> int:
    """Moves `customers` to collector `to` from day `on` (today by default): the assignment that
    stood closes the day before and a new one opens, so that KPIs by collector keep the history.
    The account stays with the team it was with, unless `to` works in none of that team.
    Returns how many moved (an account already with `to` does not)."""
    require(
        actor is None or can_plan_collectors_work(actor),
        "only managers and admins move accounts between collectors",
    )
    if not (to.is_active and to.role == Role.COLLECTOR):
        raise AccountMoveError(f"{person_name(to)} is not an active collector")
    on = on or timezone.localdate()
    teams = set(TeamMembership.objects.filter(user=to).values_list("team_id", flat=True))
    moved = 0
    for customer in customers:
        standing = (
            Assignment.objects.select_for_update()
            .filter(customer=customer, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .order_by("-valid_from")
            .first()
        )
        if standing is not None and standing.collector_id == to.pk:
            continue
        before = standing.collector if standing is not None else None
        team_id = standing.team_id if standing is not None else None
        if team_id is None or team_id not in teams:
            team_id = min(teams) if teams else team_id
        if standing is not None and standing.valid_from == on:
            standing.collector, standing.team_id = to, team_id
            standing.save(update_fields=["collector", "team", "updated_at"])
        else:
            ends = standing.valid_to if standing is not None else None
            if standing is not None:
                standing.valid_to = on
                standing.save(update_fields=["valid_to", "updated_at"])
            Assignment.objects.create(
                customer=customer, collector=to, team_id=team_id, valid_from=on, valid_to=ends
            )
        audit_record(
            action="worklist_account_move",
            object_type="customer",
            object_id=customer.pk,
            before={"collector": person_name(before)} if before else None,
            after={"collector": person_name(to), "from": on.isoformat()},
            actor=actor,
            via=via,
        )
        moved += 1
    return moved
