"""The worklist's writers: a fit of the likelihood kept for the lists to score with, a
collector's daily call limit, accounts moved between collectors, and the segments' rules (all but
the fit audited)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from recoup.accounts.access import can_plan_collectors_work, require
from recoup.accounts.models import Role, TeamMembership, User
from recoup.accounts.names import person_name
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.core.money import currency_exponent
from recoup.ledger.models import Assignment, Customer
from recoup.worklist.features import ledger_facts_load
from recoup.worklist.likelihood import PAY, QUESTIONS, Likelihood, likelihood_fit
from recoup.worklist.models import (
    CollectorCapacity,
    CollectorTarget,
    FittedLikelihood,
    SegmentRule,
    TargetPeriod,
)
from recoup.worklist.scorecard import (
    Figure,
    ScorecardInputError,
    figure_info,
    figure_of,
    figure_unit,
)

logger = logging.getLogger(__name__)


class DailyCallsError(RecoupError, ValueError):
    pass


def likelihood_fit_now(*, today: date | None = None, question: str = PAY.key) -> FittedLikelihood:
    """Fits the likelihood of `question` on the whole ledger up to `today` and keeps it."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    fitted = likelihood_fit(ledger_facts_load(until=today), today, QUESTIONS[question])
    return FittedLikelihood.objects.create(
        question=question,
        trained_on=today,
        method=fitted.method,
        parameters=fitted.as_json(),
        seconds=round(time.perf_counter() - started, 3),
    )


# One fit at a time in a process: a fit reads the whole ledger (a minute at a million invoices).
_fitting = threading.Lock()


def _fit_in_background(today: date, question: str) -> None:
    try:
        likelihood_fit_now(today=today, question=question)
    except Exception:
        logger.exception("the worklist's likelihood could not be fitted")
    finally:
        _fitting.release()
        connection.close()  # the thread's own connection


