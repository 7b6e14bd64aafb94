"""Promises and payment plans judged by the payments that arrived, and the flags that follow.

The rule is the `promise_kept_rate` KPI's, so the workspace and the number agree: a promise is
kept when the customer's payments in its currency, received from the day it was made to its date
plus the grace days (`promise_kept_rate.grace_days`, Settings → KPI variants), reach its amount.
Past that window it is partly kept (something was paid) or broken (nothing was). Before the
window ends and short of the amount, it is pending. Payments are not earmarked: every payment in
the window counts toward each promise open in it, as the KPI counts them.

An instalment is judged by the payments toward its plan: those received from the day the plan
was agreed, applied to the instalments oldest first. Instalment k is kept when the payments by
its date plus grace cover instalments 1..k; past that window it is partly kept or missed
(broken). A plan whose instalments are all kept is completed; one with a missed or partly kept
instalment is broken.

A broken or partly kept promise and a missed instalment raise a flag on the account (one per
promise or instalment); a later judgement that finds it kept (a payment imported late, dated in
the window) clears it. Only windows that ended within `FLAG_LOOKBACK_DAYS` raise flags: a promise
broken years ago in an imported history asks for no follow-up today.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from recoup.accounts.services import audit_record
from recoup.core.money import Money
from recoup.ledger.models import (
    Instalment,
    Payment,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)
from recoup.workspace.models import (
    AccountFlag,
    FlagReason,
    InstalmentOutcome,
    Judgement,
    PromiseOutcome,
)
from recoup.workspace.policy import promise_grace_days

FLAG_LOOKBACK_DAYS = 30
CUSTOMERS_PER_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Verdict:
    judgement: Judgement
    paid_minor: int


def judge(*, amount: int, paid_in_window: int, window_end: date, today: date) -> Judgement:
    """The outcome of an amount due by `window_end` (its date plus grace), `paid_in_window` paid
    toward it by min(window_end, today)."""
    if paid_in_window >= amount:
        return Judgement.KEPT
    if today <= window_end:
        return Judgement.PENDING
    return Judgement.PARTLY_KEPT if paid_in_window > 0 else Judgement.BROKEN


class Receipts:
    """One customer's payments in one currency, by date, summed over any range of days."""

    def __init__(self, rows: Iterable[tuple[date, int]]) -> None:
        ordered = sorted(rows)
        self.days = [day for day, _ in ordered]
        self.running = list(itertools.accumulate(amount for _, amount in ordered))

    def _upto(self, day: date) -> int:
        i = bisect_right(self.days, day)
        return self.running[i - 1] if i else 0

    def between(self, first: date, last: date) -> int:
        if last < first:
            return 0
        return self._upto(last) - self._upto(first - timedelta(days=1))


NO_RECEIPTS = Receipts(())


@dataclass(slots=True)
class JudgementReport:
    promises: int = 0
    instalments: int = 0
    changed: int = 0
    flags_raised: int = 0
    flags_cleared: int = 0
    by_judgement: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "promises": self.promises,
            "instalments": self.instalments,
            "changed": self.changed,
            "flags_raised": self.flags_raised,
            "flags_cleared": self.flags_cleared,
            "judgements": dict(sorted(self.by_judgement.items())),
        }


def _receipts(customer_ids: Collection[int], today: date) -> dict[tuple[int, str], Receipts]:
    rows: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
    for customer_id, currency, day, amount in Payment.objects.filter(
        customer_id__in=customer_ids, received_on__lte=today
    ).values_list("customer_id", "currency", "received_on", "amount_minor"):
        rows[(customer_id, currency)].append((day, amount))
    return {key: Receipts(found) for key, found in rows.items()}


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CUSTOMERS_PER_CHUNK):
        yield ids[start : start + CUSTOMERS_PER_CHUNK]


