"""Promises and plans judged by payments, at the edges of their window: paid on the promised
date, within the grace days, one day after them, partly; and the flags that follow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recoup.ledger.models import (
    Instalment,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)
from recoup.metrics.models import MetricDefault
from recoup.workspace.models import AccountFlag, FlagReason, Judgement, PromiseOutcome
from recoup.workspace.policy import promise_grace_days
from recoup.workspace.services.judgement import accounts_judge, judge
from tests.workspace.conftest import Book, payment

pytestmark = pytest.mark.django_db

MADE = date(2026, 3, 2)
DUE = date(2026, 3, 10)
GRACE = 3  # the catalogue's default for promise_kept_rate
WINDOW_END = DUE + timedelta(days=GRACE)


def _promise(book: Book, amount: int = 50_000, currency: str = "USD") -> PromiseToPay:
    return PromiseToPay.objects.create(
        external_id=f"P-{PromiseToPay.objects.count() + 1}",
        customer=book.debtor,
        promised_on=MADE,
        due_date=DUE,
        amount_minor=amount,
        currency=currency,
    )


def _outcome(promise: PromiseToPay) -> PromiseOutcome:
    return PromiseOutcome.objects.get(promise=promise)


def test_the_grace_days_are_the_promise_kept_rate_kpis() -> None:
    assert promise_grace_days() == GRACE
    MetricDefault.objects.create(metric_id="promise_kept_rate", param="grace_days", value="5")
    assert promise_grace_days() == 5


def test_a_promise_paid_in_full_on_its_date_is_kept(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 50_000, DUE)
    accounts_judge(today=DUE)
    assert _outcome(promise).judgement == Judgement.KEPT
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT


def test_a_payment_on_the_last_day_of_grace_keeps_it(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 50_000, WINDOW_END)
    accounts_judge(today=WINDOW_END + timedelta(days=10))
    assert _outcome(promise).judgement == Judgement.KEPT
    assert not AccountFlag.objects.exists()


def test_a_payment_one_day_after_grace_does_not_keep_it(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 50_000, WINDOW_END + timedelta(days=1))
    report = accounts_judge(today=WINDOW_END + timedelta(days=1))
    assert _outcome(promise).judgement == Judgement.BROKEN
    assert _outcome(promise).paid_minor == 0
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    flag = AccountFlag.objects.get()
    assert (flag.customer, flag.reason, flag.promise) == (
        book.debtor,
        FlagReason.BROKEN_PROMISE,
        promise,
    )
    assert "500.00 USD short" in flag.detail
    assert report.flags_raised == 1


def test_a_promise_partly_paid_by_the_end_of_grace_is_partly_kept(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 20_000, DUE)
    payment(book.debtor, "PAY-2", 10_000, WINDOW_END)
    accounts_judge(today=WINDOW_END + timedelta(days=1))
    outcome = _outcome(promise)
    assert (outcome.judgement, outcome.paid_minor) == (Judgement.PARTLY_KEPT, 30_000)
    assert AccountFlag.objects.get().reason == FlagReason.PARTLY_KEPT_PROMISE


def test_a_promise_short_of_its_amount_is_pending_until_grace_has_passed(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 10_000, DUE)
    accounts_judge(today=WINDOW_END)
    assert _outcome(promise).judgement == Judgement.PENDING
    assert not AccountFlag.objects.exists()
    accounts_judge(today=WINDOW_END + timedelta(days=1))
    assert _outcome(promise).judgement == Judgement.PARTLY_KEPT


def test_payments_before_the_promise_or_in_another_currency_do_not_count(book: Book) -> None:
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 50_000, MADE - timedelta(days=1))
    payment(book.debtor, "PAY-2", 50_000, DUE, currency="EUR")
    accounts_judge(today=WINDOW_END + timedelta(days=1))
    assert _outcome(promise).judgement == Judgement.BROKEN


def test_a_payment_imported_late_but_dated_in_the_window_keeps_it_and_clears_the_flag(
    book: Book,
) -> None:
    promise = _promise(book)
    later = WINDOW_END + timedelta(days=2)
    accounts_judge(today=later)
    assert AccountFlag.objects.get(cleared_on__isnull=True).promise == promise
    payment(book.debtor, "PAY-1", 50_000, DUE)
    report = accounts_judge(today=later)
    assert _outcome(promise).judgement == Judgement.KEPT
    flag = AccountFlag.objects.get()
    assert flag.cleared_on == later
    assert report.flags_cleared == 1


def test_judging_twice_raises_one_flag(book: Book) -> None:
    _promise(book)
    accounts_judge(today=WINDOW_END + timedelta(days=1))
    again = accounts_judge(today=WINDOW_END + timedelta(days=2))
    assert AccountFlag.objects.count() == 1
    assert (again.changed, again.flags_raised) == (0, 0)


def test_a_promise_broken_long_ago_asks_for_no_follow_up(book: Book) -> None:
    promise = _promise(book)
    accounts_judge(today=WINDOW_END + timedelta(days=31))
    assert _outcome(promise).judgement == Judgement.BROKEN
    assert not AccountFlag.objects.exists()


def test_the_grace_days_come_from_the_kpi_variant(book: Book) -> None:
    MetricDefault.objects.create(metric_id="promise_kept_rate", param="grace_days", value="0")
    promise = _promise(book)
    payment(book.debtor, "PAY-1", 50_000, DUE + timedelta(days=1))
    accounts_judge(today=DUE + timedelta(days=1))
    assert _outcome(promise).judgement == Judgement.BROKEN
    assert _outcome(promise).grace_days == 0


def test_cancelled_promises_are_not_judged(book: Book) -> None:
    promise = _promise(book)
    promise.status = PromiseStatus.CANCELLED
    promise.save()
    accounts_judge(today=WINDOW_END + timedelta(days=1))
    assert not PromiseOutcome.objects.exists()


@pytest.mark.parametrize(
    ("paid", "today", "expected"),
    [
        (100, date(2026, 1, 1), Judgement.KEPT),
        (99, date(2026, 1, 5), Judgement.PENDING),
        (99, date(2026, 1, 6), Judgement.PARTLY_KEPT),
        (0, date(2026, 1, 6), Judgement.BROKEN),
    ],
)
def test_the_judgement_of_one_amount(paid: int, today: date, expected: Judgement) -> None:
    assert (
        judge(amount=100, paid_in_window=paid, window_end=date(2026, 1, 5), today=today) == expected
    )


# --- payment plans ----------------------------------------------------------------------------


def _plan(book: Book) -> PaymentPlan:
    plan = PaymentPlan.objects.create(
        external_id="PLAN-1",
        customer=book.debtor,
        agreed_on=date(2026, 1, 5),
        total_minor=30_000,
        currency="USD",
    )
    for n, due in enumerate([date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)], start=1):
        Instalment.objects.create(plan=plan, sequence=n, due_date=due, amount_minor=10_000)
    return plan


def _instalments(plan: PaymentPlan) -> list[tuple[str, int]]:
    return [
        (i.outcome.judgement, i.outcome.paid_minor) for i in plan.instalments.order_by("sequence")
    ]


def test_instalments_are_paid_oldest_first_and_a_missed_one_breaks_the_plan(book: Book) -> None:
    plan = _plan(book)
    payment(book.debtor, "PAY-1", 10_000, date(2026, 2, 1))  # the first, on its date
    payment(book.debtor, "PAY-2", 4_000, date(2026, 3, 4))  # part of the second, last grace day
    accounts_judge(today=date(2026, 3, 5))
    assert _instalments(plan) == [
        (Judgement.KEPT, 10_000),
        (Judgement.PARTLY_KEPT, 4_000),
        (Judgement.PENDING, 0),
    ]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.BROKEN
    flag = AccountFlag.objects.get()
    assert flag.reason == FlagReason.MISSED_INSTALMENT
    assert "instalment 2" in flag.detail


def test_a_plan_paid_ahead_in_one_payment_completes(book: Book) -> None:
    plan = _plan(book)
    payment(book.debtor, "PAY-1", 30_000, date(2026, 1, 20))
    accounts_judge(today=date(2026, 1, 21))
    assert [j for j, _ in _instalments(plan)] == [Judgement.KEPT] * 3
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED


def test_a_catch_up_payment_in_grace_keeps_the_instalment(book: Book) -> None:
    plan = _plan(book)
    payment(book.debtor, "PAY-1", 10_000, date(2026, 2, 4))  # grace ends 4 Feb
    accounts_judge(today=date(2026, 2, 20))
    assert _instalments(plan)[0] == (Judgement.KEPT, 10_000)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