def likelihood_current(
    *, today: date | None = None, background: bool = False, question: str = PAY.key
) -> Likelihood:
    """The kept fit of `question`. With none yet (or one of features this version no longer
    reads), one is fitted now. One older than `WORKLIST_REFIT_DAYS` (the ledger has moved on
    since) is fitted again: now, or with `background` (a page, the API) in a thread of this
    process while the older fit serves, so that no request waits."""
    today = today or timezone.localdate()
    latest = (
        FittedLikelihood.objects.filter(question=question).order_by("-trained_on", "-id").first()
    )
    if latest is None or not Likelihood.from_json(latest.parameters).fits():
        latest = likelihood_fit_now(today=today, question=question)
    elif latest.trained_on <= today - timedelta(days=settings.WORKLIST_REFIT_DAYS):
        if not background:
            latest = likelihood_fit_now(today=today, question=question)
        elif _fitting.acquire(blocking=False):
            threading.Thread(
                target=_fit_in_background,
                args=(today, question),
                name="worklist-fit",
                daemon=True,
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


class SegmentRuleError(RecoupError, ValueError):
    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


SEGMENT_LIMITS = (
    ("min_days_past_due", "max_days_past_due", "days past due"),
    ("min_balance_minor", "max_balance_minor", "balance"),
    ("min_likelihood", "max_likelihood", "likelihood"),
)


def _segment_state(rule: SegmentRule) -> dict[str, object]:
    return {
        "position": rule.position,
        "name": rule.name,
        "treatment": rule.treatment,
        **{f: getattr(rule, f) for low, high, _ in SEGMENT_LIMITS for f in (low, high)},
    }


@transaction.atomic
def segment_rule_save(
    *,
    actor: User | None,
    rule: SegmentRule | None,
    position: int,
    name: str,
    treatment: str,
    limits: dict[str, int | None],
    via: str = "",
) -> SegmentRule:
    """Adds a segment (`rule` None) or changes one; managers and admins decide them. A limit
    left None holds for every account; a low limit above its high one is refused."""
    require(
        actor is None or can_plan_collectors_work(actor),
        "only managers and admins change the segments",
    )
    name = name.strip()
    if not name:
        raise SegmentRuleError("give the segment a name", field="name")
    for low, high, words in SEGMENT_LIMITS:
        lo, hi = limits.get(low), limits.get(high)
        if lo is not None and hi is not None and lo > hi:
            raise SegmentRuleError(f"the lowest {words} is above the highest", field=low)
    before = _segment_state(rule) if rule is not None else None
    rule = rule or SegmentRule()
    rule.position, rule.name, rule.treatment = position, name, treatment
    for low, high, _ in SEGMENT_LIMITS:
        setattr(rule, low, limits.get(low))
        setattr(rule, high, limits.get(high))
    rule.full_clean()
    rule.save()
    _segments_renumber(first=rule)
    audit_record(
        action="worklist_segment_save",
        object_type="segment",
        object_id=rule.pk,
        before=before,
        after=_segment_state(rule),
        actor=actor,
        via=via,
    )
    return rule


def _segments_renumber(*, first: SegmentRule | None = None) -> None:
    """Numbers the rules 1, 2, 3… in their order; `first` goes before any other rule it shares
    its number with (a rule added or moved to 2 becomes the second, the old second the third)."""
    rules = sorted(
        SegmentRule.objects.all(),
        key=lambda r: (r.position, first is None or r.pk != first.pk, r.pk),
    )
    for position, rule in enumerate(rules, start=1):
        if rule.position != position:
            SegmentRule.objects.filter(pk=rule.pk).update(position=position)
            if first is not None and rule.pk == first.pk:
                first.position = position


@transaction.atomic
def segment_rule_delete(*, actor: User | None, rule: SegmentRule, via: str = "") -> None:
    require(
        actor is None or can_plan_collectors_work(actor),
        "only managers and admins change the segments",
    )
    before = _segment_state(rule)
    rule_id = rule.pk
    rule.delete()
    _segments_renumber()
    audit_record(
        action="worklist_segment_delete",
        object_type="segment",
        object_id=rule_id,
        before=before,
        after=None,
        actor=actor,
        via=via,
    )


class TargetError(RecoupError, ValueError):
    """A target that cannot be: the message starts with the field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# Large enough for any real target, small enough for the column and for a person to read.
TARGET_LIMIT = Decimal(10) ** 15


def _target_checked(figure: Figure, unit: str, target: Decimal) -> Decimal:
    if not target.is_finite() or target < 0:
        raise TargetError("target", f"{target}: give a number of 0 or more")
    if target >= TARGET_LIMIT:
        raise TargetError("target", f"{target}: give a number below {TARGET_LIMIT:,}")
    places = -target.normalize().as_tuple().exponent  # type: ignore[operator]
    if unit == "count" and places > 0:
        raise TargetError("target", f"{target}: {figure.label.lower()} are a whole number")
    if unit == "percent" and target > 100:
        raise TargetError("target", f"{target}: a rate is a percentage from 0 to 100")
    if unit == "money":
        exponent = currency_exponent(settings.BASE_CURRENCY)
        if places > exponent:
            raise TargetError(
                "target", f"{target}: {settings.BASE_CURRENCY} has {exponent} decimal places"
            )
    elif places > 2:
        raise TargetError("target", f"{target}: give at most 2 decimal places")
    return target


@transaction.atomic
def collector_target_set(
    *,
    collector: User | None,
    metric: str,
    measure: str = "",
    target: Decimal | None,
    period: str = "",
    actor: User | None,
    via: str = "",
) -> CollectorTarget | None:
    """Sets the scorecard's target for `metric` (or its `measure`) of `collector`, or of every
    collector without their own when `collector` is None; `target` None removes it. An amount
    (contacts, cash) is a target for a `period` (week, month or quarter; a month by default);
    a rate or a balance reads alike in any period and keeps none. Managers and admins set them."""
    require(
        actor is None or can_plan_collectors_work(actor),
        "only managers and admins set a collector's targets",
    )
    try:
        figure = figure_of(metric, measure)
        info = figure_info(figure)
    except ScorecardInputError as error:
        raise TargetError("metric", str(error)) from None
    if collector is not None and not (collector.is_active and collector.role == Role.COLLECTOR):
        raise TargetError("collector", f"{person_name(collector)} is not an active collector")
    if figure.per_period:
        period = period or TargetPeriod.MONTH
        if period not in TargetPeriod.values:
            raise TargetError(
                "period", f"{period!r}: expected one of {', '.join(TargetPeriod.values)}"
            )
    else:
        period = ""
    standing = (
        CollectorTarget.objects.select_for_update()
        .filter(collector=collector, metric=metric, measure=measure)
        .first()
    )
    who = person_name(collector) if collector is not None else "everyone"
    before = (
        {
            "collector": who,
            "figure": figure.label,
            "target": str(standing.target),
            "period": standing.period,
        }
        if standing is not None
        else None
    )
    kept: CollectorTarget | None = None
    if target is None:
        if standing is None:
            return None
        object_id = standing.pk
        standing.delete()
    else:
        target = _target_checked(figure, figure_unit(figure, info), target)
        if standing is None:
            kept = CollectorTarget.objects.create(
                collector=collector, metric=metric, measure=measure, target=target, period=period
            )
        else:
            standing.target, standing.period = target, period
            standing.save(update_fields=["target", "period", "updated_at"])
            kept = standing
        object_id = kept.pk
    audit_record(
        action="worklist_target_set",
        object_type="scorecard_target",
        object_id=object_id,
        before=before,
        after=None
        if kept is None
        else {"collector": who, "figure": figure.label, "target": str(target), "period": period},
        actor=actor,
        via=via,
    )
    return kept