class _Flags:
    """Raises and clears the flags of one chunk: the open flags are read once, new ones are
    written in one statement (`flush`)."""

    def __init__(self, today: date, report: JudgementReport) -> None:
        self.today = today
        self.report = report
        self.open: dict[tuple[str, int], AccountFlag] = {}
        self.new: list[AccountFlag] = []

    def load(self, *, promise_ids: Iterable[int] = (), instalment_ids: Iterable[int] = ()) -> None:
        opened = AccountFlag.objects.filter(cleared_on__isnull=True).filter(
            Q(promise_id__in=list(promise_ids)) | Q(instalment_id__in=list(instalment_ids))
        )
        for flag in opened:
            key = ("p", flag.promise_id) if flag.promise_id else ("i", flag.instalment_id)
            self.open[key] = flag  # type: ignore[index]

    def settle(
        self,
        *,
        customer_id: int,
        judgement: Judgement,
        window_end: date,
        reason: FlagReason,
        detail: str,
        promise_id: int | None = None,
        instalment_id: int | None = None,
    ) -> None:
        key = ("p", promise_id) if promise_id is not None else ("i", instalment_id)
        open_flag = self.open.get(key)  # type: ignore[arg-type]
        if judgement == Judgement.KEPT and open_flag is not None:
            open_flag.cleared_on = max(self.today, open_flag.raised_on)
            open_flag.clear_note = "kept: the payments reached the amount"
            open_flag.save(update_fields=["cleared_on", "clear_note", "updated_at"])
            self.report.flags_cleared += 1
        elif judgement in (Judgement.BROKEN, Judgement.PARTLY_KEPT):
            if open_flag is not None:
                if (open_flag.reason, open_flag.detail) != (reason, detail):
                    open_flag.reason, open_flag.detail = reason, detail
                    open_flag.save(update_fields=["reason", "detail", "updated_at"])
                return
            if window_end < self.today - timedelta(days=FLAG_LOOKBACK_DAYS):
                return
            self.new.append(
                AccountFlag(
                    customer_id=customer_id,
                    reason=reason,
                    detail=detail,
                    promise_id=promise_id,
                    instalment_id=instalment_id,
                    raised_on=self.today,
                )
            )

    def flush(self) -> None:
        AccountFlag.objects.bulk_create(self.new)
        self.report.flags_raised += len(self.new)
        self.new, self.open = [], {}


def _money_text(minor: int, currency: str) -> str:
    return str(Money(minor, currency))


def _judge_promises(
    ids: list[int], today: date, grace: int, flags: _Flags, report: JudgementReport
) -> None:
    promises = list(
        PromiseToPay.objects.filter(customer_id__in=ids)
        .exclude(status=PromiseStatus.CANCELLED)
        .exclude(outcome__judgement=Judgement.KEPT)
        .select_related("outcome")
    )
    if not promises:
        return
    receipts = _receipts({p.customer_id for p in promises}, today)
    flags.load(promise_ids=[p.pk for p in promises])
    status_of = {
        Judgement.KEPT: PromiseStatus.KEPT,
        Judgement.BROKEN: PromiseStatus.BROKEN,
        Judgement.PARTLY_KEPT: PromiseStatus.BROKEN,
        Judgement.PENDING: PromiseStatus.OPEN,
    }
    outcomes, changed_status = [], []
    for p in promises:
        window_end = p.due_date + timedelta(days=grace)
        paid = receipts.get((p.customer_id, p.currency), NO_RECEIPTS).between(
            p.promised_on, min(window_end, today)
        )
        verdict = judge(
            amount=p.amount_minor, paid_in_window=paid, window_end=window_end, today=today
        )
        report.promises += 1
        report.by_judgement[verdict] = report.by_judgement.get(verdict, 0) + 1
        old = getattr(p, "outcome", None)
        if old is None or (old.judgement, old.paid_minor, old.grace_days) != (verdict, paid, grace):
            outcomes.append(
                PromiseOutcome(
                    promise=p, judgement=verdict, paid_minor=paid, grace_days=grace, judged_on=today
                )
            )
        if p.status != status_of[verdict]:
            p.status = status_of[verdict]
            changed_status.append(p)
        shortfall = _money_text(p.amount_minor - min(paid, p.amount_minor), p.currency)
        flags.settle(
            customer_id=p.customer_id,
            judgement=verdict,
            window_end=window_end,
            reason=FlagReason.BROKEN_PROMISE
            if verdict == Judgement.BROKEN
            else FlagReason.PARTLY_KEPT_PROMISE,
            detail=f"promised {_money_text(p.amount_minor, p.currency)} by "
            f"{p.due_date.isoformat()}; {shortfall} short",
            promise_id=p.pk,
        )
    PromiseOutcome.objects.bulk_create(
        outcomes,
        update_conflicts=True,
        unique_fields=["promise"],
        update_fields=["judgement", "paid_minor", "grace_days", "judged_on"],
    )
    PromiseToPay.objects.bulk_update(changed_status, ["status"])
    report.changed += len(outcomes)


def _judge_plans(
    ids: list[int], today: date, grace: int, flags: _Flags, report: JudgementReport
) -> None:
    plans = list(
        PaymentPlan.objects.filter(
            customer_id__in=ids, status__in=[PlanStatus.ACTIVE, PlanStatus.BROKEN]
        ).prefetch_related("instalments__outcome")
    )
    if not plans:
        return
    receipts = _receipts({p.customer_id for p in plans}, today)
    flags.load(instalment_ids=[i.pk for plan in plans for i in plan.instalments.all()])
    outcomes, changed_plans = [], []
    for plan in plans:
        paid_to_plan = receipts.get((plan.customer_id, plan.currency), NO_RECEIPTS)
        scheduled_before = 0
        verdicts = []
        instalment: Instalment
        for instalment in sorted(plan.instalments.all(), key=lambda i: (i.sequence, i.due_date)):
            window_end = instalment.due_date + timedelta(days=grace)
            paid_by_then = paid_to_plan.between(plan.agreed_on, min(window_end, today))
            toward = max(0, min(paid_by_then - scheduled_before, instalment.amount_minor))
            verdict = judge(
                amount=instalment.amount_minor,
                paid_in_window=toward,
                window_end=window_end,
                today=today,
            )
            scheduled_before += instalment.amount_minor
            verdicts.append(verdict)
            report.instalments += 1
            old = getattr(instalment, "outcome", None)
            if old is None or (old.judgement, old.paid_minor, old.grace_days) != (
                verdict,
                toward,
                grace,
            ):
                outcomes.append(
                    InstalmentOutcome(
                        instalment=instalment,
                        judgement=verdict,
                        paid_minor=toward,
                        grace_days=grace,
                        judged_on=today,
                    )
                )
            flags.settle(
                customer_id=plan.customer_id,
                judgement=verdict,
                window_end=window_end,
                reason=FlagReason.MISSED_INSTALMENT,
                detail=f"instalment {instalment.sequence} of "
                f"{_money_text(instalment.amount_minor, plan.currency)} due "
                f"{instalment.due_date.isoformat()}; "
                f"{_money_text(instalment.amount_minor - toward, plan.currency)} short",
                instalment_id=instalment.pk,
            )
        if verdicts and all(v == Judgement.KEPT for v in verdicts):
            status = PlanStatus.COMPLETED
        elif any(v in (Judgement.BROKEN, Judgement.PARTLY_KEPT) for v in verdicts):
            status = PlanStatus.BROKEN
        else:
            status = PlanStatus.ACTIVE
        if plan.status != status:
            plan.status = status
            changed_plans.append(plan)
    InstalmentOutcome.objects.bulk_create(
        outcomes,
        update_conflicts=True,
        unique_fields=["instalment"],
        update_fields=["judgement", "paid_minor", "grace_days", "judged_on"],
    )
    PaymentPlan.objects.bulk_update(changed_plans, ["status"])
    report.changed += len(outcomes)


def accounts_judge(
    *, today: date, customer_ids: Collection[int] | None = None, via: str = "judgement"
) -> JudgementReport:
    """Judge every promise and plan not yet kept (of `customer_ids`, or of everyone) as of
    `today`, one transaction per chunk of customers; audited once when anything changed."""
    grace = promise_grace_days()
    report = JudgementReport()
    promised = PromiseToPay.objects.exclude(status=PromiseStatus.CANCELLED).exclude(
        outcome__judgement=Judgement.KEPT
    )
    planned = PaymentPlan.objects.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.BROKEN])
    if customer_ids is not None:
        promised = promised.filter(customer_id__in=customer_ids)
        planned = planned.filter(customer_id__in=customer_ids)
    ids = sorted(
        set(promised.values_list("customer_id", flat=True))
        | set(planned.values_list("customer_id", flat=True))
    )
    flags = _Flags(today, report)
    for chunk in _chunks(ids):
        with transaction.atomic():
            _judge_promises(chunk, today, grace, flags, report)
            _judge_plans(chunk, today, grace, flags, report)
            flags.flush()
    if report.changed or report.flags_raised or report.flags_cleared:
        audit_record(
            action="workspace_judgement",
            object_type="ledger",
            object_id="promises-and-plans",
            after={"as_of": today.isoformat(), "grace_days": grace, **report.as_json()},
            via=via,
        )
    return report
